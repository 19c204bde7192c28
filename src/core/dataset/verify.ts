/**
 * nnU-Net's `verify_dataset_integrity`, as a list of problems that each name the file at fault:
 * every case has every channel and a label, the count matches numTraining, channel and label geometry
 * agree, label values are declared, declared labels are consecutive, the ignore label is the highest.
 * Errors are what nnU-Net refuses (or crashes on); warnings are what it only prints.
 */
import { TesseraError } from '../errors';
import type { Volume } from '../io/volume/volume';
import { zyxShape, zyxSpacing } from '../io/volume/volume';
import type { LabelValue } from '../nnunet/dataset-json';
import { summarizeLabels } from '../nnunet/labels';
import type { CaseFiles, DiscoveredDataset } from './discover';

export interface DatasetProblem {
  severity: 'error' | 'warning';
  /** the file (or dataset.json, or a folder) at fault, relative to the dataset root */
  file: string;
  message: string;
}

const error = (file: string, message: string): DatasetProblem => ({ severity: 'error', file, message });
const warning = (file: string, message: string): DatasetProblem => ({ severity: 'warning', file, message });

/** Label declarations alone (LabelManager's checks plus the consecutiveness test). */
export function verifyLabelDeclarations(
  labels: Record<string, LabelValue>,
  regionsClassOrder?: readonly number[],
): DatasetProblem[] {
  const out: DatasetProblem[] = [];
  const f = 'dataset.json';
  if (!('background' in labels)) out.push(error(f, "labels must declare 'background' (value 0)"));
  else if (Array.isArray(labels.background))
    out.push(error(f, "the 'background' label must be 0, not a list"));
  else if (labels.background !== 0)
    out.push(error(f, `the 'background' label must be 0, not ${labels.background}`));
  if ('ignore' in labels && typeof labels.ignore !== 'number')
    out.push(error(f, "the 'ignore' label must be a single integer, not a region"));
  const { allLabels, ignoreLabel, hasRegions } = summarizeLabels(labels);
  if (ignoreLabel !== null && allLabels.length > 0 && ignoreLabel !== allLabels[allLabels.length - 1] + 1)
    out.push(
      error(
        f,
        `the ignore label (${ignoreLabel}) must be the highest value, one above the others (${allLabels[allLabels.length - 1] + 1})`,
      ),
    );
  if (hasRegions) {
    const regions = Object.entries(labels).filter(
      ([k, v]) => k !== 'ignore' && !(Array.isArray(v) ? v.every((x) => x === 0) : v === 0),
    ).length;
    if (!regionsClassOrder) out.push(error(f, "region labels (lists) need 'regions_class_order'"));
    else if (regionsClassOrder.length !== regions)
      out.push(
        error(
          f,
          `'regions_class_order' has ${regionsClassOrder.length} entries but there are ${regions} regions`,
        ),
      );
  }
  const expected = ignoreLabel === null ? allLabels : [...allLabels, ignoreLabel];
  const gaps = expected.slice(1).filter((v, i) => v - expected[i] !== 1);
  if (gaps.length)
    out.push(
      error(f, `label values must be consecutive (0, 1, 2, …); ${gaps.join(', ')} break the sequence`),
    );
  return out;
}

/** Checks that need only the file listing and dataset.json (no image is read). */
export function verifyDatasetStructure(d: DiscoveredDataset): DatasetProblem[] {
  const out: DatasetProblem[] = [];
  const json = d.datasetJson;
  const nChannels = d.channels.length || Object.keys(json.channel_names).length;
  if (!json.dataset) {
    const has = (folder: string) => [...d.files].some((f) => f.startsWith(`${folder}/`));
    if (!has('imagesTr')) out.push(error('imagesTr/', 'the imagesTr folder is missing or empty'));
    if (!has('labelsTr')) out.push(error('labelsTr/', 'the labelsTr folder is missing or empty'));
  }
  if (d.cases.length !== json.numTraining)
    out.push(
      error(
        'dataset.json',
        `numTraining is ${json.numTraining} but ${d.cases.length} training case${d.cases.length === 1 ? ' was' : 's were'} found${
          d.cases.length
            ? ` (e.g. ${d.cases
                .slice(0, 3)
                .map((c) => c.id)
                .join(', ')})`
            : ''
        }`,
      ),
    );
  for (const c of d.cases) {
    for (const img of c.images)
      if (!d.files.has(img)) out.push(error(img, 'is listed in dataset.json but missing'));
    if (!d.files.has(c.label)) out.push(error(c.label, `is missing: case '${c.id}' has no label file`));
    if (!c.channelsInFrames && c.images.length !== nChannels)
      out.push(
        error(
          c.images[0] ?? `imagesTr/${c.id}`,
          `case '${c.id}' has ${c.images.length} channel file${c.images.length === 1 ? '' : 's'} but dataset.json declares ${nChannels} channel${nChannels === 1 ? '' : 's'}`,
        ),
      );
  }
  out.push(...verifyLabelDeclarations(json.labels, json.regions_class_order));
  return out;
}

const allclose = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= 1e-8 + 1e-5 * Math.abs(b[i]));

function hasNaN(a: ArrayLike<number>): boolean {
  // integer arrays cannot hold NaN; skip the scan
  if (!(a instanceof Float32Array || a instanceof Float64Array)) return false;
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) return true;
  return false;
}

function fmt(v: readonly number[]): string {
  return `(${v.map((x) => +x.toPrecision(6)).join(', ')})`;
}

/**
 * Checks on one case's volumes (read once, shared with the fingerprint): channels agree with each
 * other and with the label, no NaNs, only declared label values.
 */
export function verifyCaseVolumes(
  c: CaseFiles,
  images: readonly Volume[],
  label: Volume,
  labels: Record<string, LabelValue>,
  expectedChannels: number,
): DatasetProblem[] {
  const out: DatasetProblem[] = [];
  const first = images[0];
  const channelCount = c.channelsInFrames ? (first.shape[3] ?? 1) : images.length;
  if (!c.channelsInFrames) {
    for (let i = 0; i < images.length; i++) {
      if (images[i].shape.length > 3 && images[i].shape.slice(3).some((n) => n > 1))
        out.push(
          error(c.images[i], `is ${images[i].shape.length}-D; nnU-Net expects one 3-D file per channel`),
        );
    }
  }
  if (channelCount !== expectedChannels)
    out.push(
      error(
        c.images[0],
        `case '${c.id}' has ${channelCount} channels but dataset.json declares ${expectedChannels}`,
      ),
    );
  const shape = zyxShape(first);
  const spacing = zyxSpacing(first);
  for (let i = 1; i < images.length; i++) {
    if (zyxShape(images[i]).join() !== shape.join())
      out.push(
        error(c.images[i], `has shape ${fmt(zyxShape(images[i]))} but ${c.images[0]} has ${fmt(shape)}`),
      );
    else if (zyxSpacing(images[i]).join() !== spacing.join())
      out.push(
        error(
          c.images[i],
          `has spacing ${fmt(zyxSpacing(images[i]))} but ${c.images[0]} has ${fmt(spacing)}`,
        ),
      );
    else if (!allclose(images[i].affine.flat(), first.affine.flat()))
      out.push(warning(c.images[i], `its affine differs from ${c.images[0]} (origin or orientation)`));
  }
  images.forEach((im, i) => {
    if (hasNaN(im.data)) out.push(error(c.images[i], 'contains NaN voxels; replace them with a real value'));
  });
  if (hasNaN(label.data)) out.push(error(c.label, 'contains NaN voxels'));
  const lshape = zyxShape(label);
  if (lshape.join() !== shape.join()) {
    out.push(error(c.label, `has shape ${fmt(lshape)} but its image ${c.images[0]} has ${fmt(shape)}`));
    return out;
  }
  if (!allclose(zyxSpacing(label), spacing))
    out.push(
      error(
        c.label,
        `has spacing ${fmt(zyxSpacing(label))} but its image ${c.images[0]} has ${fmt(spacing)}`,
      ),
    );
  else if (!allclose(label.affine.flat(), first.affine.flat()))
    out.push(
      warning(
        c.label,
        `its affine differs from its image ${c.images[0]}: check that the label is aligned with it`,
      ),
    );
  const { allLabels, ignoreLabel } = summarizeLabels(labels);
  const expected = new Set(ignoreLabel === null ? allLabels : [...allLabels, ignoreLabel]);
  const found = uniqueValues(label.data, label.shape[0] * (label.shape[1] ?? 1) * (label.shape[2] ?? 1));
  const unexpected = found.filter((v) => !expected.has(v));
  if (unexpected.length)
    out.push(
      error(
        c.label,
        `holds label value${unexpected.length > 1 ? 's' : ''} ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ', …' : ''} not declared in dataset.json (declared: ${[...expected].join(', ')})`,
      ),
    );
  else if (found.length === 1 && found[0] === 0)
    out.push(warning(c.label, 'holds only background (0); intended?'));
  return out;
}

/** Sorted distinct values of the first n voxels (label maps: few values, so a Set is cheap). */
function uniqueValues(a: ArrayLike<number>, n: number): number[] {
  const s = new Set<number>();
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (v !== last) {
      s.add(v);
      last = v;
    }
  }
  return [...s].sort((x, y) => x - y);
}

/** Throw the first error (naming its file) if there is any; warnings pass. */
export function assertNoErrors(problems: readonly DatasetProblem[]): void {
  const errors = problems.filter((p) => p.severity === 'error');
  if (!errors.length) return;
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  throw new TesseraError('bad-dataset', errors[0].file, `${errors[0].message}${more}`);
}
