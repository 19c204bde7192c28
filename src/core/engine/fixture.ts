/**
 * Runs a training-step fixture (the format of shared/reference/training_step_a: manifest.json plus .npy
 * arrays written from PyTorch/nnU-Net) on a backend and measures the agreement: loss of both steps, every
 * gradient of step 1, every state-dict tensor after two SGD steps.
 *
 * Relative error of one tensor: max|a − b| / max(max|b|, floor), the floor being 1e-3 of the largest
 * |b| in that group (all gradients, all weights, all updates). One exception: a conv bias that feeds an
 * InstanceNorm has an exactly-zero true gradient (the norm subtracts the mean), so PyTorch's stored
 * values (~1e-7 of the largest gradient) are float32 rounding noise; those tensors are measured against
 * the group's largest |b| instead.
 */
import { TesseraError } from '../errors';
import { readNpy } from '../io/volume/npy';
import type { NetworkSpec } from '../model/architecture';
import type { Backend } from './backend';
import { deepSupervisionScales, deepSupervisionTargets, deepSupervisionWeights } from './deep-supervision';
import { sgdStep } from './optimizer';
import type { Param } from './parameters';
import { numel } from './tensor';
import { forwardBackward, readLoss } from './train-step';
import { UNet } from './unet';

export interface FixtureManifest {
  variant?: string;
  config: {
    in_ch: number;
    classes: number;
    batch: number;
    patch: number[];
    features: number[];
    kernels: number[][];
    strides: number[][];
    deep_supervision: boolean;
    batch_dice: boolean;
    network?: string;
    n_conv_per_stage?: number[];
    n_blocks_per_stage?: number[];
    n_conv_per_stage_decoder?: number[];
    stem_channels?: number;
  };
  loss_step1: number;
  loss_step2: number;
  grad_total_norm_before_clip?: number;
  optimizer: {
    lr: number;
    momentum: number;
    nesterov: boolean;
    weight_decay: number;
    clip_grad_norm: number;
  };
  deep_supervision_weights: number[] | null;
  parameter_names_in_order: string[];
  parameters_without_gradient?: string[];
  arrays: Record<string, { file: string; shape: number[]; dtype: string }>;
}

export interface FixtureReport {
  variant: string;
  backend: string;
  max_rel_err_loss: number;
  max_rel_err_grad: number;
  max_rel_err_weights: number;
  /** Same measure on (weights after − weights before): the two updates themselves. */
  max_rel_err_update: number;
  max_rel_err_logits: number | null;
  rel_err_grad_norm: number | null;
  loss: { step1: number; step2: number; ref_step1: number; ref_step2: number };
  worst: { grad: string; weights: string; update: string };
  parameters_without_gradient_match: boolean;
  ms: number;
}

export type FixtureFileReader = (file: string) => Promise<Uint8Array>;

/**
 * The NetworkSpec of a fixture: the manifest's config (nnU-Net's defaults for what it does not say:
 * InstanceNorm eps 1e-5 affine, LeakyReLU 0.01), conv and block counts read off the parameter names.
 */
export function fixtureNetworkSpec(m: FixtureManifest): NetworkSpec {
  const c = m.config;
  const names = m.parameter_names_in_order;
  const n = c.features.length;
  const resnet = c.network ? /Residual/.test(c.network) : names.some((k) => k.startsWith('encoder.stem.'));
  const count = (re: (s: number) => RegExp, stages: number) =>
    Array.from({ length: stages }, (_, s) => names.filter((k) => re(s).test(k)).length);
  const nEnc =
    (resnet ? c.n_blocks_per_stage : c.n_conv_per_stage) ??
    count(
      (s) =>
        resnet
          ? new RegExp(`^encoder\\.stages\\.${s}\\.blocks\\.\\d+\\.conv1\\.conv\\.weight$`)
          : new RegExp(`^encoder\\.stages\\.${s}\\.0\\.convs\\.\\d+\\.conv\\.weight$`),
      n,
    );
  const nDec =
    c.n_conv_per_stage_decoder ??
    count((s) => new RegExp(`^decoder\\.stages\\.${s}\\.convs\\.\\d+\\.conv\\.weight$`), n - 1);
  const convBias = names.some((k) =>
    /^encoder\.(stages\.0\.0\.convs\.0|stem\.convs\.0)\.conv\.bias$/.test(k),
  );
  return {
    networkClass: resnet ? 'ResidualEncoderUNet' : 'PlainConvUNet',
    dim: c.patch.length === 2 ? 2 : 3,
    inputChannels: c.in_ch,
    numClasses: c.classes,
    outputActivation: 'softmax',
    nStages: n,
    featuresPerStage: c.features,
    kernelSizes: c.kernels,
    strides: c.strides,
    nPerStageEncoder: nEnc,
    nConvPerStageDecoder: nDec,
    convBias,
    norm: { op: 'InstanceNorm', eps: 1e-5, affine: true, trackRunningStats: false },
    dropout: false,
    nonlin: { op: 'LeakyReLU', negativeSlope: 0.01 },
    nonlinFirst: false,
    stemChannels: resnet ? (c.stem_channels ?? c.features[0]) : null,
    deepSupervision: c.deep_supervision,
    patchSize: c.patch,
  };
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, floor, 1e-30);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

interface Pair {
  name: string;
  ours: ArrayLike<number>;
  ref: ArrayLike<number>;
  /** Zero by construction: the reference is rounding noise. */
  noise: boolean;
}

/** Worst relative error over named pairs, with the floor taken from the group's largest reference. */
function groupErr(pairs: Pair[]) {
  const top = Math.max(0, ...pairs.map((p) => maxAbs(p.ref)));
  let worst = { err: 0, name: '' };
  for (const p of pairs) {
    const e = relErr(p.ours, p.ref, p.noise ? top : 1e-3 * top);
    if (e > worst.err || !worst.name) worst = { err: e, name: p.name };
  }
  return worst;
}

export async function runFixture(
  be: Backend,
  readFile: FixtureFileReader,
  name = 'fixture',
): Promise<FixtureReport> {
  const t0 = Date.now();
  const m = JSON.parse(new TextDecoder().decode(await readFile('manifest.json'))) as FixtureManifest;
  if (!m.config || !m.arrays || !m.parameter_names_in_order)
    throw new TesseraError('bad-argument', `${name}/manifest.json`, 'not a training-step fixture manifest');
  const arrays = new Map<string, Float32Array>();
  const load = async (key: string, required = true): Promise<Float32Array | null> => {
    const entry = m.arrays[key];
    if (!entry) {
      if (required) throw new TesseraError('not-found', `${name}/manifest.json`, `no array '${key}'`);
      return null;
    }
    const cached = arrays.get(key);
    if (cached) return cached;
    const a = readNpy(await readFile(entry.file), entry.file);
    const f = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>);
    arrays.set(key, f);
    return f;
  };

  const spec = fixtureNetworkSpec(m);
  const net = new UNet(be, spec);
  const ours = net.params.map((p) => p.name);
  if (ours.join('\n') !== m.parameter_names_in_order.join('\n')) {
    const missing = m.parameter_names_in_order.find((k) => !ours.includes(k));
    const extra = ours.find((k) => !m.parameter_names_in_order.includes(k));
    throw new TesseraError(
      'bad-model',
      `${name}/manifest.json`,
      `parameter names differ from the engine's network (first missing: ${missing ?? '-'}, first extra: ${extra ?? '-'})`,
    );
  }
  const before = new Map<Param, Float32Array>();
  for (const p of net.params) {
    const v = (await load(`weights_before__${p.name}`))!;
    if (v.length !== numel(p.shape)) throw new TesseraError('bad-model', p.name, 'weight has the wrong size');
    be.write(p.value, v);
    before.set(p, v);
  }

  const c = m.config;
  const input = be.tensor((await load('input'))!, [c.batch, c.in_ch, ...to5(c.patch)]);
  const weights = spec.deepSupervision
    ? (m.deep_supervision_weights ?? deepSupervisionWeights(spec.nStages))
    : [1];
  const labels = [];
  const full = await load('target_0');
  const scales = spec.deepSupervision ? deepSupervisionScales(spec) : [c.patch.map(() => 1)];
  for (let i = 0; i < weights.length; i++) {
    const t = await load(`target_${i}`, false);
    const shape = m.arrays[`target_${i}`]?.shape;
    // (b, 1, *spatial) as nnU-Net's loader gives it, or (b, *spatial)
    const spatial = shape?.slice(-c.patch.length);
    if (t && shape && spatial) labels.push(be.tensor(t, [shape[0], 1, ...to5(spatial)]));
    else if (weights[i] === 0) labels.push(be.zeros([1]));
    else {
      // not stored: downsample target_0 as nnU-Net's DownsampleSegForDSTransform does
      const s3 = to5(scales[i]);
      const seg = Int16Array.from(full!);
      const [ds] = deepSupervisionTargets(seg, c.batch, to5(c.patch), [s3]);
      labels.push(be.tensor(ds.data, ds.shape));
    }
  }
  const loss = { batchDice: c.batch_dice, smooth: 1e-5, weights };
  const opt = m.optimizer;
  const sgd = {
    lr: opt.lr,
    momentum: opt.momentum,
    weightDecay: opt.weight_decay,
    nesterov: opt.nesterov !== false,
    maxNorm: opt.clip_grad_norm,
  };

  // step 1: loss, logits, gradients
  const r1 = forwardBackward(net, input, labels, loss, true);
  const l1 = await readLoss(be, r1.lossAcc);
  let logitsErr: number | null = null;
  const logitPairs: Pair[] = [];
  for (let i = 0; i < r1.outputs.length; i++) {
    const ref = await load(i === 0 ? 'logits' : `logits_${i}`, false);
    const got = await be.read(r1.outputs[i]);
    be.release(r1.outputs[i]);
    if (ref) logitPairs.push({ name: `logits_${i}`, ours: got, ref, noise: false });
  }
  if (logitPairs.length) logitsErr = groupErr(logitPairs).err;
  const gradPairs: Pair[] = [];
  const noGrad: string[] = [];
  for (const p of net.params) {
    if (!p.hasGrad) {
      noGrad.push(p.name);
      continue;
    }
    const ref = await load(`grad__${p.name}`, false);
    if (!ref) throw new TesseraError('bad-model', p.name, 'the engine has a gradient the fixture lacks');
    gradPairs.push({ name: p.name, ours: await be.read(p.grad!), ref, noise: p.feedsNorm });
  }
  const noGradMatch =
    (m.parameters_without_gradient ?? []).slice().sort().join() === noGrad.slice().sort().join();
  const sumSq = sgdStep(be, net.params, sgd.lr, sgd);
  const norm = Math.sqrt((await be.read(sumSq))[0]);
  be.release(sumSq);

  // step 2 on the same batch, as the fixture was made
  const r2 = forwardBackward(net, input, labels, loss);
  const l2 = await readLoss(be, r2.lossAcc);
  be.release(sgdStep(be, net.params, sgd.lr, sgd));

  const after = new Map<Param, Float32Array>();
  for (const p of net.params) after.set(p, await be.read(p.value));
  const weightPairs: Pair[] = [];
  const updatePairs: Pair[] = [];
  for (const { key, param } of net.stateDict()) {
    const ref = await load(`weights_after_2_steps__${key}`, false);
    if (!ref) continue;
    const got = after.get(param)!;
    const b0 = before.get(param)!;
    weightPairs.push({ name: key, ours: got, ref, noise: param.feedsNorm });
    updatePairs.push({
      name: key,
      ours: got.map((v, i) => v - b0[i]),
      ref: ref.map((v, i) => v - b0[i]),
      noise: param.feedsNorm,
    });
  }
  const g = groupErr(gradPairs);
  const w = groupErr(weightPairs);
  const u = groupErr(updatePairs);
  be.release(input);
  for (const l of labels) be.release(l);
  net.dispose();
  return {
    variant: m.variant ?? name,
    backend: be.kind,
    max_rel_err_loss: Math.max(
      Math.abs(l1.loss - m.loss_step1) / Math.abs(m.loss_step1),
      Math.abs(l2.loss - m.loss_step2) / Math.abs(m.loss_step2),
    ),
    max_rel_err_grad: g.err,
    max_rel_err_weights: w.err,
    max_rel_err_update: u.err,
    max_rel_err_logits: logitsErr,
    rel_err_grad_norm:
      m.grad_total_norm_before_clip !== undefined
        ? Math.abs(norm - m.grad_total_norm_before_clip) / m.grad_total_norm_before_clip
        : null,
    loss: { step1: l1.loss, step2: l2.loss, ref_step1: m.loss_step1, ref_step2: m.loss_step2 },
    worst: { grad: g.name, weights: w.name, update: u.name },
    parameters_without_gradient_match: noGradMatch,
    ms: Date.now() - t0,
  };
}

/** Spatial dims as (d, h, w): a 2-D patch gets d = 1 (scales: 1). */
function to5(spatial: readonly number[]): number[] {
  return spatial.length === 2 ? [1, spatial[0], spatial[1]] : [...spatial];
}
