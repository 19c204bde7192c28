/**
 * nnU-Net's `dataset.json`: the v2 format (`channel_names`, `labels` name → value or region list,
 * `numTraining`, `file_ending`, optional `regions_class_order`, `overwrite_image_reader_writer`,
 * `dataset`) and the legacy v1 / Medical Segmentation Decathlon format (`modality`, `labels` value →
 * name, `training`), which is converted the way nnU-Net's own converters do it.
 */
import { TesseraError } from '../errors';
import { PyDict, parsePythonJson } from '../pycompat/python-json';
import { type LabelValue, parseLabelValue } from './labels';

export type { LabelValue };

export interface DatasetJson {
  channel_names: Record<string, string>;
  labels: Record<string, LabelValue>;
  numTraining: number;
  file_ending: string;
  regions_class_order?: number[];
  overwrite_image_reader_writer?: string;
  /** explicit case list: identifier → image files (one per channel) and label file, relative paths */
  dataset?: Record<string, { images: string[]; label: string }>;
  [key: string]: unknown;
}

export type DatasetJsonFormat = 'v2' | 'v1-nnunet' | 'msd';

export interface ParsedDatasetJson {
  json: DatasetJson;
  /** how the file was written; anything but v2 was converted */
  format: DatasetJsonFormat;
  /** the legacy `training` list (v1 / MSD), image and label paths as written */
  legacyTraining?: { image: string; label: string }[];
  /**
   * Channel names in the file's order. nnU-Net iterates `channel_names.values()` in file order, while a
   * JavaScript object would list "0", "1", … keys in numeric order.
   */
  channels: string[];
}

const FILE = 'dataset.json';

function fail(detail: string): never {
  throw new TesseraError('bad-dataset', FILE, detail);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse and normalise a dataset.json. `imagesTrNames` (file names in imagesTr) tells a converted nnU-Net
 * v1 dataset (CASE_XXXX files) from a raw Decathlon one (one, possibly 4-D, file per case); without it
 * a legacy file is taken as v1.
 */
export function parseDatasetJson(text: string, imagesTrNames?: readonly string[]): ParsedDatasetJson {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(raw)) fail('must hold a JSON object');
  const legacy = !('channel_names' in raw) && 'modality' in raw;
  const parsed = legacy
    ? convertLegacy(raw, imagesTrNames)
    : { json: raw as DatasetJson, format: 'v2' as const };
  validateV2(parsed.json);
  return { ...parsed, channels: channelsInFileOrder(text, legacy ? 'modality' : 'channel_names') };
}

function channelsInFileOrder(text: string, key: string): string[] {
  const top = parsePythonJson(text);
  const ch = top instanceof PyDict ? top.get(key) : undefined;
  if (!(ch instanceof PyDict)) return [];
  return ch.entries.map(([, v]) => String(v));
}

function validateV2(json: DatasetJson): void {
  const missing = ['labels', 'channel_names', 'numTraining', 'file_ending'].filter((k) => !(k in json));
  if (missing.length)
    fail(
      `misses the required key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `'${k}'`).join(', ')}`,
    );
  if (!isRecord(json.channel_names) || Object.keys(json.channel_names).length === 0)
    fail('\'channel_names\' must map channel indices to names, e.g. {"0": "CT"}');
  for (const [k, v] of Object.entries(json.channel_names))
    if (typeof v !== 'string') fail(`channel_names['${k}'] must be a string (the channel's name)`);
  if (!isRecord(json.labels)) fail('\'labels\' must map label names to values, e.g. {"background": 0}');
  for (const [k, v] of Object.entries(json.labels)) parseLabelValue(v, FILE, k);
  if (typeof json.numTraining !== 'number' || !Number.isInteger(json.numTraining) || json.numTraining < 1)
    fail("'numTraining' must be a positive integer");
  if (typeof json.file_ending !== 'string' || !json.file_ending.startsWith('.'))
    fail('\'file_ending\' must be a file extension such as ".nii.gz"');
  if (json.regions_class_order !== undefined && !Array.isArray(json.regions_class_order))
    fail("'regions_class_order' must be a list of integers");
  if (json.dataset !== undefined) {
    if (!isRecord(json.dataset)) fail("'dataset' must map case identifiers to {images, label}");
    for (const [k, v] of Object.entries(json.dataset)) {
      const c = v as { images?: unknown; label?: unknown };
      if (!isRecord(v) || !Array.isArray(c.images) || typeof c.label !== 'string')
        fail(`dataset['${k}'] must be {"images": [...], "label": "..."}`);
    }
  }
}

/**
 * v1 / MSD → v2, as nnUNetv2_convert_old_nnUNet_dataset and nnUNetv2_convert_MSD_dataset do: labels
 * inverted to name → int, `modality` becomes `channel_names` (moved to the end), `file_ending` set to
 * .nii.gz, `training`/`test` dropped (v1 also drops `tensorImageSize` and `numTest`).
 */
function convertLegacy(
  raw: Record<string, unknown>,
  imagesTrNames?: readonly string[],
): Omit<ParsedDatasetJson, 'channels'> {
  if (!isRecord(raw.modality)) fail("'modality' must map channel indices to names");
  if (!isRecord(raw.labels)) fail('\'labels\' must map label values to names, e.g. {"0": "background"}');
  const training = Array.isArray(raw.training)
    ? (raw.training as unknown[]).map((t, i) => {
        const e = t as { image?: unknown; label?: unknown };
        if (!isRecord(t) || typeof e.image !== 'string' || typeof e.label !== 'string')
          fail(`training[${i}] must be {"image": "...", "label": "..."}`);
        return { image: e.image as string, label: e.label as string };
      })
    : undefined;
  const ending = '.nii.gz';
  const hasChannelFiles = imagesTrNames?.some((n) => /_\d{4}\.nii\.gz$/.test(n)) ?? true;
  const format: DatasetJsonFormat = hasChannelFiles ? 'v1-nnunet' : 'msd';
  const out: Record<string, unknown> = { ...raw };
  if (format === 'v1-nnunet') {
    delete out.tensorImageSize;
    delete out.numTest;
  }
  const labels: Record<string, number> = {};
  for (const [value, name] of Object.entries(raw.labels)) {
    const v = Number(value);
    if (!Number.isInteger(v) || typeof name !== 'string')
      fail(`legacy labels must map integer values to names; got '${value}': ${JSON.stringify(name)}`);
    labels[name] = v;
  }
  // Key order as each converter leaves it: v1 moves channel_names to the end, then adds file_ending;
  // the MSD converter sets labels and file_ending first, then channel_names.
  const channels = { ...(raw.modality as Record<string, unknown>) };
  delete out.training;
  delete out.test;
  delete out.modality;
  out.labels = labels;
  if (format === 'v1-nnunet') {
    out.channel_names = channels;
    out.file_ending = ending;
  } else {
    out.file_ending = ending;
    out.channel_names = channels;
  }
  if (out.numTraining === undefined && training) out.numTraining = training.length;
  return { json: out as DatasetJson, format, legacyTraining: training };
}

/** The channel names in order (dict order, as nnU-Net iterates `channel_names.values()`). */
export function channelNames(json: Pick<DatasetJson, 'channel_names'>): string[] {
  return Object.values(json.channel_names);
}
