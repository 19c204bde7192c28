import type { VoxelArray } from '../io/volume/volume';

export interface LabelStatistic {
  value: number;
  voxels: number;
  /** millilitres: voxels × voxel volume (mm³) / 1000 */
  volumeMl: number;
  /** mean image intensity under the label (HU for CT) */
  meanIntensity: number;
}

/**
 * Per-label voxel count, volume in mL and mean intensity, as clinicians read them off a segmentation
 * (background 0 left out). One pass over the voxels.
 */
export function labelStatistics(
  labels: VoxelArray,
  image: ArrayLike<number> | null,
  spacing: readonly number[],
): LabelStatistic[] {
  const voxelMl = (Math.abs(spacing[0] * spacing[1] * spacing[2]) || 1) / 1000;
  const counts = new Map<number, number>();
  const sums = new Map<number, number>();
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v === 0) continue;
    counts.set(v, (counts.get(v) ?? 0) + 1);
    if (image) sums.set(v, (sums.get(v) ?? 0) + image[i]);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([value, voxels]) => ({
      value,
      voxels,
      volumeMl: voxels * voxelMl,
      meanIntensity: image ? (sums.get(value) ?? 0) / voxels : Number.NaN,
    }));
}
