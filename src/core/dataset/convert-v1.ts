/**
 * An nnU-Net v1 task → an nnU-Net v2 raw dataset, as `nnUNetv2_convert_old_nnUNet_dataset` does it:
 * imagesTr and labelsTr (and imagesTs, labelsTs, imagesVal, labelsVal where present) are copied whole,
 * every file as it is; dataset.json loses `tensorImageSize`, `numTest`, `training` and `test`, gets
 * `channel_names` from `modality`, labels name → int and `file_ending` `.nii.gz`. The target folder must
 * not exist yet.
 */
import { TesseraError } from '../errors';
import { parseDatasetJson } from '../nnunet/dataset-json';
import { type PyJson, toPythonJson } from '../pycompat/python-json';
import type { ConvertedDataset } from './convert-msd';
import { datasetFolderName, parseTaskName } from './convert-msd';
import { byCodePoint, type FileSink, type FileTree, hasFolder } from './file-tree';

const REQUIRED = ['imagesTr', 'labelsTr'];
const OPTIONAL = ['imagesTs', 'labelsTs', 'imagesVal', 'labelsVal'];

export interface ConvertV1Options {
  /** `Dataset<NNN>_<Name>`; by default the task's id and name (`Task004_Hippocampus` → `Dataset004_Hippocampus`) */
  datasetName?: string;
  /** the task folder's own name */
  taskName: string;
  /** folder names already in nnUNet_raw */
  existing: readonly string[];
  onProgress?: (done: number, total: number, file: string) => void;
}

export function defaultV1DatasetName(taskName: string): string {
  const { id, name } = parseTaskName(taskName);
  return datasetFolderName(id, name);
}

export async function convertV1Dataset(
  task: FileTree,
  sink: FileSink,
  options: ConvertV1Options,
): Promise<ConvertedDataset> {
  const datasetName = options.datasetName ?? defaultV1DatasetName(options.taskName);
  if (!/^Dataset\d{3}_./.test(datasetName))
    throw new TesseraError(
      'bad-argument',
      datasetName,
      'the new dataset name must follow the DatasetXXX_NAME convention',
    );
  if (options.existing.includes(datasetName))
    throw new TesseraError(
      'bad-argument',
      datasetName,
      'already exists in nnUNet_raw; delete it first or choose another name',
    );
  for (const sub of REQUIRED)
    if (!hasFolder(task, sub))
      throw new TesseraError(
        'bad-dataset',
        `${task.name}/${sub}`,
        'is missing; a v1 task holds imagesTr and labelsTr',
      );
  if (!task.list().includes('dataset.json'))
    throw new TesseraError(
      'bad-dataset',
      `${task.name}/dataset.json`,
      'is missing; a v1 task folder holds its dataset.json',
    );
  const jsonText = new TextDecoder().decode(await task.read('dataset.json'));
  const json = convertedJson(jsonText, `${task.name}/dataset.json`);

  const folders = [...REQUIRED, ...OPTIONAL.filter((f) => hasFolder(task, f))];
  const copies = task
    .list()
    .filter((p) => folders.some((f) => p.startsWith(`${f}/`)))
    .sort(byCodePoint);
  const written: string[] = [];
  for (const f of folders) await sink.folder(`${datasetName}/${f}`);
  for (const [i, path] of copies.entries()) {
    options.onProgress?.(i, copies.length, path);
    await sink.file(`${datasetName}/${path}`, await task.read(path));
    written.push(`${datasetName}/${path}`);
  }
  options.onProgress?.(copies.length, copies.length, '');
  await sink.file(`${datasetName}/dataset.json`, new TextEncoder().encode(json));
  written.push(`${datasetName}/dataset.json`);
  return { datasetName, files: written };
}

function convertedJson(text: string, file: string): string {
  try {
    // No imagesTr listing: parseDatasetJson converts a legacy file the way the v1 converter does.
    const parsed = parseDatasetJson(text);
    if (parsed.format === 'v2')
      throw new TesseraError('bad-dataset', file, "has no 'modality': it is not an nnU-Net v1 dataset.json");
    return toPythonJson(parsed.json as unknown as PyJson, { indent: 4 });
  } catch (e) {
    if (e instanceof TesseraError) throw new TesseraError(e.code, file, e.detail);
    throw e;
  }
}
