import { TesseraError } from '../../errors';
import { type LabelManager, labelManager } from '../../nnunet/labels';
import { getConfiguration } from '../../nnunet/plans';
import type { PlansConfiguration } from '../../nnunet/plans-types';
import {
  exportAccumulatingHeadToOnnx,
  exportCheckpointToOnnx,
  exportSegmentationHeadToOnnx,
} from '../export-onnx';
import type { NetworkSpec } from '../network-spec';
import { networkSpecFromPlans } from '../network-spec';
import { checkWeights, type NnunetCheckpoint } from '../nnunet-checkpoint';
import type { EmitOptions } from '../onnx/emit-network';
import { parameterCount } from '../parameters';
import type { FileSet } from './file-set';
import type { CheckpointChoice, ResultsFolder } from './results-folder';
import {
  incompleteFoldDetail,
  incompleteFoldMessage,
  openFoldCheckpoint,
  readResultsFolder,
  resultsConfiguration,
} from './results-folder';

/**
 * An nnU-Net results folder opened as a model: configuration resolved, network described, every fold's
 * checkpoint metadata read and its weights' shapes checked against the plans (no weight data read).
 */
export interface NnunetModel {
  folder: ResultsFolder;
  configuration: string;
  /** the configuration's plans, inherits_from resolved */
  plans: PlansConfiguration;
  /** what the outputs mean (dataset.json through nnU-Net's LabelManager) */
  labels: LabelManager;
  spec: NetworkSpec;
  checkpoints: Map<string, NnunetCheckpoint>;
}

export async function openNnunetModel(
  files: FileSet,
  options: { root?: string; checkpoint?: CheckpointChoice; folds?: string[] } = {},
): Promise<NnunetModel> {
  const folder = await readResultsFolder(files, options);
  const wanted = options.folds ?? folder.folds.map((f) => f.fold);
  const checkpoints = new Map<string, NnunetCheckpoint>();
  for (const fold of wanted) checkpoints.set(fold, await openFoldCheckpoint(folder, fold));
  const first = checkpoints.values().next().value ?? null;
  const configuration = resultsConfiguration(folder, first);
  const plansFile = `${files.name}/${folder.root}plans.json`;
  const datasetFile = `${files.name}/${folder.root}dataset.json`;
  const spec = networkSpecFromPlans(folder.plans, configuration, folder.datasetJson, {
    plansFile,
    datasetFile,
  });
  for (const ckpt of checkpoints.values()) {
    if (ckpt.configuration && ckpt.configuration !== configuration)
      throw new TesseraError(
        'bad-model',
        ckpt.file,
        `was trained as configuration "${ckpt.configuration}", fold ${[...checkpoints.keys()][0]} as "${configuration}"`,
      );
    checkWeights(spec, ckpt.weights, ckpt.file);
  }
  return {
    folder,
    configuration,
    plans: getConfiguration(folder.plans, configuration, plansFile),
    labels: labelManager(folder.datasetJson, datasetFile),
    spec,
    checkpoints,
  };
}

/** One fold as ONNX (fp32 or fp16), input [N, C, *patch], output the logits. */
export async function exportFold(
  model: NnunetModel,
  fold: string,
  options: EmitOptions = {},
): Promise<Uint8Array> {
  return exportCheckpointToOnnx(foldCheckpoint(model, fold), model.spec, options);
}

/** A fold's 1×1 segmentation layer alone (see EmitOptions.segmentationHead), or fused with the accumulation. */
export async function exportFoldSegmentationHead(
  model: NnunetModel,
  fold: string,
  kind: 'logits' | 'accumulating' | 'labels' = 'logits',
): Promise<Uint8Array> {
  const ckpt = foldCheckpoint(model, fold);
  return kind === 'logits'
    ? exportSegmentationHeadToOnnx(ckpt, model.spec)
    : exportAccumulatingHeadToOnnx(ckpt, model.spec, kind === 'labels' ? 'labels' : 'sums');
}

/** A fold's checkpoint, or a clear error naming the fold when it is missing or incomplete. */
export function foldCheckpoint(model: NnunetModel, fold: string): NnunetCheckpoint {
  const ckpt = model.checkpoints.get(fold);
  const incomplete = model.folder.incompleteFolds.find((f) => f.fold === fold);
  if (!ckpt && incomplete)
    throw new TesseraError(
      'not-found',
      `${model.folder.files.name}/${model.folder.root}fold_${fold}`,
      incompleteFoldDetail(incomplete, model.folder.checkpoint),
    );
  if (!ckpt)
    throw new TesseraError(
      'not-found',
      `${model.folder.files.name}/${model.folder.root}fold_${fold}`,
      `is not among the model's folds (${[...model.checkpoints.keys()].join(', ')})`,
    );
  return ckpt;
}

/** What `tessera model-info` prints and the model list shows (snake_case, as nnU-Net's own JSON). */
export interface NnunetModelInfo {
  kind: 'nnunet';
  name: string;
  dataset_name: string | null;
  configuration: string;
  trainer: string | null;
  plans_name: string | null;
  network_class: string;
  dim: number;
  folds: string[];
  /** fold_N folders left out for want of the chosen checkpoint, each with what it has and how to use it. */
  incomplete_folds: Record<string, string>;
  checkpoints: Record<string, { file: string; size_bytes: number; epoch: number | null }>;
  labels: Record<string, number | number[]>;
  region_based: boolean;
  output_activation: 'softmax' | 'sigmoid';
  num_outputs: number;
  input_channels: number;
  channel_names: Record<string, string>;
  patch_size: number[];
  spacing: number[] | null;
  /** plans' transpose_forward: nnU-Net's axis order for this dataset */
  transpose_forward: number[];
  normalization_schemes: string[] | null;
  n_stages: number;
  features_per_stage: number[];
  parameter_count: number;
  mirroring_axes: number[] | null;
  postprocessing: boolean;
  size_bytes: number;
}

export function nnunetModelInfo(model: NnunetModel): NnunetModelInfo {
  const { folder, spec } = model;
  const plans = folder.plans;
  const ds = folder.datasetJson;
  const cfg = model.plans;
  const first = model.checkpoints.values().next().value;
  const checkpoints: NnunetModelInfo['checkpoints'] = {};
  for (const f of folder.folds)
    if (model.checkpoints.has(f.fold))
      checkpoints[f.fold] = {
        file: f.path,
        size_bytes: f.size,
        epoch: model.checkpoints.get(f.fold)!.currentEpoch,
      };
  const labels = model.labels;
  const trainers = new Set([...model.checkpoints.values()].map((c) => c.trainerName).filter(Boolean));
  return {
    kind: 'nnunet',
    name: [plans.dataset_name, folder.folderName].filter(Boolean).join('/') || folder.files.name,
    dataset_name: plans.dataset_name ?? null,
    configuration: model.configuration,
    trainer: first?.trainerName ?? folder.trainerFromName ?? (trainers.size ? [...trainers][0]! : null),
    plans_name: plans.plans_name ?? folder.plansNameFromName,
    network_class: spec.networkClass,
    dim: spec.dim,
    folds: [...model.checkpoints.keys()],
    incomplete_folds: Object.fromEntries(
      folder.incompleteFolds.map((f) => [f.fold, incompleteFoldMessage(f, folder.checkpoint)]),
    ),
    checkpoints,
    labels: ds.labels,
    region_based: labels.hasRegions,
    output_activation: spec.outputActivation,
    num_outputs: spec.numClasses,
    input_channels: spec.inputChannels,
    channel_names: ds.channel_names ?? (ds.modality as Record<string, string> | undefined) ?? {},
    patch_size: spec.patchSize,
    spacing: Array.isArray(cfg.spacing) ? (cfg.spacing as number[]) : null,
    transpose_forward: plans.transpose_forward,
    normalization_schemes: Array.isArray(cfg.normalization_schemes)
      ? (cfg.normalization_schemes as string[])
      : null,
    n_stages: spec.nStages,
    features_per_stage: spec.featuresPerStage,
    parameter_count: parameterCount(spec),
    mirroring_axes: first?.inferenceAllowedMirroringAxes ?? null,
    postprocessing: folder.postprocessing !== null,
    size_bytes: folder.files.paths
      .filter((p) => p.startsWith(folder.root))
      .reduce((n, p) => n + folder.files.size(p), 0),
  };
}
