/**
 * What nnU-Net evaluates: its LabelManager's foreground labels, or its foreground regions when the
 * dataset is region-based (a label that is a list of more than one value), and the ignore label.
 */
import { TesseraError } from '../errors';
import type { LabelValue } from '../nnunet/dataset-json';

/** A label (one value) or a region (a tuple of values; a one-value list stays a tuple, `(2,)`). */
export type LabelOrRegion = number | readonly number[];

export interface EvaluationTargets {
  targets: LabelOrRegion[];
  ignoreLabel: number | null;
}

/** nnU-Net's key for a label or region: `str(label)` or `str(tuple)` — "1", "(1, 2, 3)", "(2,)". */
export function targetKey(t: LabelOrRegion): string {
  if (typeof t === 'number') return String(t);
  return t.length === 1 ? `(${t[0]},)` : `(${t.join(', ')})`;
}

const isBackground = (t: LabelOrRegion) =>
  typeof t === 'number' ? t === 0 : t.length > 0 && t.every((v) => v === 0);

/** `lm.foreground_regions if lm.has_regions else lm.foreground_labels`, and `lm.ignore_label`. */
export function evaluationTargets(
  labels: Record<string, LabelValue>,
  regionsClassOrder: readonly number[] | undefined,
  file = 'dataset.json',
): EvaluationTargets {
  const fail = (detail: string): never => {
    throw new TesseraError('bad-dataset', file, detail);
  };
  if (!('background' in labels)) fail("declares no 'background' label (it must be 0)");
  if (labels.background !== 0) fail("'background' must be the label 0");
  const ignore = labels.ignore;
  if (ignore !== undefined && typeof ignore !== 'number')
    fail("the 'ignore' label must be one integer, not a region");
  const hasRegions = Object.values(labels).some((v) => Array.isArray(v) && v.length > 1);
  const all = new Set<number>();
  for (const [k, v] of Object.entries(labels)) {
    if (k === 'ignore') continue;
    for (const x of Array.isArray(v) ? v : [v]) all.add(x);
  }
  const allLabels = [...all].sort((a, b) => a - b);
  const ignoreLabel = typeof ignore === 'number' ? ignore : null;
  if (ignoreLabel !== null && ignoreLabel !== allLabels[allLabels.length - 1] + 1)
    fail(`the ignore label (${ignoreLabel}) must be the highest label value, max(labels) + 1`);
  if (!hasRegions) return { targets: allLabels.filter((l) => l !== 0), ignoreLabel };
  const regions: LabelOrRegion[] = [];
  for (const [k, v] of Object.entries(labels)) {
    if (k === 'ignore') continue;
    const r: LabelOrRegion = Array.isArray(v) ? [...v] : (v as number);
    if (!isBackground(r)) regions.push(r);
  }
  if (!regionsClassOrder) fail("is region-based but has no 'regions_class_order'");
  else if (regionsClassOrder.length !== regions.length)
    fail(`'regions_class_order' must have one entry per region (${regions.length})`);
  return { targets: regions, ignoreLabel };
}
