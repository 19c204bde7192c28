import { TesseraError } from '../errors';

/**
 * What the network's output channels mean, from dataset.json `labels` (+ `regions_class_order`), the way
 * nnU-Net's LabelManager reads them.
 *
 * - Label datasets: one output channel per label value (background included, `ignore` excluded), softmax,
 *   argmax gives the label.
 * - Region datasets (some label maps to a list of ≥ 2 values): one sigmoid channel per non-background region,
 *   thresholded at 0.5 and painted in `regions_class_order`.
 */
export interface LabelScheme {
  hasRegions: boolean;
  /** Sorted label values, ignore excluded (background 0 included). */
  allLabels: number[];
  /** Sorted label values without background. */
  foregroundLabels: number[];
  /** Region datasets only: the regions (each a list of label values) in dataset.json order, background dropped. */
  regions: number[][] | null;
  regionsClassOrder: number[] | null;
  ignoreLabel: number | null;
  /** Number of network output channels ("segmentation heads"). */
  numHeads: number;
  /** Output nonlinearity at inference. */
  activation: 'softmax' | 'sigmoid';
  /** Names per label value (regions: per value the name of the dataset.json entry). */
  names: Record<number, string>;
}

type LabelValue = number | number[];

function asValues(v: unknown, file: string, name: string): LabelValue {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return v as number[];
  throw new TesseraError('bad-dataset', file, `label "${name}" must be an integer or a list of integers`);
}

export function labelScheme(datasetJson: unknown, file = 'dataset.json'): LabelScheme {
  const ds = datasetJson as { labels?: Record<string, unknown>; regions_class_order?: unknown };
  if (!ds || typeof ds !== 'object' || !ds.labels || typeof ds.labels !== 'object')
    throw new TesseraError('bad-dataset', file, 'has no "labels" object');
  const entries = Object.entries(ds.labels).map(([k, v]) => [k, asValues(v, file, k)] as const);
  const bg = entries.find(([k]) => k === 'background');
  if (!bg) throw new TesseraError('bad-dataset', file, 'declares no "background" label (it must be 0)');
  if (bg[1] !== 0) throw new TesseraError('bad-dataset', file, 'the "background" label must be 0');

  const hasRegions = entries.some(([, v]) => Array.isArray(v) && v.length > 1);
  const ignoreEntry = entries.find(([k]) => k === 'ignore');
  let ignoreLabel: number | null = null;
  if (ignoreEntry) {
    if (Array.isArray(ignoreEntry[1]))
      throw new TesseraError('bad-dataset', file, 'the "ignore" label must be an integer, not a region');
    ignoreLabel = ignoreEntry[1];
  }
  const values = new Set<number>();
  const names: Record<number, string> = {};
  for (const [k, v] of entries) {
    if (k === 'ignore') continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      values.add(x);
      if (!Array.isArray(v) || names[x] === undefined) names[x] = k;
    }
  }
  const allLabels = [...values].sort((a, b) => a - b);
  if (ignoreLabel !== null && ignoreLabel !== allLabels[allLabels.length - 1] + 1)
    throw new TesseraError('bad-dataset', file, 'the "ignore" label must have the highest value');

  let regions: number[][] | null = null;
  let regionsClassOrder: number[] | null = null;
  if (hasRegions) {
    regions = [];
    for (const [k, v] of entries) {
      if (k === 'ignore') continue;
      const list = Array.isArray(v) ? v : [v];
      if (list.every((x) => x === 0)) continue;
      regions.push(list);
    }
    const rco = ds.regions_class_order;
    if (!Array.isArray(rco) || !rco.every((x) => Number.isInteger(x)))
      throw new TesseraError('bad-dataset', file, 'region-based labels need a "regions_class_order" list');
    if (rco.length !== regions.length)
      throw new TesseraError(
        'bad-dataset',
        file,
        `"regions_class_order" has ${rco.length} entries but there are ${regions.length} regions`,
      );
    regionsClassOrder = rco as number[];
  }
  return {
    hasRegions,
    allLabels,
    foregroundLabels: allLabels.filter((x) => x !== 0),
    regions,
    regionsClassOrder,
    ignoreLabel,
    numHeads: hasRegions ? regions!.length : allLabels.length,
    activation: hasRegions ? 'sigmoid' : 'softmax',
    names,
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
