import { TesseraError } from '../../errors';
import { postprocessingOffered } from '../../inference/postprocessing';
import { isZip } from '../../io/archive/zip-reader';
import { type FileSet, fileSetFromZip, readJsonFile } from './file-set';
import { type NnunetModel, nnunetModelInfo, openNnunetModel } from './nnunet-model';
import { type OnnxBundle, readOnnxBundle } from './onnx-bundle';
import type { CheckpointChoice } from './results-folder';
import { findResultsFolderRoots } from './results-folder';

/** A dropped model: an nnU-Net results folder (one or more folds) or a plain ONNX model with its card. */
/**
 * A dropped model: an nnU-Net results folder (one or more folds) or a plain ONNX model with its card. An nnU-Net
 * cascade stage dropped with the stage it builds on (a dataset's results holding `…__3d_lowres` and
 * `…__3d_cascade_fullres`) carries that stage too: the predictor runs both.
 */
export type ModelBundle =
  | {
      kind: 'nnunet';
      model: NnunetModel;
      previousStage?: NnunetModel;
      /** find_best_configuration chose an ensemble: the other members, averaged with `model` */
      ensemble?: { members: NnunetModel[]; name: string; postprocessing: string | null };
    }
  | { kind: 'onnx'; bundle: OnnxBundle };

/** What a model list shows. */
export interface ModelSummary {
  kind: 'nnunet' | 'onnx';
  name: string;
  /** nnU-Net configuration, or 'onnx'. */
  configuration: string;
  folds: string[];
  labels: { value: number; name: string; color: [number, number, number] | null }[];
  inputChannels: number;
  sizeBytes: number;
  /** the postprocessing.json files a results folder offers (root: applied by default; crossval: on request) */
  postprocessing: { root: boolean; crossval: boolean };
  /** Folds left out for want of the chosen checkpoint: what each has and how to use it. */
  foldNotes: string[];
}

/**
 * Open whatever was dropped as a model. A lone .zip is opened as the folder it holds. Errors name the
 * missing or broken file.
 */
export async function openModelBundle(
  files: FileSet,
  options: { checkpoint?: CheckpointChoice } = {},
): Promise<ModelBundle> {
  if (files.paths.length === 1 && files.paths[0].toLowerCase().endsWith('.zip')) {
    const src = await files.open(files.paths[0]);
    if (!isZip(await src.read(0, Math.min(4, src.size))))
      throw new TesseraError('bad-magic', src.name, 'is not a zip archive');
    files = await fileSetFromZip(src);
  }
  if (files.paths.some((p) => p === 'plans.json' || p.endsWith('/plans.json'))) {
    if (findResultsFolderRoots(files).length === 0 && files.paths.some((p) => p.endsWith('.onnx')))
      return { kind: 'onnx', bundle: await readOnnxBundle(files) };
    const ensemble = await ensembleRoots(files);
    if (ensemble) {
      const [first, ...rest] = await Promise.all(
        ensemble.roots.map((root) => openNnunetModel(files, { ...options, root })),
      );
      return {
        kind: 'nnunet',
        model: first,
        ensemble: { members: rest, name: ensemble.name, postprocessing: ensemble.postprocessing },
      };
    }
    const cascade = cascadeRoots(files);
    if (cascade)
      return {
        kind: 'nnunet',
        model: await openNnunetModel(files, { ...options, root: cascade.root }),
        previousStage: await openNnunetModel(files, { ...options, root: cascade.previous }),
      };
    return { kind: 'nnunet', model: await openNnunetModel(files, options) };
  }
  // fold_N/*.pth without plans.json: a results folder with a file missing, not an ONNX bundle.
  const ckpt = files.paths.find((p) => /(^|\/)fold_(\d+|all)\/[^/]+\.pth$/.test(p));
  if (ckpt) {
    const root = ckpt.replace(/fold_(\d+|all)\/[^/]+\.pth$/, '');
    throw new TesseraError(
      'not-found',
      `${files.name}/${root}plans.json`,
      files.paths.includes(`${root}dataset.json`)
        ? 'is missing (an nnU-Net results folder needs it)'
        : 'is missing: a checkpoint alone is not enough, drop the whole results folder (plans.json, dataset.json, fold_N/)',
    );
  }
  if (files.paths.some((p) => p.toLowerCase().endsWith('.onnx') || p.toLowerCase().endsWith('.json')))
    return { kind: 'onnx', bundle: await readOnnxBundle(files) };
  if (files.paths.some((p) => p.endsWith('.pth')))
    throw new TesseraError(
      'not-found',
      `${files.name}/plans.json`,
      'is missing: a checkpoint alone is not enough, drop the whole results folder (plans.json, dataset.json, fold_N/)',
    );
  throw new TesseraError(
    'unsupported-format',
    files.name,
    'is neither an nnU-Net results folder (plans.json, dataset.json, fold_N/checkpoint_final.pth) nor an ONNX model with a model-card.json',
  );
}

/**
 * Several results folders side by side, one of them a cascade stage (`…__3d_cascade_fullres`) whose previous stage
 * (`…__3d_lowres`, the same trainer and plans) is among them: that cascade is the model. Otherwise null (the
 * caller asks which folder to use).
 */
function cascadeRoots(files: FileSet): { root: string; previous: string } | null {
  const roots = findResultsFolderRoots(files);
  if (roots.length < 2) return null;
  const found = roots
    .map((root) => {
      const m = /^(.*__)3d_cascade_fullres\/$/.exec(root);
      const previous = m ? `${m[1]}3d_lowres/` : null;
      return previous && roots.includes(previous) ? { root, previous } : null;
    })
    .filter((x) => x !== null);
  return found.length === 1 ? found[0] : null;
}

/**
 * nnUNetv2_find_best_configuration's choice, when it is an ensemble: `inference_information.json` names the
 * members (trainer, plans, configuration); their results folders must sit in the drop. The ensemble's
 * postprocessing is `ensembles/<name>/postprocessing.json` (or .pkl) when present.
 */
async function ensembleRoots(
  files: FileSet,
): Promise<{ roots: string[]; name: string; postprocessing: string | null } | null> {
  const info = files.paths.find(
    (p) => p === 'inference_information.json' || p.endsWith('/inference_information.json'),
  );
  if (!info) return null;
  const json = (await readJsonFile(files, info)) as {
    best_model_or_ensemble?: {
      selected_model_or_models?: { configuration: string; plans_identifier: string; trainer: string }[];
    };
  };
  const members = json.best_model_or_ensemble?.selected_model_or_models ?? [];
  if (members.length < 2) return null;
  const roots = findResultsFolderRoots(files);
  const found = members.map((m) =>
    roots.find((r) => r.endsWith(`${m.trainer}__${m.plans_identifier}__${m.configuration}/`)),
  );
  if (found.some((r) => r === undefined))
    throw new TesseraError(
      'not-found',
      `${files.name}/${info}`,
      `chooses an ensemble of ${members.map((m) => m.configuration).join(' + ')}, but not all of their results folders are here`,
    );
  const base = info.slice(0, -'inference_information.json'.length);
  const folds = /___([0-9_]+|all)$/;
  const name = `ensemble___${members.map((m) => `${m.trainer}__${m.plans_identifier}__${m.configuration}`).join('___')}`;
  const pp = files.paths.find(
    (p) =>
      p.startsWith(`${base}ensembles/${name}___`) &&
      folds.test(p.split('/').slice(-2, -1)[0] ?? '') &&
      /\/postprocessing\.(json|pkl)$/.test(p),
  );
  return { roots: found as string[], name, postprocessing: pp ?? null };
}

export function summarizeBundle(b: ModelBundle): ModelSummary {
  if (b.kind === 'nnunet') {
    const info = nnunetModelInfo(b.model);
    const labels = Object.entries(info.labels)
      .filter(([name]) => name !== 'ignore')
      .map(([name, v]) => ({ value: Array.isArray(v) ? Math.max(...v) : v, name, color: null }));
    return {
      kind: 'nnunet',
      name: info.name,
      configuration: b.ensemble
        ? [info.configuration, ...b.ensemble.members.map((m) => m.configuration)].join(' + ')
        : b.previousStage
          ? `${b.previousStage.configuration} → ${info.configuration}`
          : info.configuration,
      folds: info.folds,
      labels,
      inputChannels: info.input_channels,
      sizeBytes: info.size_bytes,
      postprocessing: postprocessingOffered(b.model.folder),
      foldNotes: Object.values(info.incomplete_folds),
    };
  }
  const { card } = b.bundle;
  return {
    kind: 'onnx',
    name: card.name,
    configuration: 'onnx',
    folds: [],
    labels: card.labels.map((l) => ({ ...l })),
    inputChannels: card.input.channels,
    sizeBytes: b.bundle.files.paths.reduce((n, p) => n + b.bundle.files.size(p), 0),
    postprocessing: { root: false, crossval: false },
    foldNotes: [],
  };
}
