/**
 * A Medical Segmentation Decathlon task → an nnU-Net v2 raw dataset, as `nnUNetv2_convert_MSD_dataset`
 * does it: the task folder is `Task<NN>_<Name>` (exactly one underscore), the target
 * `Dataset<NNN>_<Name>` (id from the task or `overwriteId`, refused when a dataset with that id exists);
 * in imagesTr/imagesTs every `.nii.gz` not starting with `.` or `_` is split along its 4th axis into
 * `<case>_0000.nii.gz`, `<case>_0001.nii.gz`, … (a 3-D file is copied as `<case>_0000.nii.gz`); labelsTr
 * files are copied as they are; dataset.json gets labels name → int, `channel_names` from `modality`,
 * `file_ending` `.nii.gz`, and loses `training` and `test`.
 */
import { TesseraError } from '../errors';
import { writeNifti } from '../io/volume/nifti-writer';
import { readVolume } from '../io/volume/read-volume';
import { frame, frameCount, type Volume } from '../io/volume/volume';
import { parseDatasetJson } from '../nnunet/dataset-json';
import type { PyJson } from '../pycompat/python-json';
import { toPythonJson } from '../pycompat/python-json';
import { type FileSink, type FileTree, filesDirectlyIn, hasFolder } from './file-tree';

export interface ConvertMsdOptions {
  /** the task folder's own name, e.g. `Task05_Prostate` */
  taskName: string;
  overwriteId?: number;
  /** folder names already in nnUNet_raw (a target id in use is refused, as nnU-Net does) */
  existing: readonly string[];
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface ConvertedDataset {
  datasetName: string;
  /** output paths relative to nnUNet_raw, in the order written */
  files: string[];
}

/** `Task05_Prostate` → id 5, name `Prostate` (nnU-Net splits on '_' and reads the id from `task[4:]`). */
export function parseTaskName(taskName: string): { id: number; name: string } {
  const parts = taskName.split('_');
  const id = parts.length === 2 && /^\d+$/.test(parts[0].slice(4)) ? Number(parts[0].slice(4)) : Number.NaN;
  if (!Number.isInteger(id))
    throw new TesseraError(
      'bad-dataset',
      taskName,
      'the task folder must be named Task<NN>_<Name> with exactly one underscore (e.g. Task05_Prostate)',
    );
  return { id, name: parts[1] };
}

export function datasetFolderName(id: number, name: string): string {
  return `Dataset${String(id).padStart(3, '0')}_${name}`;
}

/** nnU-Net's find_candidate_datasets on one folder: names starting with `Dataset<NNN>`. */
export function assertIdFree(id: number, existing: readonly string[], where: string): void {
  const prefix = `Dataset${String(id).padStart(3, '0')}`;
  const taken = existing.filter((n) => n.startsWith(prefix));
  if (taken.length)
    throw new TesseraError(
      'bad-argument',
      where,
      `dataset id ${id} is already taken by ${taken.join(', ')}; choose another with --overwrite-id`,
    );
}

const ENDING = '.nii.gz';
const isSkipped = (n: string) => n.startsWith('.') || n.startsWith('_');

export async function convertMsdDataset(
  task: FileTree,
  sink: FileSink,
  options: ConvertMsdOptions,
): Promise<ConvertedDataset> {
  for (const sub of ['labelsTr', 'imagesTs', 'imagesTr'])
    if (!hasFolder(task, sub))
      throw new TesseraError(
        'bad-dataset',
        `${task.name}/${sub}`,
        'is missing; an MSD task holds imagesTr, imagesTs and labelsTr',
      );
  if (!task.list().includes('dataset.json'))
    throw new TesseraError(
      'bad-dataset',
      `${task.name}/dataset.json`,
      'is missing; an MSD task folder holds its dataset.json',
    );
  const { id: taskId, name } = parseTaskName(options.taskName);
  const targetId = options.overwriteId ?? taskId;
  assertIdFree(targetId, options.existing, 'nnUNet_raw');
  const datasetName = datasetFolderName(targetId, name);
  const written: string[] = [];
  const put = async (path: string, bytes: Uint8Array) => {
    await sink.file(`${datasetName}/${path}`, bytes);
    written.push(`${datasetName}/${path}`);
  };
  // Read before anything is written: a bad dataset.json must not leave half a dataset behind.
  const jsonText = new TextDecoder().decode(await task.read('dataset.json'));
  const json = convertedJson(jsonText, `${task.name}/dataset.json`);
  for (const sub of ['imagesTr', 'imagesTs', 'labelsTr']) await sink.folder(`${datasetName}/${sub}`);

  const jobs: { folder: string; file: string; split: boolean }[] = [];
  for (const folder of ['imagesTr', 'imagesTs'])
    for (const f of filesDirectlyIn(task, folder))
      if (f.endsWith(ENDING) && !isSkipped(f)) jobs.push({ folder, file: f, split: true });
  for (const f of filesDirectlyIn(task, 'labelsTr'))
    if (f.endsWith(ENDING) && !isSkipped(f)) jobs.push({ folder: 'labelsTr', file: f, split: false });

  for (const [i, job] of jobs.entries()) {
    options.onProgress?.(i, jobs.length, job.file);
    const bytes = await task.read(`${job.folder}/${job.file}`);
    if (!job.split) {
      await put(`${job.folder}/${job.file}`, bytes);
      continue;
    }
    for (const [path, out] of await splitChannels(bytes, `${task.name}/${job.folder}/${job.file}`, job.file))
      await put(`${job.folder}/${path}`, out);
  }
  options.onProgress?.(jobs.length, jobs.length, '');
  await put('dataset.json', new TextEncoder().encode(json));
  return { datasetName, files: written };
}

/**
 * nnU-Net's split_4d_nifti: a 3-D file is copied byte for byte as `<case>_0000.nii.gz`; a 4-D one
 * becomes one 3-D file per frame on the 3-D part of the grid (same voxels, same data type).
 */
export async function splitChannels(
  bytes: Uint8Array,
  label: string,
  fileName: string,
): Promise<[string, Uint8Array][]> {
  const base = fileName.slice(0, -ENDING.length);
  const volume = await readVolume(bytes.slice(), label);
  const dims = trimmedDimensions(volume);
  if (dims === 3) return [[`${base}_0000${ENDING}`, bytes]];
  if (dims !== 4)
    throw new TesseraError(
      'bad-dataset',
      label,
      `has ${dims} dimensions; only 3-D and 4-D images can be split`,
    );
  const like = frameGrid(volume);
  const out: [string, Uint8Array][] = [];
  for (let t = 0; t < frameCount(volume); t++) {
    const data = await writeNifti({ data: frame(volume, t), shape: volume.shape.slice(0, 3), like });
    out.push([`${base}_${String(t).padStart(4, '0')}${ENDING}`, data]);
  }
  return out;
}

/** ITK's image dimension: trailing axes of length 1 do not count. */
function trimmedDimensions(v: Volume): number {
  let n = v.shape.length;
  while (n > 3 && v.shape[n - 1] === 1) n--;
  return Math.max(n, 3);
}

/** The 3-D grid of a 4-D volume: the same spatial header fields, without the time axis. */
function frameGrid(v: Volume): Pick<Volume, 'affine' | 'spacing' | 'source'> {
  const nifti = v.source.nifti;
  return {
    affine: v.affine,
    spacing: v.spacing.slice(0, 3),
    source: {
      ...v.source,
      nifti: nifti && {
        ...nifti,
        pixdim: [...nifti.pixdim.slice(0, 3), 1, 1, 1, 1],
        xyztUnits: nifti.xyztUnits & 7,
      },
    },
  };
}

/** The converted dataset.json text, written as nnU-Net's save_json (indent 4, keys in place). */
function convertedJson(text: string, file: string): string {
  try {
    // An empty imagesTr listing makes parseDatasetJson take the legacy file as a Decathlon one.
    const parsed = parseDatasetJson(text, []);
    if (parsed.format === 'v2')
      throw new TesseraError('bad-dataset', file, "has no 'modality': it is not a Decathlon dataset.json");
    return toPythonJson(parsed.json as unknown as PyJson, { indent: 4 });
  } catch (e) {
    if (e instanceof TesseraError) throw new TesseraError(e.code, file, e.detail);
    throw e;
  }
}
