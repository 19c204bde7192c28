import { caseMetrics as evaluateCase } from '../evaluation/case-metrics';
import { targetKey } from '../evaluation/regions';
import type { LabelOrRegion } from './postprocessing';

/**
 * nnU-Net's evaluate_predictions as find_best_configuration uses it: per case and label (or region) Dice,
 * IoU, FP, TP, FN, TN, n_pred, n_ref (compute_metrics: Dice and IoU NaN when neither reference nor
 * prediction has the label; the ignore label masked out); means over cases per label (np.nanmean) and their
 * foreground mean (np.mean over every label but 0).
 */
export type Metrics = Record<string, number>;
export type CaseMetrics = Map<string, Metrics>;

/** nnU-Net's JSON key of a label or region: "1", or "(1, 2)" for a region (the evaluation's one rule). */
export const labelKey = (r: LabelOrRegion): string => targetKey(r);

/** Per label or region, compute_metrics' scores (the evaluation's one implementation: evaluation/case-metrics). */
export function caseMetrics(
  reference: ArrayLike<number>,
  prediction: ArrayLike<number>,
  labelsOrRegions: LabelOrRegion[],
  ignoreLabel: number | null,
): CaseMetrics {
  const scores = evaluateCase(reference, prediction, labelsOrRegions, ignoreLabel);
  return new Map(labelsOrRegions.map((r, i) => [labelKey(r), { ...scores[i] } as Metrics]));
}

/** Per-label means over cases (NaN left out, as np.nanmean) and the foreground mean over labels but 0. */
export function aggregateMetrics(cases: CaseMetrics[]): {
  mean: Map<string, Metrics>;
  foregroundMean: Metrics;
} {
  const mean = new Map<string, Metrics>();
  const first = cases[0];
  if (!first) return { mean, foregroundMean: {} };
  const names = Object.keys(first.values().next().value ?? {});
  for (const key of first.keys()) {
    const m: Metrics = {};
    for (const name of names) {
      const values = cases.map((c) => c.get(key)?.[name] ?? Number.NaN).filter((v) => !Number.isNaN(v));
      m[name] = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
    }
    mean.set(key, m);
  }
  const foregroundMean: Metrics = {};
  const fg = [...mean].filter(([k]) => k !== '0').map(([, v]) => v);
  for (const name of names) foregroundMean[name] = fg.reduce((a, b) => a + b[name], 0) / fg.length;
  return { mean, foregroundMean };
}
