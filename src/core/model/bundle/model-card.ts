import { TesseraError } from '../../errors';

/**
 * A model card: what a plain ONNX model (not an nnU-Net results folder) needs beside it to be used — how to
 * turn a volume into its input tensor, what the output channels mean, and how to show them. A JSON file in
 * the bundle (conventionally `model-card.json`) next to the .onnx:
 *
 * {
 *   "format": "tessera-model-card", "version": 1,
 *   "name": "…", "description": "…", "source": "…", "license": "…",
 *   "model": "model.onnx",
 *   "input":  { "name": "input", "channels": 1,
 *               "axis_order": "zyx",            // tensor axes vs the volume: "zyx" = the NIfTI buffer as is
 *                                               //   (i fastest = last axis, nnU-Net's view); "xyz" = transposed
 *               "shape": [256, 256, 256] | null, // fixed spatial size (tensor order), null = any
 *               "conform": { "shape": [256, 256, 256], "spacing": [1, 1, 1], "orientation": "LIA" } | null,
 *               "modality": "MR" },                // optional, what the scan must be ("CT": Hounsfield units)
 *   "preprocessing": { "kind": "minmax", "range": [0, 1] }
 *                  | { "kind": "zscore", "nonzero_mask": false }
 *                  | { "kind": "ct", "mean": …, "std": …, "lower": …, "upper": … }   // nnU-Net CTNormalization
 *                  | { "kind": "none" },
 *   "output": { "name": "output", "kind": "logits" | "probabilities",
 *               "activation": "softmax" | "sigmoid" | "none",   // applied before the label decision
 *               "decision": "argmax" | "threshold" },           // threshold: sigmoid > 0.5 per channel
 *   "inference": { "mode": "whole" } | { "mode": "sliding-window", "patch_size": […], "step_size": 0.5, "gaussian": true },
 *   "labels": [ { "value": 0, "name": "background", "color": [0, 0, 0] }, … ]   // one per output channel (argmax)
 * }
 */
export interface ModelCard {
  format: 'tessera-model-card';
  version: 1;
  name: string;
  description?: string;
  source?: string;
  license?: string;
  model: string;
  input: {
    name: string;
    channels: number;
    axis_order: 'zyx' | 'xyz';
    shape: number[] | null;
    conform: { shape: number[]; spacing: number[]; orientation: string } | null;
    /** What the model was trained on ("CT", "MR", "T1", …), for the scan-vs-model check; optional. */
    modality?: string;
  };
  preprocessing:
    | { kind: 'minmax'; range: [number, number] }
    | { kind: 'zscore'; nonzero_mask: boolean }
    | { kind: 'ct'; mean: number; std: number; lower: number; upper: number }
    | { kind: 'none' };
  output: {
    name: string;
    kind: 'logits' | 'probabilities';
    activation: 'softmax' | 'sigmoid' | 'none';
    decision: 'argmax' | 'threshold';
  };
  inference:
    | { mode: 'whole' }
    | { mode: 'sliding-window'; patch_size: number[]; step_size: number; gaussian: boolean };
  labels: { value: number; name: string; color: [number, number, number] }[];
}

export const MODEL_CARD_FORMAT = 'tessera-model-card';

export function isModelCardJson(v: unknown): boolean {
  return !!v && typeof v === 'object' && (v as { format?: unknown }).format === MODEL_CARD_FORMAT;
}

const intList = (v: unknown) => Array.isArray(v) && v.every((x) => Number.isInteger(x) && x > 0);
const numList = (v: unknown, n?: number) =>
  Array.isArray(v) &&
  (n === undefined || v.length === n) &&
  v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Validate a parsed card; every fault names the card file and the field. */
export function parseModelCard(json: unknown, file = 'model-card.json'): ModelCard {
  const fail = (detail: string): never => {
    throw new TesseraError('bad-model', file, detail);
  };
  if (!json || typeof json !== 'object') return fail('is not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.format !== MODEL_CARD_FORMAT) fail(`"format" must be "${MODEL_CARD_FORMAT}"`);
  if (c.version !== 1) fail(`"version" ${String(c.version)} is not supported (1 is)`);
  if (typeof c.name !== 'string' || !c.name) fail('"name" must be a non-empty string');
  if (typeof c.model !== 'string' || !c.model.endsWith('.onnx')) fail('"model" must name the .onnx file');

  const input = (c.input ?? {}) as Record<string, unknown>;
  if (typeof input.name !== 'string') fail('"input.name" must be the input tensor name');
  if (!Number.isInteger(input.channels) || (input.channels as number) < 1)
    fail('"input.channels" must be ≥ 1');
  if (input.axis_order !== 'zyx' && input.axis_order !== 'xyz')
    fail('"input.axis_order" must be "zyx" or "xyz"');
  if (input.modality !== undefined && typeof input.modality !== 'string')
    fail('"input.modality" must be a string such as "CT" or "MR"');
  const shape = input.shape ?? null;
  if (shape !== null && !(intList(shape) && (shape as number[]).length >= 2))
    fail('"input.shape" must be null or the spatial size (positive integers)');
  const conform = (input.conform ?? null) as Record<string, unknown> | null;
  if (conform !== null) {
    if (!intList(conform.shape) || (conform.shape as number[]).length !== 3)
      fail('"input.conform.shape" must be 3 sizes');
    if (!numList(conform.spacing, 3)) fail('"input.conform.spacing" must be 3 numbers (mm)');
    if (
      typeof conform.orientation !== 'string' ||
      !/^[LR][AP][SI]$|^[LR][SI][AP]$|^[AP][LR][SI]$|^[AP][SI][LR]$|^[SI][LR][AP]$|^[SI][AP][LR]$/.test(
        conform.orientation,
      )
    )
      fail('"input.conform.orientation" must be axis codes like "LIA" or "RAS"');
  }

  const pre = (c.preprocessing ?? {}) as Record<string, unknown>;
  let preprocessing: ModelCard['preprocessing'];
  switch (pre.kind) {
    case 'minmax':
      preprocessing = {
        kind: 'minmax',
        range: pre.range === undefined ? [0, 1] : (pre.range as [number, number]),
      };
      if (!numList(preprocessing.range, 2)) fail('"preprocessing.range" must be two numbers');
      break;
    case 'zscore':
      preprocessing = { kind: 'zscore', nonzero_mask: pre.nonzero_mask === true };
      break;
    case 'ct':
      for (const k of ['mean', 'std', 'lower', 'upper'])
        if (typeof pre[k] !== 'number') fail(`"preprocessing.${k}" must be a number for kind "ct"`);
      preprocessing = {
        kind: 'ct',
        mean: pre.mean as number,
        std: pre.std as number,
        lower: pre.lower as number,
        upper: pre.upper as number,
      };
      break;
    case 'none':
      preprocessing = { kind: 'none' };
      break;
    default:
      return fail('"preprocessing.kind" must be minmax, zscore, ct or none');
  }

  const output = (c.output ?? {}) as Record<string, unknown>;
  if (typeof output.name !== 'string') fail('"output.name" must be the output tensor name');
  const kind = output.kind ?? 'logits';
  if (kind !== 'logits' && kind !== 'probabilities') fail('"output.kind" must be logits or probabilities');
  const activation = output.activation ?? 'softmax';
  if (activation !== 'softmax' && activation !== 'sigmoid' && activation !== 'none')
    fail('"output.activation" must be softmax, sigmoid or none');
  const decision = output.decision ?? (activation === 'sigmoid' ? 'threshold' : 'argmax');
  if (decision !== 'argmax' && decision !== 'threshold')
    fail('"output.decision" must be argmax or threshold');

  const inf = (c.inference ?? { mode: 'whole' }) as Record<string, unknown>;
  let inference: ModelCard['inference'];
  if (inf.mode === 'whole') inference = { mode: 'whole' };
  else if (inf.mode === 'sliding-window') {
    if (!intList(inf.patch_size)) fail('"inference.patch_size" must be positive integers');
    const step = inf.step_size ?? 0.5;
    if (typeof step !== 'number' || step <= 0 || step > 1) fail('"inference.step_size" must be in (0, 1]');
    inference = {
      mode: 'sliding-window',
      patch_size: inf.patch_size as number[],
      step_size: step as number,
      gaussian: inf.gaussian !== false,
    };
  } else return fail('"inference.mode" must be whole or sliding-window');

  if (!Array.isArray(c.labels) || c.labels.length === 0) fail('"labels" must list the output labels');
  const labels = (c.labels as Record<string, unknown>[]).map((l, i) => {
    if (!Number.isInteger(l?.value) || (l.value as number) < 0)
      fail(`"labels[${i}].value" must be an integer ≥ 0`);
    if (typeof l.name !== 'string') fail(`"labels[${i}].name" must be a string`);
    const color = l.color ?? [0, 0, 0];
    if (!numList(color, 3) || (color as number[]).some((x) => x < 0 || x > 255))
      fail(`"labels[${i}].color" must be [r, g, b] in 0–255`);
    return { value: l.value as number, name: l.name as string, color: color as [number, number, number] };
  });
  if (new Set(labels.map((l) => l.value)).size !== labels.length) fail('"labels" has a value twice');

  const str = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : undefined);
  return {
    format: MODEL_CARD_FORMAT,
    version: 1,
    name: c.name as string,
    description: str('description'),
    source: str('source'),
    license: str('license'),
    model: c.model as string,
    input: {
      name: input.name as string,
      channels: input.channels as number,
      axis_order: input.axis_order as 'zyx' | 'xyz',
      shape: shape as number[] | null,
      conform: conform as ModelCard['input']['conform'],
      ...(typeof input.modality === 'string' ? { modality: input.modality } : {}),
    },
    preprocessing,
    output: { name: output.name as string, kind, activation, decision } as ModelCard['output'],
    inference,
    labels,
  };
}
