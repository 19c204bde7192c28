/**
 * One case's confusion counts and overlap scores per label or region, as nnU-Net's compute_metrics:
 * voxels where the reference holds the ignore label count nowhere; Dice and IoU are NaN when the
 * structure is absent from both reference and prediction.
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

/** A value → membership table for one label or region (label maps hold small integers). */
function memberTest(target: LabelOrRegion): (v: number) => boolean {
  if (typeof target === 'number') return (v) => v === target;
  const set = new Set(target);
  return (v) => set.has(v);
}

export function caseMetrics(
  reference: ArrayLike<number>,
  prediction: ArrayLike<number>,
  targets: readonly LabelOrRegion[],
  ignoreLabel: number | null,
): TargetMetrics[] {
  const n = reference.length;
  return targets.map((t) => {
    const inT = memberTest(t);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0; i < n; i++) {
      const r = reference[i];
      if (ignoreLabel !== null && r === ignoreLabel) continue;
      const inRef = inT(r);
      const inPred = inT(prediction[i]);
      if (inRef) {
        if (inPred) tp++;
        else fn++;
      } else if (inPred) fp++;
      else tn++;
    }
    return scoresFromCounts(tp, fp, fn, tn);
  });
}
