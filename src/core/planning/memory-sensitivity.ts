import type { ConfigurationTrace } from './configuration-planner';

const dims = (v: readonly number[]) => v.map((x) => Math.round(x)).join(' × ');

/**
 * Why moving the GPU-memory target does not change a configuration's plan, or null when it does. In nnU-Net
 * the patch starts at the median image (clipped to 256³ / 2048² voxels) and memory only ever shrinks it; what
 * memory then buys is batch size, itself capped so a batch covers at most 5 % of the dataset's voxels.
 */
export function memoryInsensitivity(t: ConfigurationTrace): string | null {
  if (t.steps.length > 1) return null; // the patch was shrunk to fit: memory matters
  const coversMedian = t.initialPatchSize.every((p, i) => p >= t.medianShape[i] - 1e-6);
  const patch = t.steps[0]?.patchSize ?? t.initialPatchSize;
  const why = coversMedian
    ? `The patch (${dims(patch)}) already covers the median image (${dims(t.medianShape)}): more GPU memory cannot enlarge it`
    : `The patch (${dims(patch)}) is at nnU-Net's size limit (${t.medianShape.length === 2 ? '2048²' : '256³'} voxels) and fits the budget: more GPU memory cannot enlarge it`;
  if (t.batchSizeFromMemory >= t.batchSizeCap)
    return `${why}, and the batch size is already at its cap (${t.batchSizeCap}: a batch covers at most 5 % of the dataset), so the plan does not change with memory.`;
  return `${why}; memory only sets the batch size (${t.batchSize} now, at most ${t.batchSizeCap}: 5 % of the dataset).`;
}
