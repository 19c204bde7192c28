import { TesseraError } from '../../errors';
import type { DatasetJson } from '../../nnunet/dataset-json';
import { configurationNames, normalizePlans } from '../../nnunet/plans';
import type { Plans } from '../../nnunet/plans-types';
import { type NnunetCheckpoint, readNnunetCheckpoint } from '../nnunet-checkpoint';
import { type FileSet, readJsonFile } from './file-set';

/**
 * An nnU-Net results folder — `<Trainer>__<Plans>__<Configuration>/` with plans.json, dataset.json and
 * fold_<N>/checkpoint_final.pth (or checkpoint_best.pth) — found inside a FileSet (a dropped folder, a zip,
 * a directory), at any depth.
 */
export interface ResultsFolder {
  files: FileSet;
  /** Path prefix of the folder inside the FileSet ('' or 'a/b/'). */
  root: string;
  /** The folder's own name, e.g. nnUNetTrainer__nnUNetPlans__3d_fullres ('' for the FileSet root). */
  folderName: string;
  /** From the folder name when it has the Trainer__Plans__Configuration form. */
  trainerFromName: string | null;
  plansNameFromName: string | null;
  configurationFromName: string | null;
  /** plans.json, normalised (transposes, legacy keys); configurations resolve with getConfiguration */
  plans: Plans;
  datasetJson: DatasetJson;
  /** postprocessing.json when present (root, or nnU-Net's crossval_results_folds_* folder). */
  postprocessing: unknown | null;
  folds: FoldCheckpoint[];
  /** fold_N folders with no checkpoint under the choice: named to the user, never silently skipped. */
  incompleteFolds: IncompleteFold[];
  /** The checkpoint choice the folds were read with. */
  checkpoint: CheckpointChoice;
}

export interface IncompleteFold {
  fold: string;
  /** Checkpoint files the folder does have (e.g. ['checkpoint_latest.pth']), possibly none. */
  checkpoints: string[];
  /** How many other files it holds (logs, progress.png, validation/…). */
  otherFiles: number;
}

export interface FoldCheckpoint {
  /** '0'…'4' or 'all' */
  fold: string;
  /** Path inside the FileSet. */
  path: string;
  checkpointName: string;
  size: number;
}

/** 'auto': checkpoint_final.pth, else checkpoint_best.pth; or an exact file name (e.g. checkpoint_latest.pth). */
export type CheckpointChoice = 'auto' | `${string}.pth`;

const FOLD_RE = /^fold_(\d+|all)$/;

/** Folders that hold plans.json (candidates for results folders), shallowest first. */
export function findResultsFolderRoots(files: FileSet): string[] {
  const roots = files.paths
    .filter((p) => p === 'plans.json' || p.endsWith('/plans.json'))
    .map((p) => p.slice(0, -'plans.json'.length))
    .filter((root) =>
      files.paths.some((p) => p.startsWith(root) && FOLD_RE.test(p.slice(root.length).split('/')[0])),
    );
  return roots.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

const foldOrder = (a: { fold: string }, b: { fold: string }) =>
  a.fold === 'all' ? 1 : b.fold === 'all' ? -1 : Number(a.fold) - Number(b.fold);

function foldCheckpoints(
  files: FileSet,
  root: string,
  choice: CheckpointChoice,
): { folds: FoldCheckpoint[]; incomplete: IncompleteFold[] } {
  const byFold = new Map<string, Map<string, string>>();
  const others = new Map<string, number>();
  for (const p of files.paths) {
    if (!p.startsWith(root)) continue;
    const parts = p.slice(root.length).split('/');
    const m = FOLD_RE.exec(parts[0]);
    if (!m || parts.length < 2) continue;
    if (!byFold.has(m[1])) byFold.set(m[1], new Map());
    if (parts.length === 2 && parts[1].endsWith('.pth')) byFold.get(m[1])!.set(parts[1], p);
    else others.set(m[1], (others.get(m[1]) ?? 0) + 1);
  }
  const out: FoldCheckpoint[] = [];
  const incomplete: IncompleteFold[] = [];
  for (const [fold, ckpts] of byFold) {
    const name =
      choice === 'auto'
        ? ckpts.has('checkpoint_final.pth')
          ? 'checkpoint_final.pth'
          : ckpts.has('checkpoint_best.pth')
            ? 'checkpoint_best.pth'
            : null
        : ckpts.has(choice)
          ? choice
          : null;
    if (name)
      out.push({ fold, path: ckpts.get(name)!, checkpointName: name, size: files.size(ckpts.get(name)!) });
    else incomplete.push({ fold, checkpoints: [...ckpts.keys()].sort(), otherFiles: others.get(fold) ?? 0 });
  }
  // numeric folds in order, then 'all'
  return { folds: out.sort(foldOrder), incomplete: incomplete.sort(foldOrder) };
}

/**
 * One line on a fold that has no usable checkpoint: what it has and how to use it — the CLI's `-chk`
 * (nnU-Net's flag and file name, which nnUNetv2_predict takes too), the page's checkpoint picker.
 */
export function incompleteFoldMessage(f: IncompleteFold, choice: CheckpointChoice): string {
  return `fold_${f.fold} ${incompleteFoldDetail(f, choice)}`;
}

/** The same, without the fold's name: for an error already naming `fold_N`. */
export function incompleteFoldDetail(f: IncompleteFold, choice: CheckpointChoice): string {
  const wanted = choice === 'auto' ? 'checkpoint_final.pth (nor checkpoint_best.pth)' : choice;
  if (f.checkpoints.length === 0)
    return `has no ${wanted} and no other checkpoint${f.otherFiles ? ` (only ${f.otherFiles} other file${f.otherFiles > 1 ? 's' : ''}: training did not get far, or the .pth files were not copied)` : ''}`;
  const pick = f.checkpoints[0];
  return `has no ${wanted}, only ${f.checkpoints.join(', ')} (training may not have finished): to use it, pass -chk ${pick} (in the page: the checkpoint picker)`;
}

export async function readResultsFolder(
  files: FileSet,
  options: { root?: string; checkpoint?: CheckpointChoice } = {},
): Promise<ResultsFolder> {
  let root = options.root;
  if (root === undefined) {
    const roots = findResultsFolderRoots(files);
    if (roots.length === 0) {
      const plans = files.paths.find((p) => p === 'plans.json' || p.endsWith('/plans.json'));
      throw new TesseraError(
        'not-found',
        files.name,
        plans
          ? `has ${plans} but no fold_<N>/ folder beside it: not an nnU-Net results folder`
          : 'is not an nnU-Net results folder: plans.json is missing',
      );
    }
    if (roots.length > 1)
      throw new TesseraError(
        'bad-argument',
        files.name,
        `holds ${roots.length} results folders (${roots.map((r) => r || '.').join(', ')}): pick one`,
      );
    root = roots[0];
  }
  const where = root ? `${files.name}/${root.replace(/\/$/, '')}` : files.name;
  for (const required of ['plans.json', 'dataset.json'])
    if (!files.paths.includes(`${root}${required}`))
      throw new TesseraError(
        'not-found',
        `${where}/${required}`,
        'is missing (an nnU-Net results folder needs it)',
      );
  const rawPlans = await readJsonFile(files, `${root}plans.json`);
  const datasetJson = await readJsonFile(files, `${root}dataset.json`);
  if (!rawPlans || typeof rawPlans !== 'object' || configurationNames(rawPlans).length === 0)
    throw new TesseraError('bad-plans', `${where}/plans.json`, 'has no configurations');
  const plans = normalizePlans(rawPlans, `${where}/plans.json`);
  if (!datasetJson || typeof datasetJson !== 'object' || !('labels' in datasetJson))
    throw new TesseraError('bad-dataset', `${where}/dataset.json`, 'has no "labels"');

  const choice = options.checkpoint ?? 'auto';
  const { folds, incomplete } = foldCheckpoints(files, root, choice);
  if (folds.length === 0)
    throw new TesseraError(
      'not-found',
      where,
      `${
        choice === 'auto'
          ? 'has no fold_<N>/checkpoint_final.pth (or checkpoint_best.pth)'
          : `has no fold_<N>/${choice}`
      }${incomplete.length ? `: ${incomplete.map((f) => incompleteFoldMessage(f, choice)).join('; ')}` : ''}`,
    );

  const post = [
    `${root}postprocessing.json`,
    ...files.paths.filter(
      (p) => p.startsWith(`${root}crossval_results_folds_`) && p.endsWith('/postprocessing.json'),
    ),
  ].find((p) => files.paths.includes(p));

  // The folder itself was handed over (root ''): its name is the FileSet's (a directory, or a zip of it).
  const folderName = (root ? root.replace(/\/$/, '') : files.name.replace(/\/+$/, '').replace(/\.zip$/i, ''))
    .split('/')
    .pop()!;
  const parts = folderName.split('__');
  const named = parts.length === 3 && parts.every((p) => p.length > 0);
  return {
    files,
    root,
    folderName,
    trainerFromName: named ? parts[0] : null,
    plansNameFromName: named ? parts[1] : null,
    configurationFromName: named ? parts[2] : null,
    plans,
    datasetJson: datasetJson as DatasetJson,
    postprocessing: post ? await readJsonFile(files, post) : null,
    folds,
    incompleteFolds: incomplete,
    checkpoint: choice,
  };
}

/** A fold's checkpoint (metadata only; weights are read by loadNetworkWeights). */
export async function openFoldCheckpoint(folder: ResultsFolder, fold: string): Promise<NnunetCheckpoint> {
  const f = folder.folds.find((x) => x.fold === fold);
  const incomplete = folder.incompleteFolds.find((x) => x.fold === fold);
  if (!f && incomplete)
    throw new TesseraError(
      'not-found',
      `${folder.files.name}/${folder.root}fold_${fold}`,
      incompleteFoldDetail(incomplete, folder.checkpoint),
    );
  if (!f)
    throw new TesseraError(
      'not-found',
      `${folder.files.name}/${folder.root}fold_${fold}`,
      `has no checkpoint (folds with one: ${folder.folds.map((x) => x.fold).join(', ')})`,
    );
  return readNnunetCheckpoint(await folder.files.open(f.path));
}

/**
 * The configuration a results folder was trained with: the checkpoint's init_args (what nnU-Net's
 * predictor uses), else the folder name; they must agree when both exist.
 */
export function resultsConfiguration(folder: ResultsFolder, ckpt: NnunetCheckpoint | null): string {
  const known = configurationNames(folder.plans);
  const fromCkpt = ckpt?.configuration ?? null;
  const fromName = folder.configurationFromName;
  // A checkpoint trained under a configuration later renamed in plans.json: trust the folder name.
  const config = fromCkpt && (known.includes(fromCkpt) || !fromName) ? fromCkpt : fromName;
  if (!config)
    throw new TesseraError(
      'bad-model',
      folder.files.name,
      'cannot tell the configuration: the folder is not named Trainer__Plans__Configuration and the checkpoint does not say',
    );
  if (!known.includes(config))
    throw new TesseraError(
      'bad-plans',
      `${folder.files.name}/${folder.root}plans.json`,
      `has no configuration "${config}" (it has: ${known.join(', ')})`,
    );
  return config;
}

/** Every checkpoint file name found in some fold_N/ of these paths (for the page's checkpoint picker). */
export function checkpointNamesInFolds(paths: string[]): string[] {
  const names = new Set<string>();
  for (const p of paths) {
    const m = /(?:^|\/)fold_(?:\d+|all)\/([^/]+\.pth)$/.exec(p);
    if (m) names.add(m[1]);
  }
  return [...names].sort();
}
