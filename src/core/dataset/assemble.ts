/**
 * A folder of images per channel plus a folder of binary masks per structure → an nnU-Net v2 raw dataset.
 * Cases are matched by file stem across the folders; each mask's foreground becomes the value of its
 * folder's position (1, 2, …), later folders painting over earlier ones (tumour over organ); every file of
 * a case must lie on the grid of its first channel. Images are written as `<case>_<XXXX>.nii.gz` with
 * their own geometry and data type, label maps as uint8 `<case>.nii.gz` on the first channel's grid.
 */
import { TesseraError } from '../errors';
import { writeNifti } from '../io/volume/nifti-writer';
import { readVolume, VOLUME_EXTENSIONS } from '../io/volume/read-volume';
import { assertLabelGrid, type Volume, voxelCount } from '../io/volume/volume';
import { type PyJson, toPythonJson } from '../pycompat/python-json';
import { assertIdFree } from './convert-msd';
import { byCodePoint, type FileSink, type FileTree, filesDirectlyIn, isJunkName } from './file-tree';

export interface NamedFolder {
  /** the channel name (`CT`, `T2`) or the label name (`liver`) */
  name: string;
  tree: FileTree;
}

export interface AssembleInput {
  /** `Dataset<NNN>_<Name>` */
  datasetName: string;
  channels: NamedFolder[];
  /** binary mask folders, in painting order: the i-th gets label value i + 1 */
  labels: NamedFolder[];
  /** test images, one folder per channel (same names as `channels`) */
  testImages?: NamedFolder[];
  /** a case without a mask in some label folder gets background there instead of an error */
  allowMissingLabels?: boolean;
}

export interface AssemblyProblem {
  severity: 'error' | 'warning';
  /** the file (or folder) at fault, as `<folder>/<file>` */
  file: string;
  message: string;
}

export interface PlannedCase {
  id: string;
  /** one path per channel, relative to that channel's tree */
  images: string[];
  /** one entry per label folder: the mask's path, or null where it has none */
  masks: (string | null)[];
}

export interface AssemblyPlan {
  cases: PlannedCase[];
  testCases: PlannedCase[];
  problems: AssemblyProblem[];
}

export const LABEL_ENDING = '.nii.gz';

/** `case1.nii.gz` → `case1`; null for names Tessera cannot read as a volume. */
export function volumeStem(fileName: string): string | null {
  const lower = fileName.toLowerCase();
  const ext = [...VOLUME_EXTENSIONS]
    .sort((a, b) => b.length - a.length)
    .find((e) => lower.endsWith(e) && lower.length > e.length);
  return ext ? fileName.slice(0, -ext.length) : null;
}

/** The volumes of one folder by stem; other files and clashing stems become problems. */
function volumesByStem(folder: NamedFolder, problems: AssemblyProblem[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of filesDirectlyIn(folder.tree, '')) {
    if (isJunkName(f)) continue;
    const stem = volumeStem(f);
    const where = `${folder.tree.name}/${f}`;
    if (stem === null) {
      problems.push({ severity: 'warning', file: where, message: 'is not a volume Tessera reads; skipped' });
      continue;
    }
    const other = out.get(stem);
    if (other !== undefined) {
      problems.push({
        severity: 'error',
        file: where,
        message: `has the same case name '${stem}' as ${other}; keep one of them`,
      });
      continue;
    }
    out.set(stem, f);
  }
  if (out.size === 0)
    problems.push({
      severity: 'error',
      file: folder.tree.name,
      message: 'holds no volume (NIfTI, NRRD or .npy)',
    });
  return out;
}

function checkNames(input: AssembleInput, problems: AssemblyProblem[]): void {
  const err = (file: string, message: string) => problems.push({ severity: 'error', file, message });
  if (!/^Dataset\d{3}_[^/\\]+$/.test(input.datasetName))
    err(
      input.datasetName,
      'the dataset name must follow the Dataset<NNN>_<Name> convention (e.g. Dataset501_Liver)',
    );
  if (input.channels.length === 0) err('--image', 'give at least one image folder');
  const seen = new Set<string>();
  for (const c of input.channels) {
    if (!c.name.trim()) err(c.tree.name, 'the channel needs a name (e.g. CT, T2, ADC)');
    else if (seen.has(c.name)) err(c.tree.name, `the channel name '${c.name}' is used twice`);
    seen.add(c.name);
  }
  const labels = new Set<string>(['background']);
  for (const l of input.labels) {
    if (!l.name.trim()) err(l.tree.name, 'the label needs a name (e.g. liver)');
    else if (labels.has(l.name))
      err(l.tree.name, `the label name '${l.name}' is used twice (or is 'background')`);
    labels.add(l.name);
  }
  if (input.labels.length > 255) err('--label', 'at most 255 label folders fit a uint8 label map');
}

function matchCases(
  channels: NamedFolder[],
  labels: NamedFolder[],
  allowMissingLabels: boolean,
  problems: AssemblyProblem[],
): PlannedCase[] {
  const channelFiles = channels.map((c) => volumesByStem(c, problems));
  const maskFiles = labels.map((l) => volumesByStem(l, problems));
  const ids = [...new Set(channelFiles.flatMap((m) => [...m.keys()]))].sort(byCodePoint);
  const cases: PlannedCase[] = [];
  for (const id of ids) {
    const images = channelFiles.map((m) => m.get(id));
    const missing = images.indexOf(undefined);
    if (missing >= 0) {
      const present = images.findIndex((f) => f !== undefined);
      problems.push({
        severity: 'error',
        file: `${channels[present].tree.name}/${images[present]}`,
        message: `case '${id}' has no image in the channel folder ${channels[missing].tree.name} (${channels[missing].name})`,
      });
      continue;
    }
    const masks = maskFiles.map((m) => m.get(id) ?? null);
    masks.forEach((m, i) => {
      if (m !== null) return;
      problems.push({
        severity: allowMissingLabels ? 'warning' : 'error',
        file: `${labels[i].tree.name}`,
        message: allowMissingLabels
          ? `has no mask for case '${id}'; it is background there`
          : `has no mask for case '${id}' (use --allow-missing-labels to take it as background)`,
      });
    });
    cases.push({ id, images: images as string[], masks });
  }
  maskFiles.forEach((m, i) => {
    for (const [stem, f] of m)
      if (!ids.includes(stem))
        problems.push({
          severity: 'error',
          file: `${labels[i].tree.name}/${f}`,
          message: `is a mask for case '${stem}', which has no image`,
        });
  });
  return cases;
}

/** Every check that needs names only: which cases exist, which files are missing or left over. */
export function planAssembly(input: AssembleInput): AssemblyPlan {
  const problems: AssemblyProblem[] = [];
  checkNames(input, problems);
  const cases = matchCases(input.channels, input.labels, input.allowMissingLabels ?? false, problems);
  if (cases.length === 0 && !problems.some((p) => p.severity === 'error'))
    problems.push({
      severity: 'error',
      file: input.channels[0]?.tree.name ?? '--image',
      message: 'no case has all its channels',
    });
  let testCases: PlannedCase[] = [];
  if (input.testImages?.length) {
    const ordered = input.channels.map((c) => {
      const t = input.testImages?.find((x) => x.name === c.name);
      if (!t)
        problems.push({
          severity: 'error',
          file: '--test-images',
          message: `no test folder for channel '${c.name}'`,
        });
      return t;
    });
    if (ordered.every((t) => t !== undefined))
      testCases = matchCases(ordered as NamedFolder[], [], true, problems);
  }
  return { cases, testCases, problems };
}

export interface BuiltCase {
  id: string;
  /** one volume per channel */
  images: Volume[];
  /** the merged label map on the first channel's grid (uint8, file order) */
  label: Uint8Array;
}

/** Read a case's volumes, check their grids and masks, and merge the masks (later folders win). */
export async function buildCase(
  input: AssembleInput,
  planned: PlannedCase,
  channels: NamedFolder[] = input.channels,
): Promise<BuiltCase> {
  const images: Volume[] = [];
  for (const [c, path] of planned.images.entries()) {
    const v = await readVolume(await channels[c].tree.read(path), `${channels[c].tree.name}/${path}`);
    assert3d(v);
    if (images.length) assertLabelGrid(images[0], v);
    images.push(v);
  }
  const n = voxelCount(images[0].shape.slice(0, 3));
  const label = new Uint8Array(n);
  for (const [i, path] of planned.masks.entries()) {
    if (path === null) continue;
    const folder = input.labels[i];
    const mask = await readVolume(await folder.tree.read(path), `${folder.tree.name}/${path}`);
    assert3d(mask);
    assertLabelGrid(images[0], mask);
    assertBinary(mask);
    const value = i + 1;
    const d = mask.data;
    for (let j = 0; j < n; j++) if (d[j] !== 0) label[j] = value;
  }
  return { id: planned.id, images, label };
}

function assert3d(v: Volume): void {
  if (v.shape.length > 3 && v.shape.slice(3).some((s) => s > 1))
    throw new TesseraError(
      'bad-dataset',
      v.name,
      `is ${v.shape.length}-D (${v.shape.join('×')}); each folder must hold one 3-D volume per case`,
    );
}

function assertBinary(mask: Volume): void {
  const seen: number[] = [];
  const d = mask.data;
  for (let j = 0; j < d.length; j++) {
    const x = d[j];
    if (x !== 0 && !seen.includes(x)) {
      seen.push(x);
      if (seen.length > 1)
        throw new TesseraError(
          'bad-dataset',
          mask.name,
          `is not a binary mask: it holds more than one non-zero value (${seen.join(', ')}); a label folder holds one structure per file`,
        );
    }
  }
}

/** dataset.json as nnU-Net's generate_dataset_json lays it out (channel_names, labels, numTraining, file_ending). */
export function assembledDatasetJson(input: AssembleInput, numTraining: number): string {
  const channelNames: Record<string, string> = {};
  input.channels.forEach((c, i) => {
    channelNames[String(i)] = c.name;
  });
  const labels: Record<string, number> = { background: 0 };
  input.labels.forEach((l, i) => {
    labels[l.name] = i + 1;
  });
  const json = {
    channel_names: channelNames,
    labels,
    numTraining,
    file_ending: LABEL_ENDING,
    name: input.datasetName.replace(/^Dataset\d{3}_/, ''),
  };
  return toPythonJson(json as unknown as PyJson, { indent: 4 });
}

export interface AssembleOptions {
  /** folder names already in nnUNet_raw: the dataset's id must be free */
  existing: readonly string[];
  onProgress?: (done: number, total: number, caseId: string) => void;
  signal?: AbortSignal;
}

/** The first error of a plan as a TesseraError (one line, naming the file). */
export function assertPlanOk(plan: AssemblyPlan): void {
  const e = plan.problems.find((p) => p.severity === 'error');
  if (e) throw new TesseraError('bad-dataset', e.file, e.message);
}

export async function assembleDataset(
  input: AssembleInput,
  sink: FileSink,
  options: AssembleOptions,
): Promise<{ datasetName: string; plan: AssemblyPlan; files: string[] }> {
  const plan = planAssembly(input);
  assertPlanOk(plan);
  const id = Number(input.datasetName.slice(7, 10));
  assertIdFree(id, options.existing, 'nnUNet_raw');
  const root = input.datasetName;
  const files: string[] = [];
  const put = async (path: string, bytes: Uint8Array) => {
    await sink.file(`${root}/${path}`, bytes);
    files.push(`${root}/${path}`);
  };
  await sink.folder(`${root}/imagesTr`);
  await sink.folder(`${root}/labelsTr`);
  const total = plan.cases.length + plan.testCases.length;
  let done = 0;
  for (const planned of plan.cases) {
    if (options.signal?.aborted) throw new TesseraError('cancelled', root, 'cancelled');
    options.onProgress?.(done++, total, planned.id);
    const built = await buildCase(input, planned);
    await writeImages(built, 'imagesTr', put);
    const labelBytes = await writeNifti({
      data: built.label,
      shape: built.images[0].shape.slice(0, 3),
      like: built.images[0],
      datatype: 'uint8',
    });
    await put(`labelsTr/${planned.id}${LABEL_ENDING}`, labelBytes);
  }
  if (plan.testCases.length) {
    await sink.folder(`${root}/imagesTs`);
    const testFolders = input.channels.map(
      (c) => input.testImages?.find((t) => t.name === c.name) as NamedFolder,
    );
    for (const planned of plan.testCases) {
      options.onProgress?.(done++, total, planned.id);
      const built = await buildCase({ ...input, labels: [] }, { ...planned, masks: [] }, testFolders);
      await writeImages(built, 'imagesTs', put);
    }
  }
  options.onProgress?.(total, total, '');
  await put('dataset.json', new TextEncoder().encode(assembledDatasetJson(input, plan.cases.length)));
  return { datasetName: root, plan, files };
}

async function writeImages(
  built: BuiltCase,
  folder: string,
  put: (path: string, bytes: Uint8Array) => Promise<void>,
): Promise<void> {
  for (const [c, v] of built.images.entries()) {
    const bytes = await writeNifti({ data: v.data, shape: v.shape.slice(0, 3), like: v });
    await put(`${folder}/${built.id}_${String(c).padStart(4, '0')}${LABEL_ENDING}`, bytes);
  }
}
