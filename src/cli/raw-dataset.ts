import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';

/**
 * Minimal nnU-Net raw dataset discovery for `tessera preprocess`: dataset.json (channel_names,
 * labels, file_ending, optional explicit `dataset` lists) and the training cases in imagesTr/labelsTr
 * named {CASE}_{XXXX}{ending} and {CASE}{ending}. (The dataset stage owns the full reader; this is
 * the part preprocessing needs.)
 */
export interface RawCase {
  id: string;
  /** one path per channel, in channel order */
  images: string[];
  label?: string;
}

export interface RawDataset {
  dir: string;
  json: Record<string, unknown>;
  channelNames: string[];
  labels: Record<string, number | number[]>;
  fileEnding: string;
  cases: RawCase[];
}

export async function readRawDataset(dir: string): Promise<RawDataset> {
  const jsonPath = path.join(dir, 'dataset.json');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await fs.readFile(jsonPath, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new TesseraError('not-found', jsonPath, 'no dataset.json in the raw dataset folder');
    throw new TesseraError(
      'bad-dataset',
      jsonPath,
      `is not valid JSON (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const names = (json.channel_names ?? json.modality) as Record<string, string> | undefined;
  if (!names || typeof names !== 'object')
    throw new TesseraError('bad-dataset', jsonPath, "has no 'channel_names'");
  const channelNames = Object.keys(names)
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => String(names[k]));
  const labels = json.labels as Record<string, number | number[]> | undefined;
  if (!labels || typeof labels !== 'object')
    throw new TesseraError('bad-dataset', jsonPath, "has no 'labels'");
  const fileEnding = typeof json.file_ending === 'string' ? json.file_ending : '.nii.gz';

  let cases: RawCase[];
  if (json.dataset && typeof json.dataset === 'object') {
    // explicit lists: { case: { images: [...], label: ... } }, paths relative to the dataset folder
    cases = Object.entries(json.dataset as Record<string, { images: string[]; label?: string }>).map(
      ([id, c]) => ({
        id,
        images: c.images.map((f) => path.resolve(dir, f)),
        label: c.label ? path.resolve(dir, c.label) : undefined,
      }),
    );
  } else {
    cases = await discover(dir, channelNames.length, fileEnding);
  }
  return { dir, json, channelNames, labels, fileEnding, cases };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

async function discover(dir: string, channels: number, ending: string): Promise<RawCase[]> {
  const imagesDir = path.join(dir, 'imagesTr');
  const files = (await listDir(imagesDir)).filter((f) => f.endsWith(ending));
  if (files.length === 0)
    throw new TesseraError(
      'bad-dataset',
      imagesDir,
      `holds no images ending in ${ending} (expected CASE_0000${ending})`,
    );
  const byCase = new Map<string, Map<number, string>>();
  const pattern = /^(.+)_(\d{4})$/;
  for (const f of files) {
    const m = f.slice(0, -ending.length).match(pattern);
    if (!m) continue;
    if (!byCase.has(m[1])) byCase.set(m[1], new Map());
    byCase.get(m[1])!.set(Number(m[2]), path.join(imagesDir, f));
  }
  const labelsDir = path.join(dir, 'labelsTr');
  const labelFiles = new Set(await listDir(labelsDir));
  return [...byCase.keys()].sort().map((id) => {
    const chans = byCase.get(id)!;
    const images = Array.from({ length: channels }, (_, c) => {
      const f = chans.get(c);
      if (!f)
        throw new TesseraError(
          'bad-dataset',
          id,
          `has no channel ${String(c).padStart(4, '0')} (${id}_${String(c).padStart(4, '0')}${ending})`,
        );
      return f;
    });
    const labelName = `${id}${ending}`;
    return { id, images, label: labelFiles.has(labelName) ? path.join(labelsDir, labelName) : undefined };
  });
}
