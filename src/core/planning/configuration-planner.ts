/**
 * ExperimentPlanner.get_plans_for_configuration (and its ResEnc override): the initial patch from the
 * spacing, the topology, the VRAM proxy, the patch-shrinking loop and the batch size, for one
 * configuration. Every step is recorded so the Plan Explorer can show how the planner got there.
 */

import type { PlannedConfiguration } from '../nnunet/plans-types';
import { unetArchitecture } from '../nnunet/unet-architecture';
import { argsortLast, prod, roundHalfEven } from '../pycompat/numpy-compat';
import type { PlannerSettings } from './planners';
import { getPoolAndConvProps } from './topology';
import { estimateFeatureMapSize, type FeatureMapTerm, featureMapTerms, type NetworkSpec } from './vram';

export interface PlanningContext {
  settings: PlannerSettings;
  gpuMemoryGB: number;
  numInputChannels: number;
  /** `len(dataset_json['labels'])`: every key, background, regions and ignore included */
  numOutputChannels: number;
  normalizationSchemes: string[];
  useMaskForNorm: boolean[];
  preprocessorName: string;
}

/** Estimates keyed by patch and strides, shared by every configuration of one plan_experiment run. */
export type EstimateCache = Map<string, number>;

export interface ShrinkStep {
  patchSize: number[];
  strides: number[][];
  estimate: number;
  /** the axis shrunk to get here (absent for the first topology) */
  reducedAxis?: number;
}

export interface StageInfo {
  stage: number;
  kernel: number[];
  stride: number[];
  features: number;
  /** spatial size of this stage's feature maps for the final patch */
  featureMapSize: number[];
  /** convs (PlainConvUNet) or residual blocks (ResEnc) */
  blocks: number;
  decoderConvs: number | null;
}

export interface ConfigurationTrace {
  spacing: number[];
  medianShape: number[];
  /** after scaling to 256³ / 2048² voxels and clipping to the median shape (may be fractional) */
  initialPatchSize: number[];
  /** the memory budget in proxy units: ref_val × (GPU GB / reference GB) */
  reference: number;
  referenceBatchSize: number;
  /** every topology evaluated, first to last; the last is the plan */
  steps: ShrinkStep[];
  estimate: number;
  /** round(reference / estimate × ref_bs) */
  batchSizeFromMemory: number;
  /** round(dataset voxels × max_dataset_covered / patch voxels) */
  batchSizeCap: number;
  batchSize: number;
  stages: StageInfo[];
  terms: FeatureMapTerm[];
}

const keygen = (patch: readonly number[], strides: readonly (readonly number[])[]) =>
  `${patch.join(',')}_${strides.map((s) => s.join(',')).join(';')}`;

function networkSpec(ctx: PlanningContext, strides: number[][], features: number[]): NetworkSpec {
  const n = strides.length;
  return {
    kind: ctx.settings.network,
    strides,
    featuresPerStage: features,
    encoderDepth: ctx.settings.blocksPerStageEncoder.slice(0, n),
    convsPerDecoderStage: ctx.settings.blocksPerStageDecoder.slice(0, n - 1),
    numClasses: ctx.numOutputChannels,
  };
}

export function planConfiguration(
  ctx: PlanningContext,
  spacing: readonly number[],
  medianShape: readonly number[],
  dataIdentifier: string,
  approximateNVoxelsDataset: number,
  cache: EstimateCache,
): { plan: Omit<PlannedConfiguration, 'batch_dice'>; trace: ConfigurationTrace } {
  const s = ctx.settings;
  const dim = spacing.length;
  if (!spacing.every((x) => x > 0)) throw new RangeError(`spacing must be > 0, got ${spacing.join(', ')}`);
  const maxFeatures = dim === 2 ? s.maxFeatures2d : s.maxFeatures3d;
  const featuresPerStage = (n: number) =>
    Array.from({ length: n }, (_, i) => Math.min(maxFeatures, s.baseNumFeatures * 2 ** i));

  // initial patch: aspect ratio 1/spacing, volume of 256³ (3-D) or 2048² (2-D), clipped to the median
  const tmp = spacing.map((x) => 1 / x);
  const scale = dim === 3 ? (256 ** 3 / prod(tmp)) ** (1 / 3) : (2048 ** 2 / prod(tmp)) ** (1 / 2);
  const initial = tmp.map((t, i) => Math.min(roundHalfEven(t * scale), medianShape[i]));

  let topo = getPoolAndConvProps(spacing, initial, s.featureMapMinEdgeLength, 999999);
  const estimateFor = (patch: number[], strides: number[][]) => {
    const key = keygen(patch, strides);
    let e = cache.get(key);
    if (e === undefined) {
      e = estimateFeatureMapSize(networkSpec(ctx, strides, featuresPerStage(strides.length)), patch);
      cache.set(key, e);
    }
    return e;
  };
  let estimate = estimateFor(topo.patchSize, topo.poolOpKernelSizes);
  const steps: ShrinkStep[] = [{ patchSize: topo.patchSize, strides: topo.poolOpKernelSizes, estimate }];

  const reference = (dim === 2 ? s.referenceVal2d : s.referenceVal3d) * (ctx.gpuMemoryGB / s.referenceGB);
  const refBs = dim === 2 ? s.referenceBatchSize2d : s.referenceBatchSize3d;
  const tooBig = (e: number) =>
    s.shrinkRule === 'per-two-batch' ? (e / refBs) * 2 > reference : e > reference;

  while (tooBig(estimate)) {
    // shrink the axis that is largest relative to the median shape (the last such axis on ties)
    const axis = argsortLast(topo.patchSize.map((p, i) => p / medianShape[i]));
    // Subtract the divisibility step of the shrunk shape, not the current one, so valid sizes such
    // as 224 (not a multiple of 64) are not skipped.
    const probe = [...topo.patchSize];
    probe[axis] -= topo.mustBeDivisibleBy[axis];
    const step = getPoolAndConvProps(spacing, probe, s.featureMapMinEdgeLength, 999999).mustBeDivisibleBy;
    const patch = [...topo.patchSize];
    patch[axis] -= step[axis];
    topo = getPoolAndConvProps(spacing, patch, s.featureMapMinEdgeLength, 999999);
    estimate = estimateFor(topo.patchSize, topo.poolOpKernelSizes);
    steps.push({ patchSize: topo.patchSize, strides: topo.poolOpKernelSizes, estimate, reducedAxis: axis });
  }

  const batchSizeFromMemory = roundHalfEven((reference / estimate) * refBs);
  const batchSizeCap = roundHalfEven(
    (approximateNVoxelsDataset * s.maxDatasetCovered) / prod(topo.patchSize),
  );
  const batchSize = Math.max(Math.min(batchSizeFromMemory, batchSizeCap), s.minBatchSize);

  const nStages = topo.poolOpKernelSizes.length;
  const features = featuresPerStage(nStages);
  const encoderDepth = s.blocksPerStageEncoder.slice(0, nStages);
  const decoderDepth = s.blocksPerStageDecoder.slice(0, nStages - 1);
  const architecture = unetArchitecture({
    networkClassName: s.networkClassName,
    plain: s.network === 'PlainConvUNet',
    dim,
    featuresPerStage: features,
    kernelSizes: topo.convKernelSizes,
    strides: topo.poolOpKernelSizes,
    encoderDepth,
    decoderDepth,
  });
  const plan: Omit<PlannedConfiguration, 'batch_dice'> = {
    data_identifier: dataIdentifier,
    preprocessor_name: ctx.preprocessorName,
    batch_size: batchSize,
    patch_size: topo.patchSize,
    median_image_size_in_voxels: [...medianShape],
    spacing: [...spacing],
    normalization_schemes: [...ctx.normalizationSchemes],
    use_mask_for_norm: [...ctx.useMaskForNorm],
    resampling_fn_data: 'resample_data_or_seg_to_shape',
    resampling_fn_seg: 'resample_data_or_seg_to_shape',
    resampling_fn_data_kwargs: { is_seg: false, order: 3, order_z: 0, force_separate_z: null },
    resampling_fn_seg_kwargs: { is_seg: true, order: 1, order_z: 0, force_separate_z: null },
    resampling_fn_probabilities: 'resample_data_or_seg_to_shape',
    resampling_fn_probabilities_kwargs: { is_seg: false, order: 1, order_z: 0, force_separate_z: null },
    architecture,
  };

  let size = [...topo.patchSize];
  const stages: StageInfo[] = topo.poolOpKernelSizes.map((stride, i) => {
    size = size.map((v, d) => Math.floor(v / stride[d]));
    return {
      stage: i,
      kernel: topo.convKernelSizes[i],
      stride,
      features: features[i],
      featureMapSize: size,
      blocks: encoderDepth[i],
      decoderConvs: i < nStages - 1 ? decoderDepth[nStages - 2 - i] : null,
    };
  });
  const trace: ConfigurationTrace = {
    spacing: [...spacing],
    medianShape: [...medianShape],
    initialPatchSize: initial,
    reference,
    referenceBatchSize: refBs,
    steps,
    estimate,
    batchSizeFromMemory,
    batchSizeCap,
    batchSize,
    stages,
    terms: featureMapTerms(networkSpec(ctx, topo.poolOpKernelSizes, features), topo.patchSize),
  };
  return { plan, trace };
}
