/**
 * The planner's GPU-memory proxy: dynamic-network-architectures' `compute_conv_feature_map_size`, the
 * number of output activations (channels × voxels) of every convolution, transposed convolution and
 * the final segmentation head, for a network built from the plans' arch_kwargs. Deep supervision is
 * off when the planner builds the network, so only the last head counts.
 */

export type NetworkKind = 'PlainConvUNet' | 'ResidualEncoderUNet';

export interface NetworkSpec {
  kind: NetworkKind;
  /** strides per stage (the first is usually all ones) */
  strides: readonly (readonly number[])[];
  featuresPerStage: readonly number[];
  /** PlainConvUNet: convs per encoder stage; ResidualEncoderUNet: residual blocks per stage */
  encoderDepth: readonly number[];
  convsPerDecoderStage: readonly number[];
  numClasses: number;
}

/** One term of the estimate, for the Plan Explorer ("where does the memory go"). */
export interface FeatureMapTerm {
  part: 'stem' | 'encoder' | 'decoder' | 'transposed-conv' | 'segmentation';
  stage: number;
  /** spatial size of the maps */
  size: number[];
  channels: number;
  /** how many maps of that size and channel count */
  maps: number;
  voxels: number;
}

const floorDiv = (size: readonly number[], stride: readonly number[]) =>
  size.map((s, i) => Math.floor(s / stride[i]));
const prod = (a: readonly number[]) => a.reduce((x, y) => x * y, 1);

export function featureMapTerms(net: NetworkSpec, patchSize: readonly number[]): FeatureMapTerm[] {
  const terms: FeatureMapTerm[] = [];
  const add = (
    part: FeatureMapTerm['part'],
    stage: number,
    size: number[],
    channels: number,
    maps: number,
  ) => {
    if (maps > 0) terms.push({ part, stage, size, channels, maps, voxels: maps * channels * prod(size) });
  };
  const n = net.featuresPerStage.length;
  let size = [...patchSize];
  if (net.kind === 'PlainConvUNet') {
    for (let s = 0; s < n; s++) {
      const after = floorDiv(size, net.strides[s]);
      add('encoder', s, after, net.featuresPerStage[s], net.encoderDepth[s]);
      size = after;
    }
  } else {
    // stem: one conv, stride 1, to features[0] channels
    add('stem', 0, [...size], net.featuresPerStage[0], 1);
    let inChannels = net.featuresPerStage[0];
    for (let s = 0; s < n; s++) {
      const out = net.featuresPerStage[s];
      const after = floorDiv(size, net.strides[s]);
      // first BasicBlockD: conv1 + conv2, plus a 1x1 projection on the skip when channels or size change
      const needsSkip = inChannels !== out || after.some((v, i) => v !== size[i]);
      add('encoder', s, after, out, 2 + (needsSkip ? 1 : 0));
      // the remaining blocks keep size and channels: two convs each
      add('encoder', s, after, out, 2 * (net.encoderDepth[s] - 1));
      size = after;
      inChannels = out;
    }
  }
  // decoder: the skip sizes are the encoder's outputs above the bottleneck
  const skipSizes: number[][] = [];
  let s0 = [...patchSize];
  for (let s = 0; s < n - 1; s++) {
    s0 = floorDiv(s0, net.strides[s]);
    skipSizes.push(s0);
  }
  for (let s = 0; s < n - 1; s++) {
    const at = skipSizes[n - 2 - s];
    const channels = net.featuresPerStage[n - 2 - s];
    add('decoder', n - 2 - s, at, channels, net.convsPerDecoderStage[s]);
    add('transposed-conv', n - 2 - s, at, channels, 1);
    if (s === n - 2) add('segmentation', 0, at, net.numClasses, 1);
  }
  return terms;
}

/** `net.compute_conv_feature_map_size(patch_size)` */
export function estimateFeatureMapSize(net: NetworkSpec, patchSize: readonly number[]): number {
  let total = 0;
  for (const t of featureMapTerms(net, patchSize)) total += t.voxels;
  return total;
}
