import { computeNewShape } from '../resampling/resample-plan';
import { computeSteps } from './sliding-window';

/**
 * How many network evaluations a prediction will take, before running it (the speed/quality choice shows
 * it): the scan's shape transposed and resampled to the configuration's spacing (the crop is ignored, so
 * this is an upper bound), padded to the patch, tiles at the step size, × 2^mirror axes × folds.
 */
export function estimateEvaluations(
  zyxShape: readonly number[],
  zyxSpacing: readonly number[],
  c: { spacing: number[]; patch_size: number[]; transpose_forward: number[] },
  o: { tileStepSize: number; mirrorAxes: number; folds: number },
): { tiles: number; evaluations: number; resampledShape: number[] } {
  const tf = c.transpose_forward;
  const shape = tf.map((a) => zyxShape[a]);
  const spacing = tf.map((a) => zyxSpacing[a]);
  const target = c.spacing.length === 3 ? c.spacing : [spacing[0], ...c.spacing];
  const resampled = computeNewShape(shape, spacing, target);
  const is2d = c.patch_size.length === 2;
  const spatial = is2d ? resampled.slice(1) : resampled;
  const padded = spatial.map((s, d) => Math.max(s, c.patch_size[d]));
  const perSlice = computeSteps(padded, c.patch_size, o.tileStepSize).reduce((n, a) => n * a.length, 1);
  const tiles = perSlice * (is2d ? resampled[0] : 1);
  return { tiles, evaluations: tiles * 2 ** o.mirrorAxes * o.folds, resampledShape: resampled };
}
