import type { LabelOrRegion } from './postprocessing';

/**
 * nnU-Net's evaluate_predictions as find_best_configuration uses it: per case and label (or region) Dice,
 * IoU, FP, TP, FN, TN, n_pred, n_ref (compute_metrics: Dice and IoU NaN when neither reference nor
 * prediction has the label; the ignore label masked out); means over cases per label (np.nanmean) and their
 * foreground mean (np.mean over every label but 0).
 */
export type Metrics = Record<string, number>;
export type CaseMetrics = Map<string, Metrics>;

/** nnU-Net's JSON key of a label or region: "1", or "(1, 2)" for a region (recursive_fix_for_json_export). */
export function labelKey(r: LabelOrRegion): string {
  return Array.isArray(r) ? (r.length === 1 ? `(${r[0]},)` : `(${r.join(', ')})`) : String(r);
}

export function caseMetrics(
  reference: ArrayLike<number>,
  prediction: ArrayLike<number>,
  labelsOrRegions: LabelOrRegion[],
  ignoreLabel: number | null,
): CaseMetrics {
  const out: CaseMetrics = new Map();
  for (const r of labelsOrRegions) {
    const members = new Set(Array.isArray(r) ? r : [r]);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let i = 0; i < reference.length; i++) {
      if (ignoreLabel !== null && reference[i] === ignoreLabel) continue;
      const inRef = members.has(reference[i]);
      const inPred = members.has(prediction[i]);
      if (inRef && inPred) tp++;
      else if (inPred) fp++;
      else if (inRef) fn++;
      else tn++;
    }
    const none = tp + fp + fn === 0;
    out.set(labelKey(r), {
      Dice: none ? Number.NaN : (2 * tp) / (2 * tp + fp + fn),
      IoU: none ? Number.NaN : tp / (tp + fp + fn),
      FP: fp,
      TP: tp,
      FN: fn,
      TN: tn,
      n_pred: fp + tp,
      n_ref: fn + tp,
    });
  }
  return out;
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
