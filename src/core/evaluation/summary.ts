/**
 * nnU-Net's summary.json: `metric_per_case` (reference_file, prediction_file, metrics per label/region
 * key), `mean` (np.nanmean over the cases) and `foreground_mean` (np.mean over the labels/regions of
 * those means, NaN as soon as one is NaN), written by save_json with sort_keys=True and indent 4.
 */
import { pairwiseSum } from '../pycompat/numpy-compat';
import { PyDict, type PyJsonValue, pyFloat, toPythonJson } from '../pycompat/python-json';
import { METRIC_NAMES, type TargetMetrics } from './case-metrics';
import { type LabelOrRegion, targetKey } from './regions';

export interface CaseResult {
  referenceFile: string;
  predictionFile: string;
  metrics: TargetMetrics[];
}

export interface EvaluationSummary {
  targets: LabelOrRegion[];
  cases: CaseResult[];
  /** per target, np.nanmean over the cases */
  mean: TargetMetrics[];
  foregroundMean: TargetMetrics;
}

/** np.nanmean of a 1-D float64 array: NaNs summed as 0 (pairwise, as np.sum), divided by the non-NaN count. */
export function nanMean(values: readonly number[]): number {
  const zeroed = values.map((v) => (Number.isNaN(v) ? 0 : v));
  const count = values.filter((v) => !Number.isNaN(v)).length;
  return pairwiseSum(zeroed, 0, zeroed.length, 'float64') / count;
}

/** np.mean of a 1-D float64 array. */
export function npMean(values: readonly number[]): number {
  return pairwiseSum(values, 0, values.length, 'float64') / values.length;
}

function metricsOf(pick: (m: keyof TargetMetrics) => number): TargetMetrics {
  const out = {} as TargetMetrics;
  for (const m of METRIC_NAMES) out[m] = pick(m);
  return out;
}

export function summarize(targets: LabelOrRegion[], cases: CaseResult[]): EvaluationSummary {
  const mean = targets.map((_, t) => metricsOf((m) => nanMean(cases.map((c) => c.metrics[t][m]))));
  const foreground = targets.flatMap((t, i) => (t === 0 ? [] : [mean[i]]));
  return { targets, cases, mean, foregroundMean: metricsOf((m) => npMean(foreground.map((x) => x[m]))) };
}

const byCodePoint = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const sorted = (entries: [string, PyJsonValue][]) => new PyDict(entries.sort(byCodePoint));

/** Counts are ints per case; every mean is a float. */
function metricsJson(m: TargetMetrics, allFloat: boolean): PyDict {
  return sorted(
    METRIC_NAMES.map((k) => {
      const v = m[k];
      const float = allFloat || k === 'Dice' || k === 'IoU';
      return [k, float ? pyFloat(v) : v];
    }),
  );
}

/** The summary.json text nnU-Net writes (Python's json.dump, sort_keys=True, indent=4). */
export function summaryJson(s: EvaluationSummary): string {
  const perTarget = (ms: TargetMetrics[], allFloat: boolean) =>
    sorted(s.targets.map((t, i) => [targetKey(t), metricsJson(ms[i], allFloat)]));
  const root = sorted([
    ['foreground_mean', metricsJson(s.foregroundMean, true)],
    ['mean', perTarget(s.mean, true)],
    [
      'metric_per_case',
      s.cases.map((c) =>
        sorted([
          ['metrics', perTarget(c.metrics, false)],
          ['prediction_file', c.predictionFile],
          ['reference_file', c.referenceFile],
        ]),
      ),
    ],
  ]);
  return toPythonJson(root);
}
