import type { Shape3 } from '../preprocessing/crop';
import type { PreprocessingPlans } from '../preprocessing/plans-view';
import type { CaseProperties } from '../preprocessing/preprocess-case';
import { gatherTransposed, isIdentity } from '../preprocessing/transpose';
import { roundToHalf } from '../pycompat/float16';
import { clipBounds, wholeSlab } from '../resampling/resample-data';
import { exportResampleSpec } from './export/export-geometry';
import { resampled } from './export/labels-slab';

/**
 * nnU-Net's probabilities for `--save_probabilities`: the float16 logits resampled to the cropped grid,
 * softmax (labels) or sigmoid (regions) in float32, pasted into the pre-crop grid (outside the crop:
 * background probability 1 for softmax models, 0 everywhere for regions) and transposed back.
 * Returns K × source voxels, channel-major: the (c, z, y, x) array of the .npz.
 */
export function logitsToProbabilities(
  logits: Float32Array[],
  logitShape: Shape3,
  props: CaseProperties,
  plans: PreprocessingPlans,
  activation: 'softmax' | 'sigmoid',
): Float32Array {
  const spec = exportResampleSpec(logitShape, props, plans);
  const slab = spec ? wholeSlab(spec) : { lo: 0, hi: logitShape[0], j0: 0, j1: logitShape[0] };
  const channels = logits.map((l) =>
    resampled(l, spec, slab, spec ? clipBounds(l, spec) : undefined, roundToHalf),
  );
  const K = channels.length;
  const n = channels[0].length;
  if (activation === 'softmax') {
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, channels[k][i]);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.fround(Math.exp(channels[k][i] - max));
        channels[k][i] = e;
        sum = Math.fround(sum + e);
      }
      for (let k = 0; k < K; k++) channels[k][i] = Math.fround(channels[k][i] / sum);
    }
  } else {
    for (const ch of channels) for (let i = 0; i < n; i++) ch[i] = Math.fround(1 / (1 + Math.exp(-ch[i])));
  }
  const full = props.shape_before_cropping;
  const fullN = full[0] * full[1] * full[2];
  const b = props.bbox_used_for_cropping;
  const cx = b[2][1] - b[2][0];
  const tb = plans.transposeBackward;
  const out = new Float32Array(K * fullN);
  for (let k = 0; k < K; k++) {
    const plane = new Float32Array(fullN);
    if (activation === 'softmax' && k === 0) plane.fill(1);
    let o = 0;
    for (let z = b[0][0]; z < b[0][1]; z++)
      for (let y = b[1][0]; y < b[1][1]; y++) {
        plane.set(channels[k].subarray(o, o + cx), (z * full[1] + y) * full[2] + b[2][0]);
        o += cx;
      }
    const placed = isIdentity(tb) ? plane : gatherTransposed(plane, full, tb, (m) => new Float32Array(m));
    out.set(placed, k * fullN);
  }
  return out;
}
