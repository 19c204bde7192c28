/**
 * One case's confusion counts and overlap scores per label or region, as nnU-Net's compute_metrics:
 * voxels where the reference holds the ignore label count nowhere; Dice and IoU are NaN when the
 * structure is absent from both reference and prediction.
 *
 * One pass builds the joint histogram of (reference, prediction) values; every label or region is then
 * counted from that table, so 100 labels cost no more voxel passes than one.
 */
import type { LabelOrRegion } from './regions';

export interface TargetMetrics {
  Dice: number;
  IoU: number;
  FP: number;
  TP: number;
  FN: number;
  TN: number;
  n_pred: number;
  n_ref: number;
}

export const METRIC_NAMES: (keyof TargetMetrics)[] = [
  'Dice',
  'IoU',
  'FP',
  'TP',
  'FN',
  'TN',
  'n_pred',
  'n_ref',
];

/** Scores from counts (the NaN rule included). */
export function scoresFromCounts(tp: number, fp: number, fn: number, tn: number): TargetMetrics {
  const empty = tp + fp + fn === 0;
  return {
    Dice: empty ? Number.NaN : (2 * tp) / (2 * tp + fp + fn),
    IoU: empty ? Number.NaN : tp / (tp + fp + fn),
    FP: fp,
    TP: tp,
    FN: fn,
    TN: tn,
    n_pred: fp + tp,
    n_ref: fn + tp,
  };
}

/** (reference value, predicted value, voxel count) for every pair that occurs, ignored voxels left out. */
export function jointCounts(
  reference: ArrayLike<number>,
  prediction: ArrayLike<number>,
  ignoreLabel: number | null,
): [number, number, number][] {
  const n = reference.length;
  // label maps hold small non-negative integers: a dense table; anything else: a map
  const DENSE = 1024;
  const table = new Float64Array(DENSE * DENSE);
  const other = new Map<string, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const r = reference[i];
    if (r === ignoreLabel) continue;
    const p = prediction[i];
    if (r >= 0 && r < DENSE && p >= 0 && p < DENSE && Number.isInteger(r) && Number.isInteger(p)) {
      table[r * DENSE + p]++;
    } else {
      const key = `${r},${p}`;
      const e = other.get(key);
      if (e) e[2]++;
      else other.set(key, [r, p, 1]);
    }
  }
  const out: [number, number, number][] = [...other.values()];
  for (let k = 0; k < table.length; k++) if (table[k]) out.push([Math.floor(k / DENSE), k % DENSE, table[k]]);
  return out;
}

export function caseMetrics(
  reference: ArrayLike<number>,
  prediction: ArrayLike<number>,
  targets: readonly LabelOrRegion[],
  ignoreLabel: number | null,
): TargetMetrics[] {
  const pairs = jointCounts(reference, prediction, ignoreLabel);
  return targets.map((t) => {
    const set = new Set(typeof t === 'number' ? [t] : t);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (const [r, p, count] of pairs) {
      const inRef = set.has(r);
      const inPred = set.has(p);
      if (inRef) {
        if (inPred) tp += count;
        else fn += count;
      } else if (inPred) fp += count;
      else tn += count;
    }
    return scoresFromCounts(tp, fp, fn, tn);
  });
}
