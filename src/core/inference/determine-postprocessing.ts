import { aggregateMetrics, type CaseMetrics, caseMetrics, labelKey } from './crossval-metrics';
import { applyPostprocessing, type LabelOrRegion, type PostprocessingStep } from './postprocessing';

export interface EvaluatedCase {
  reference: ArrayLike<number>;
  prediction: Uint8Array | Uint16Array;
  /** (z, y, x) */
  shape: readonly [number, number, number];
}

type Summary = ReturnType<typeof aggregateMetrics>;

/**
 * nnU-Net's determine_postprocessing, in memory: keep only the largest connected component of all
 * foreground together when that raises the foreground mean Dice without lowering any label's; then, when
 * there are several labels (or regions), the same per label in dataset.json order, each kept when it raises
 * that label's mean Dice over the predictions as they stand.
 */
export function determinePostprocessing(
  cases: EvaluatedCase[],
  labelsOrRegions: LabelOrRegion[],
  foregroundLabels: number[],
  ignoreLabel: number | null,
): { steps: PostprocessingStep[]; baseline: Summary; final: Summary; perCase: CaseMetrics[] } {
  const evaluate = (preds: (Uint8Array | Uint16Array)[]) => {
    const perCase = preds.map((p, i) => caseMetrics(cases[i].reference, p, labelsOrRegions, ignoreLabel));
    return { perCase, summary: aggregateMetrics(perCase) };
  };
  const apply = (preds: (Uint8Array | Uint16Array)[], step: PostprocessingStep) =>
    preds.map((p, i) => {
      const out = p.slice();
      applyPostprocessing(out, cases[i].shape, [step]);
      return out;
    });
  const steps: PostprocessingStep[] = [];
  let source = cases.map((c) => c.prediction);
  const baseline = evaluate(source);
  let current = baseline;

  const allFg: PostprocessingStep = {
    fn: 'remove_all_but_largest_component_from_segmentation',
    labelsOrRegions: foregroundLabels,
  };
  const tried = apply(source, allFg);
  const triedEval = evaluate(tried);
  let doThis = triedEval.summary.foregroundMean.Dice > baseline.summary.foregroundMean.Dice;
  if (doThis)
    for (const [k, m] of triedEval.summary.mean)
      if (m.Dice < (baseline.summary.mean.get(k)?.Dice ?? Number.NaN)) doThis = false;
  if (doThis) {
    steps.push(allFg);
    source = tried;
    current = triedEval;
  }
  if (labelsOrRegions.length > 1)
    for (const r of labelsOrRegions) {
      const step: PostprocessingStep = {
        fn: 'remove_all_but_largest_component_from_segmentation',
        labelsOrRegions: r,
      };
      const candidate = apply(source, step);
      const e = evaluate(candidate);
      const key = labelKey(r);
      if (
        (e.summary.mean.get(key)?.Dice ?? Number.NaN) > (current.summary.mean.get(key)?.Dice ?? Number.NaN)
      ) {
        steps.push(step);
        source = candidate;
        current = e;
      }
    }
  return { steps, baseline: baseline.summary, final: current.summary, perCase: current.perCase };
}
