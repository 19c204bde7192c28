import { TesseraError } from '../errors';

/**
 * nnU-Net's LabelManager: what dataset.json `labels` (+ `regions_class_order`) mean, in one place for
 * planning, preprocessing, inference, training, the app and the CLI.
 *
 * - Label datasets: one output channel per label value (background included, `ignore` excluded), softmax,
 *   argmax gives the label.
 * - Region datasets (some label maps to a list of ≥ 2 values): one sigmoid channel per non-background region,
 *   thresholded at 0.5 and painted in `regions_class_order`.
 */

/** A dataset.json label: one value, or the list of values a region covers. */
export type LabelValue = number | number[];

/** A class (label value) or a region (list of values), as preprocessing samples locations for it. */
export type ClassOrRegion = number | number[];

export interface LabelSummary {
  /** every value a label map may hold except the ignore label, sorted, unique (background included) */
  allLabels: number[];
  ignoreLabel: number | null;
  hasRegions: boolean;
}

export interface LabelManager extends LabelSummary {
  /** Sorted label values without background. */
  foregroundLabels: number[];
  /** Region datasets only: the regions (each a list of label values) in dataset.json order, background dropped. */
  regions: number[][] | null;
  regionsClassOrder: number[] | null;
  /** Number of network output channels ("segmentation heads"). */
  numHeads: number;
  /** Output nonlinearity at inference. */
  activation: 'softmax' | 'sigmoid';
  /**
   * Name per value of an exported label map. Label datasets: the dataset.json key. Region datasets: region i is
   * painted with `regions_class_order[i]`, so that value carries region i's name.
   */
  names: Record<number, string>;
  /** The classes (or regions) preprocessing samples foreground locations for, the ignore class last. */
  classesToSample: ClassOrRegion[];
}

/** One dataset.json label value, checked: an integer, or a non-empty list of integers (a region). */
export function parseLabelValue(v: unknown, file: string, name: string): LabelValue {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isInteger(x)))
    return v as number[];
  throw new TesseraError(
    'bad-dataset',
    file,
    `labels['${name}'] must be an integer or a list of integers (a region)`,
  );
}

/** The part of the LabelManager that never fails: used to report every problem of a dataset at once. */
export function summarizeLabels(labels: Record<string, LabelValue>): LabelSummary {
  const all = new Set<number>();
  let hasRegions = false;
  for (const [k, v] of Object.entries(labels)) {
    if (Array.isArray(v) && v.length > 1) hasRegions = true;
    if (k === 'ignore') continue;
    for (const x of Array.isArray(v) ? v : [v]) all.add(x);
  }
  const ignore = labels.ignore;
  return {
    allLabels: [...all].sort((a, b) => a - b),
    ignoreLabel: typeof ignore === 'number' ? ignore : null,
    hasRegions,
  };
}

/** The LabelManager of a dataset.json (or any object with its `labels` and `regions_class_order`). */
export function labelManager(datasetJson: unknown, file = 'dataset.json'): LabelManager {
  const ds = datasetJson as { labels?: Record<string, unknown>; regions_class_order?: unknown };
  if (!ds || typeof ds !== 'object' || !ds.labels || typeof ds.labels !== 'object')
    throw new TesseraError('bad-dataset', file, 'has no "labels" object');
  const manager = labelManagerOf(ds.labels, ds.regions_class_order ?? null, file);
  return manager;
}

/**
 * The LabelManager of a `labels` dict. `regionsClassOrder` undefined: not known here (preprocessing needs only the
 * classes to sample); null or a list: as dataset.json has it, and region datasets must have it.
 */
export function labelManagerOf(
  rawLabels: Record<string, unknown>,
  regionsClassOrder?: unknown,
  file = 'dataset.json',
): LabelManager {
  const labels: Record<string, LabelValue> = {};
  for (const [k, v] of Object.entries(rawLabels))
    labels[k] = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : parseLabelValue(v, file, k);
  if (!('background' in labels))
    throw new TesseraError('bad-dataset', file, 'declares no "background" label (it must be 0)');
  if (labels.background !== 0)
    throw new TesseraError('bad-dataset', file, 'the "background" label must be 0');
  if (Array.isArray(labels.ignore))
    throw new TesseraError('bad-dataset', file, 'the "ignore" label must be an integer, not a region');
  const summary = summarizeLabels(labels);
  const { allLabels, ignoreLabel, hasRegions } = summary;
  if (ignoreLabel !== null && ignoreLabel !== allLabels[allLabels.length - 1] + 1)
    throw new TesseraError('bad-dataset', file, 'the "ignore" label must have the highest value');

  const entries = Object.entries(labels).filter(([k]) => k !== 'ignore');
  // nnU-Net's foreground regions: every entry but background, in dataset.json order
  const foregroundEntries = entries.filter(
    ([, v]) => !(Array.isArray(v) ? v.every((x) => x === 0) : v === 0),
  );
  const foregroundLabels = allLabels.filter((x) => x !== 0);
  const names: Record<number, string> = {};
  let regions: number[][] | null = null;
  let rco: number[] | null = null;
  if (hasRegions) {
    regions = foregroundEntries.map(([, v]) => (Array.isArray(v) ? v : [v]));
    if (
      regionsClassOrder !== undefined &&
      (!Array.isArray(regionsClassOrder) || !regionsClassOrder.every((x) => Number.isInteger(x)))
    )
      throw new TesseraError('bad-dataset', file, 'region-based labels need a "regions_class_order" list');
    if (Array.isArray(regionsClassOrder) && regionsClassOrder.length !== regions.length)
      throw new TesseraError(
        'bad-dataset',
        file,
        `"regions_class_order" has ${regionsClassOrder.length} entries but there are ${regions.length} regions`,
      );
    rco = Array.isArray(regionsClassOrder) ? (regionsClassOrder as number[]) : null;
    names[0] = 'background';
    foregroundEntries.forEach(([k], i) => {
      names[rco ? rco[i] : i + 1] = k;
    });
  } else {
    for (const [k, v] of entries) names[v as number] = k;
  }
  const classesToSample: ClassOrRegion[] = hasRegions
    ? foregroundEntries.map(([, v]) => v)
    : [...foregroundLabels];
  if (ignoreLabel !== null) classesToSample.push([-1, ...allLabels]);
  return {
    ...summary,
    foregroundLabels,
    regions,
    regionsClassOrder: rco,
    numHeads: hasRegions ? regions!.length : allLabels.length,
    activation: hasRegions ? 'sigmoid' : 'softmax',
    names,
    classesToSample,
  };
}

/** Number of image channels in dataset.json (`channel_names`, or the legacy `modality`). */
export function imageChannelCount(datasetJson: unknown, file = 'dataset.json'): number {
  const ds = datasetJson as { channel_names?: object; modality?: object };
  const ch = ds?.channel_names ?? ds?.modality;
  if (!ch || typeof ch !== 'object' || Object.keys(ch).length === 0)
    throw new TesseraError('bad-dataset', file, 'has no "channel_names" (or legacy "modality") object');
  return Object.keys(ch).length;
}
