import { TesseraError } from '../errors';
import { imageChannelCount, labelManager } from '../nnunet/labels';
import { getConfiguration } from '../nnunet/plans';

/**
 * The network nnU-Net builds for a plans configuration, as plain data: everything the ONNX emitter, the
 * training engine and the checkpoint writer need, and nothing else. It is derived from
 * `architecture.network_class_name` + `arch_kwargs` (or the legacy flat keys of older plans, converted the
 * way nnU-Net's ConfigurationManager converts them) plus dataset.json (input channels, output heads).
 *
 * Lists are per resolution stage, highest resolution first, and in nnU-Net's (z, y, x) axis order.
 * The module structure and state-dict names built from a spec live in network-layout.ts.
 */
export type NetworkClass = 'PlainConvUNet' | 'ResidualEncoderUNet';

export interface NormSpec {
  op: 'InstanceNorm' | 'BatchNorm';
  eps: number;
  /** Learnable per-channel scale (`weight`) and shift (`bias`). */
  affine: boolean;
  /** BatchNorm only: running_mean/var buffers (used at inference). */
  trackRunningStats: boolean;
}

export interface NonlinSpec {
  op: 'LeakyReLU' | 'ReLU';
  /** LeakyReLU's slope for x < 0 (torch's default 0.01); 0 for ReLU. */
  negativeSlope: number;
}

export interface NetworkSpec {
  networkClass: NetworkClass;
  /** 2 (Conv2d) or 3 (Conv3d). */
  dim: 2 | 3;
  inputChannels: number;
  /** Output channels of the segmentation head: labels incl. background, or regions. */
  numClasses: number;
  /** Inference nonlinearity on the logits (regions: sigmoid). The network itself outputs logits. */
  outputActivation: 'softmax' | 'sigmoid';
  nStages: number;
  featuresPerStage: number[];
  kernelSizes: number[][];
  strides: number[][];
  /** PlainConvUNet: convs per encoder stage; ResidualEncoderUNet: residual blocks per stage. */
  nPerStageEncoder: number[];
  nConvPerStageDecoder: number[];
  convBias: boolean;
  norm: NormSpec | null;
  /** A dropout module is present (identity at inference, but it shifts `all_modules` indices). */
  dropout: boolean;
  nonlin: NonlinSpec | null;
  /** conv → nonlin → norm instead of conv → norm → nonlin (PlainConvUNet only). */
  nonlinFirst: boolean;
  /** ResidualEncoderUNet: output channels of the stem conv (default features_per_stage[0]). */
  stemChannels: number | null;
  /** Training returns one output per decoder stage; inference (false) only the full-resolution one. */
  deepSupervision: boolean;
  /** The configuration's patch size (z, y, x) or (y, x). */
  patchSize: number[];
}

const PLAIN_KEYS = new Set([
  'n_stages',
  'features_per_stage',
  'conv_op',
  'kernel_sizes',
  'strides',
  'n_conv_per_stage',
  'n_conv_per_stage_decoder',
  'conv_bias',
  'norm_op',
  'norm_op_kwargs',
  'dropout_op',
  'dropout_op_kwargs',
  'nonlin',
  'nonlin_kwargs',
  'deep_supervision',
  'nonlin_first',
]);
const RESENC_KEYS = new Set(
  [...PLAIN_KEYS, 'n_blocks_per_stage', 'block', 'bottleneck_channels', 'stem_channels'].filter(
    (k) => k !== 'n_conv_per_stage' && k !== 'nonlin_first',
  ),
);

/** `torch.nn.modules.conv.Conv3d` → `Conv3d`: nnU-Net locates classes by dotted path; the last part decides. */
const className = (v: unknown) => (typeof v === 'string' ? (v.split('.').pop() ?? v) : null);

export interface SpecInputs {
  /** Resolved configuration (see getConfiguration). */
  configuration: Record<string, unknown>;
  inputChannels: number;
  numClasses: number;
  outputActivation?: 'softmax' | 'sigmoid';
  deepSupervision?: boolean;
  /** For error messages. */
  file?: string;
}

/** The spec for one configuration of a plans.json, with channels and heads taken from dataset.json. */
export function networkSpecFromPlans(
  plans: unknown,
  configurationName: string,
  datasetJson: unknown,
  options: { deepSupervision?: boolean; plansFile?: string; datasetFile?: string } = {},
): NetworkSpec {
  const plansFile = options.plansFile ?? 'plans.json';
  const configuration = getConfiguration(plans, configurationName, plansFile);
  const labels = labelManager(datasetJson, options.datasetFile);
  let inputChannels = imageChannelCount(datasetJson, options.datasetFile);
  // Cascade: the low-res stage's segmentation comes in one-hot, one channel per foreground label.
  if (configuration.previous_stage !== undefined && configuration.previous_stage !== null)
    inputChannels += labels.foregroundLabels.length;
  return networkSpecFromConfiguration({
    configuration,
    inputChannels,
    numClasses: labels.numHeads,
    outputActivation: labels.activation,
    deepSupervision: options.deepSupervision,
    file: `${plansFile} (configuration ${configurationName})`,
  });
}

export function networkSpecFromConfiguration(inputs: SpecInputs): NetworkSpec {
  const file = inputs.file ?? 'plans.json';
  const fail = (detail: string): never => {
    throw new TesseraError('bad-plans', file, detail);
  };
  const cfg = inputs.configuration;
  const patchSize = intList(cfg.patch_size, 'patch_size', fail);
  // legacy flat keys were converted by getConfiguration (nnunet/plans.ts), as nnU-Net's ConfigurationManager does
  if (!cfg.architecture)
    return fail('configuration has neither "architecture" nor the legacy "UNet_class_name"');
  const arch = cfg.architecture as {
    network_class_name?: unknown;
    arch_kwargs?: Record<string, unknown>;
  };
  const cls = className(arch.network_class_name);
  if (cls !== 'PlainConvUNet' && cls !== 'ResidualEncoderUNet')
    return fail(
      `network class "${String(arch.network_class_name)}" is not supported (PlainConvUNet and ResidualEncoderUNet are)`,
    );
  const networkClass: NetworkClass = cls;
  const kw = arch.arch_kwargs;
  if (!kw || typeof kw !== 'object') return fail('architecture has no "arch_kwargs"');
  const allowed = networkClass === 'PlainConvUNet' ? PLAIN_KEYS : RESENC_KEYS;
  for (const k of Object.keys(kw))
    if (!allowed.has(k)) fail(`arch_kwargs key "${k}" is not supported for ${networkClass}`);

  const convOp = className(kw.conv_op);
  const dim =
    convOp === 'Conv3d' ? 3 : convOp === 'Conv2d' ? 2 : fail(`conv_op "${kw.conv_op}" is not supported`);
  if (patchSize.length !== dim) fail(`patch_size has ${patchSize.length} axes but conv_op is ${convOp}`);
  const nStages = kw.n_stages;
  if (typeof nStages !== 'number' || !Number.isInteger(nStages) || nStages < 1)
    return fail('arch_kwargs.n_stages must be a positive integer');

  const perStage = (v: unknown, name: string, n = nStages): number[] => {
    const list = typeof v === 'number' ? new Array(n).fill(v) : intList(v, name, fail);
    if (list.length !== n) fail(`arch_kwargs.${name} has ${list.length} entries, expected ${n}`);
    if (list.some((x) => x < 1)) fail(`arch_kwargs.${name} entries must be ≥ 1`);
    return list;
  };
  const perAxis = (v: unknown, name: string): number[][] => {
    const raw = typeof v === 'number' ? new Array(nStages).fill(v) : v;
    if (!Array.isArray(raw) || raw.length !== nStages)
      return fail(`arch_kwargs.${name} must have ${nStages} entries`);
    return raw.map((e, s) => {
      const l = typeof e === 'number' ? new Array(dim).fill(e) : intList(e, `${name}[${s}]`, fail);
      if (l.length !== dim || l.some((x) => x < 1))
        fail(`arch_kwargs.${name}[${s}] must be ${dim} positive integers`);
      return l;
    });
  };

  const featuresPerStage = perStage(kw.features_per_stage, 'features_per_stage');
  const kernelSizes = perAxis(kw.kernel_sizes, 'kernel_sizes');
  const strides = perAxis(kw.strides, 'strides');
  const encKey = networkClass === 'PlainConvUNet' ? 'n_conv_per_stage' : 'n_blocks_per_stage';
  const nPerStageEncoder = perStage(kw[encKey], encKey);
  const nConvPerStageDecoder = perStage(kw.n_conv_per_stage_decoder, 'n_conv_per_stage_decoder', nStages - 1);

  const block = className(kw.block);
  if (block !== null && block !== 'BasicBlockD')
    fail(`residual block "${kw.block}" is not supported (BasicBlockD is)`);
  if (kw.bottleneck_channels !== undefined && kw.bottleneck_channels !== null)
    fail('bottleneck_channels (BottleneckD blocks) is not supported');
  let stemChannels: number | null = null;
  if (networkClass === 'ResidualEncoderUNet') {
    const sc = kw.stem_channels;
    if (sc === undefined || sc === null) stemChannels = featuresPerStage[0];
    else if (typeof sc === 'number' && Number.isInteger(sc) && sc > 0) stemChannels = sc;
    else fail('arch_kwargs.stem_channels must be a positive integer');
  }

  const dropoutOp = kw.dropout_op;
  if (dropoutOp !== null && dropoutOp !== undefined && !/^Dropout[123]?d?$/.test(className(dropoutOp) ?? ''))
    fail(`dropout_op "${dropoutOp}" is not supported`);

  if (!Number.isInteger(inputs.inputChannels) || inputs.inputChannels < 1)
    fail(`input channels must be a positive integer, got ${inputs.inputChannels}`);
  if (!Number.isInteger(inputs.numClasses) || inputs.numClasses < 1)
    fail(`number of outputs must be a positive integer, got ${inputs.numClasses}`);

  return {
    networkClass,
    dim,
    inputChannels: inputs.inputChannels,
    numClasses: inputs.numClasses,
    outputActivation: inputs.outputActivation ?? 'softmax',
    nStages,
    featuresPerStage,
    kernelSizes,
    strides,
    nPerStageEncoder,
    nConvPerStageDecoder,
    convBias: kw.conv_bias === undefined ? false : kw.conv_bias === true,
    norm: parseNorm(kw.norm_op, kw.norm_op_kwargs, dim, fail),
    dropout: dropoutOp !== null && dropoutOp !== undefined,
    nonlin: parseNonlin(kw.nonlin, kw.nonlin_kwargs, fail),
    nonlinFirst: kw.nonlin_first === true,
    stemChannels,
    deepSupervision: inputs.deepSupervision ?? false,
    patchSize,
  };
}

function intList(v: unknown, name: string, fail: (d: string) => never): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    return fail(`${name} must be a list of integers`);
  return v as number[];
}

function parseNorm(op: unknown, kwargs: unknown, dim: number, fail: (d: string) => never): NormSpec | null {
  if (op === null || op === undefined) return null;
  const name = className(op) ?? '';
  const m = /^(InstanceNorm|BatchNorm)([123])d$/.exec(name);
  if (!m) return fail(`norm_op "${op}" is not supported (InstanceNorm and BatchNorm are)`);
  if (Number(m[2]) !== dim) fail(`norm_op ${name} does not match the ${dim}-D conv_op`);
  const kw = (kwargs ?? {}) as Record<string, unknown>;
  const instance = m[1] === 'InstanceNorm';
  // torch's defaults: InstanceNorm affine=False, track_running_stats=False; BatchNorm both True.
  const affine = kw.affine === undefined ? !instance : kw.affine === true;
  const track = kw.track_running_stats === undefined ? !instance : kw.track_running_stats === true;
  if (instance && track) fail('InstanceNorm with track_running_stats is not supported');
  const eps = kw.eps === undefined ? 1e-5 : Number(kw.eps);
  if (!(eps > 0)) fail('norm_op_kwargs.eps must be positive');
  return { op: instance ? 'InstanceNorm' : 'BatchNorm', eps, affine, trackRunningStats: track };
}

function parseNonlin(op: unknown, kwargs: unknown, fail: (d: string) => never): NonlinSpec | null {
  if (op === null || op === undefined) return null;
  const name = className(op);
  const kw = (kwargs ?? {}) as Record<string, unknown>;
  if (name === 'ReLU') return { op: 'ReLU', negativeSlope: 0 };
  if (name === 'LeakyReLU') {
    const slope = kw.negative_slope === undefined ? 0.01 : Number(kw.negative_slope);
    if (!Number.isFinite(slope)) fail('nonlin_kwargs.negative_slope must be a number');
    return { op: 'LeakyReLU', negativeSlope: slope };
  }
  return fail(`nonlin "${op}" is not supported (LeakyReLU and ReLU are)`);
}
