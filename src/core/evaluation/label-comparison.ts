/**
 * A segmentation against a reference label map on the same grid, per label: nnU-Net's counts and Dice
 * (the same numbers compute_metrics gives for plain labels) and the volumes in mL with their difference.
 * One pass over the voxels whatever the number of labels.
 */
import { scoresFromCounts, type TargetMetrics } from './case-metrics';

export interface LabelComparison extends TargetMetrics {
  value: number;
  referenceMl: number;
  comparedMl: number;
  /** compared − reference, mL */
  differenceMl: number;
  /** (compared − reference) / reference; NaN when the reference has none of the label */
  relativeDifference: number;
}

/** Every non-zero label of either map (sorted), with its scores; `ignoreLabel` voxels of the reference count nowhere. */
export function compareLabelMaps(
  reference: ArrayLike<number>,
  compared: ArrayLike<number>,
  spacing: readonly number[],
  ignoreLabel: number | null = null,
): LabelComparison[] {
  if (reference.length !== compared.length)
    throw new RangeError(
      `label maps of ${reference.length} and ${compared.length} voxels cannot be compared`,
    );
  const tp = new Map<number, number>();
  const fp = new Map<number, number>();
  const fn = new Map<number, number>();
  const add = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  let counted = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i];
    if (r === ignoreLabel) continue;
    counted++;
    const p = compared[i];
    if (r === p) {
      if (r !== 0) add(tp, r);
    } else {
      if (r !== 0) add(fn, r);
      if (p !== 0) add(fp, p);
    }
  }
  const voxelMl = (Math.abs(spacing[0] * spacing[1] * spacing[2]) || 1) / 1000;
  const values = [...new Set([...tp.keys(), ...fp.keys(), ...fn.keys()])].sort((a, b) => a - b);
  return values.map((value) => {
    const t = tp.get(value) ?? 0;
    const f = fp.get(value) ?? 0;
    const n = fn.get(value) ?? 0;
    const s = scoresFromCounts(t, f, n, counted - t - f - n);
    const referenceMl = s.n_ref * voxelMl;
    const comparedMl = s.n_pred * voxelMl;
    return {
      value,
      ...s,
      referenceMl,
      comparedMl,
      differenceMl: comparedMl - referenceMl,
      relativeDifference: s.n_ref ? (s.n_pred - s.n_ref) / s.n_ref : Number.NaN,
    };
  });
}
