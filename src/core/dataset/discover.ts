/**
 * Which files make up each training case, exactly as nnU-Net's
 * `get_filenames_of_train_images_and_targets` finds them: identifiers are the imagesTr file names ending
 * in `file_ending` minus `_XXXX` + ending (unique, sorted); a case's images are the files matching
 * `{id}_\d{4}{ending}` (sorted, one per channel); its label is `labelsTr/{id}{ending}`. A `dataset` key
 * in dataset.json lists the files instead. A raw Decathlon (MSD) dataset has one file per case whose
 * 4th axis holds the channels.
 */

import { TesseraError } from '../errors';
import type { DatasetJson, ParsedDatasetJson } from '../nnunet/dataset-json';
import type { DatasetSource } from './source';
import { normalizePath } from './source';

export interface CaseFiles {
  id: string;
  /** one file per channel, in channel order; for MSD a single file whose frames are the channels */
  images: string[];
  label: string;
  /** MSD layout: the channels are the 4th axis of images[0] */
  channelsInFrames?: boolean;
}

export interface DiscoveredDataset {
  datasetJson: DatasetJson;
  format: ParsedDatasetJson['format'];
  /** channel names in file order */
  channels: string[];
  cases: CaseFiles[];
  /** test images (imagesTs), grouped per case the same way; empty when there is no imagesTs */
  testCases: { id: string; images: string[] }[];
  /** every path the source lists */
  files: Set<string>;
}

/** Python's sorted() on str: code-point order (the same as UTF-16 order for the names datasets use). */
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function filesIn(files: Iterable<string>, folder: string): string[] {
  const prefix = `${folder}/`;
  const out: string[] = [];
  for (const f of files)
    if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) out.push(f.slice(prefix.length));
  return out.sort(byCodePoint);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Group `{id}_XXXX{ending}` files of one folder into cases, as nnU-Net does. */
export function groupChannelFiles(
  names: readonly string[],
  ending: string,
): { id: string; images: string[] }[] {
  const candidates = names.filter((n) => n.endsWith(ending) && !n.startsWith('._'));
  const ids = [...new Set(candidates.map((n) => n.slice(0, Math.max(0, n.length - ending.length - 5))))].sort(
    byCodePoint,
  );
  return ids.map((id) => {
    const re = new RegExp(`^${escapeRegExp(id)}_\\d\\d\\d\\d${escapeRegExp(ending)}$`);
    return { id, images: candidates.filter((n) => re.test(n)) };
  });
}

export function discoverDataset(source: DatasetSource, parsed: ParsedDatasetJson): DiscoveredDataset {
  const files = new Set(source.list());
  const json = parsed.json;
  const ending = json.file_ending;
  let cases: CaseFiles[];
  if (json.dataset) {
    cases = Object.entries(json.dataset).map(([id, c]) => ({
      id,
      images: c.images.map(normalizePath),
      label: normalizePath(c.label),
    }));
  } else if (parsed.format === 'msd') {
    // nnUNetv2_convert_MSD_dataset: every .nii.gz in imagesTr not starting with '.' or '_' is a case
    cases = filesIn(files, 'imagesTr')
      .filter((n) => n.endsWith('.nii.gz') && !n.startsWith('.') && !n.startsWith('_'))
      .map((n) => {
        const id = n.slice(0, -'.nii.gz'.length);
        return { id, images: [`imagesTr/${n}`], label: `labelsTr/${n}`, channelsInFrames: true };
      });
  } else {
    cases = groupChannelFiles(filesIn(files, 'imagesTr'), ending).map(({ id, images }) => ({
      id,
      images: images.map((n) => `imagesTr/${n}`),
      label: `labelsTr/${id}${ending}`,
    }));
  }
  const testCases =
    parsed.format === 'msd'
      ? filesIn(files, 'imagesTs')
          .filter((n) => n.endsWith('.nii.gz') && !n.startsWith('.') && !n.startsWith('_'))
          .map((n) => ({ id: n.slice(0, -7), images: [`imagesTs/${n}`] }))
      : groupChannelFiles(filesIn(files, 'imagesTs'), ending).map(({ id, images }) => ({
          id,
          images: images.map((n) => `imagesTs/${n}`),
        }));
  return { datasetJson: json, format: parsed.format, channels: parsed.channels, cases, testCases, files };
}

/** Names directly in a folder of the source (for telling a v1 dataset from a raw Decathlon one). */
export function namesIn(source: DatasetSource, folder: string): string[] {
  return filesIn(source.list(), folder);
}

/**
 * The cases of a prediction input folder, as nnUNetv2_predict groups them: `<case>_XXXX<ending>` files are the
 * channels of one case (in channel order, every channel present); for a one-channel model a file without the
 * channel suffix is a case of its own (a convenience nnU-Net does not offer).
 */
export function groupPredictionInputs(
  names: readonly string[],
  ending: string,
  channels: number,
): { id: string; images: string[] }[] {
  const suffixed = new RegExp(`_\\d{4}${escapeRegExp(ending)}$`);
  const grouped = groupChannelFiles(names.filter((n) => suffixed.test(n)).sort(byCodePoint), ending);
  const cases = grouped.map(({ id, images }) => {
    for (let c = 0; c < channels; c++) {
      const want = `${id}_${String(c).padStart(4, '0')}${ending}`;
      if (!images.includes(want))
        throw new TesseraError(
          'not-found',
          want,
          `is missing: the model needs ${channels} channel(s) per case`,
        );
    }
    return { id, images: images.slice(0, channels) };
  });
  for (const n of names.filter((n) => !suffixed.test(n) && n.endsWith(ending))) {
    if (channels !== 1)
      throw new TesseraError(
        'bad-argument',
        n,
        `the model needs ${channels} channels: name the files <case>_0000${ending}, <case>_0001${ending}, …`,
      );
    cases.push({ id: n.slice(0, -ending.length), images: [n] });
  }
  return cases.sort((a, b) => byCodePoint(a.id, b.id));
}
