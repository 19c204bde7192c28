import type { VoxelArray } from '../io/volume/volume';
import type { ResampleSpec } from '../resampling/resample-plan';
import { resampleSeg } from '../resampling/resample-seg';
import type { Shape3 } from './crop';
import type { PreprocessingPlans } from './plans-view';
import { type CaseInput, type CaseProperties, cropAndNormalize, preprocessCase } from './preprocess-case';

/**
 * The cascade's input (3d_cascade_fullres): nnU-Net preprocesses the previous stage's segmentation as the
 * case's `seg` — transposed, cropped with the image (0 outside the nonzero mask becomes -1), resampled with
 * the configuration's segmentation resampling — and appends it one-hot, one float channel per foreground
 * label (convert_labelmap_to_one_hot; -1 is in none), after the image channels.
 */
export async function preprocessWithPreviousStage(
  input: CaseInput,
  plans: PreprocessingPlans,
  previousStage: VoxelArray,
  foregroundLabels: number[],
  o: {
    signal?: AbortSignal;
    resampleChannel?: (channel: Float32Array, spec: ResampleSpec) => Promise<Float32Array>;
  } = {},
): Promise<{ data: Float32Array[]; shape: Shape3; properties: CaseProperties }> {
  const withSeg: CaseInput = { ...input, label: previousStage };
  let data: Float32Array[];
  let seg: Int16Array;
  let shape: Shape3;
  let properties: CaseProperties;
  if (!o.resampleChannel) {
    ({ data, seg, shape, properties } = preprocessCase(withSeg, plans, { signal: o.signal }));
  } else {
    const c = cropAndNormalize(withSeg, plans);
    data = [];
    for (const ch of c.data) data.push(c.dataSpec ? await o.resampleChannel(ch, c.dataSpec) : ch);
    seg = c.segSpec ? resampleSeg(c.seg, c.segSpec) : c.seg;
    shape = c.newShape;
    properties = c.properties;
  }
  return { data: [...data, ...oneHotForeground(seg, foregroundLabels)], shape, properties };
}

/** convert_labelmap_to_one_hot over the foreground labels: channel k is 1 where seg equals label k. */
export function oneHotForeground(seg: Int16Array, foregroundLabels: number[]): Float32Array[] {
  return foregroundLabels.map((label) => {
    const ch = new Float32Array(seg.length);
    for (let i = 0; i < seg.length; i++) if (seg[i] === label) ch[i] = 1;
    return ch;
  });
}
