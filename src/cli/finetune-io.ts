/**
 * File-system side of `tessera finetune`: the model to start from (an nnU-Net results folder, or just
 * its plans for training from scratch), the raw training dataset read and preprocessed with the model's
 * plans, and the results folder written at the end.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { openDataset } from '../core/dataset/open-dataset';
import { TesseraError } from '../core/errors';
import { readVolume } from '../core/io/volume/read-volume';
import type { NetworkSpec } from '../core/model/architecture';
import { networkSpecFromPlans } from '../core/model/architecture';
import type { FileSet } from '../core/model/bundle/file-set';
import { readText } from '../core/model/bundle/file-set';
import { openNnunetModel } from '../core/model/bundle/nnunet-model';
import { loadNetworkWeights } from '../core/model/nnunet-checkpoint';
import type { DatasetJson } from '../core/nnunet/dataset-json';
import { configurationNames, normalizePlans } from '../core/nnunet/plans';
import type { Plans } from '../core/nnunet/plans-types';
import { readPreprocessingPlans } from '../core/preprocessing/plans-view';
import { type PyJsonValue, parsePythonJson } from '../core/pycompat/python-json';
import { assertTrainableLabels, prepareTrainingCase } from '../core/training/prepare-case';
import type { TrainingCase } from '../core/training/training-case';
import { directorySource } from './dataset-dir-source';
import { openFileSet } from './node-file-set';
import { writeFileBytes } from './node-files';

export interface StartingModel {
  configuration: string;
  /** deep supervision on, as nnU-Net trains */
  spec: NetworkSpec;
  plans: Plans;
  datasetJson: DatasetJson;
  /** The files as text, written back unchanged and pickled into the checkpoint. */
  plansText: string;
  datasetJsonText: string;
  fingerprintText: string | null;
  /** canonical state-dict key → values; null when training from scratch */
  weights: Map<string, Float32Array> | null;
  source: string;
}

async function tryText(files: FileSet, p: string): Promise<string | null> {
  return files.paths.includes(p) ? readText(files, p) : null;
}

export async function openStartingModel(
  target: string,
  o: { configuration?: string; fold?: string; fromScratch: boolean },
): Promise<StartingModel> {
  const files = await openFileSet(target);
  let root = '';
  let configuration = o.configuration;
  let weights: Map<string, Float32Array> | null = null;
  let source = 'He initialisation (from scratch)';
  const hasFolds = files.paths.some((p) => /(^|\/)fold_[^/]+\/checkpoint_[^/]+\.pth$/.test(p));
  if (!o.fromScratch || hasFolds) {
    const model = await openNnunetModel(files, o.fold ? { folds: [o.fold] } : {});
    root = model.folder.root;
    if (configuration && configuration !== model.configuration)
      throw new TesseraError(
        'bad-argument',
        target,
        `is configuration "${model.configuration}", not "${configuration}"`,
      );
    configuration = model.configuration;
    if (!o.fromScratch) {
      const [fold, ckpt] = [...model.checkpoints.entries()][0];
      weights = await loadNetworkWeights(ckpt, model.spec);
      source = `${ckpt.file} (fold ${fold})`;
    }
  } else {
    const plansPath = files.paths.find((p) => p === 'plans.json' || p.endsWith('/plans.json'));
    if (!plansPath) throw new TesseraError('not-found', target, 'has no plans.json');
    root = plansPath.slice(0, -'plans.json'.length);
  }
  const plansText = await readText(files, `${root}plans.json`);
  const datasetJsonText = await readText(files, `${root}dataset.json`);
  const plans = normalizePlans(JSON.parse(plansText), `${target}/plans.json`);
  const datasetJson = JSON.parse(datasetJsonText) as DatasetJson;
  assertTrainableLabels(datasetJson, `${target}/dataset.json`);
  if (!configuration) {
    const names = configurationNames(plans);
    throw new TesseraError(
      'bad-argument',
      target,
      `give the configuration with -c (plans has: ${names.join(', ')})`,
    );
  }
  const spec = networkSpecFromPlans(plans, configuration, datasetJson, {
    deepSupervision: true,
    plansFile: `${target}/plans.json`,
  });
  return {
    configuration,
    spec,
    plans,
    datasetJson,
    plansText,
    datasetJsonText,
    fingerprintText: await tryText(files, `${root}dataset_fingerprint.json`),
    weights,
    source,
  };
}

/** label name → value of a dataset.json, compared as sets of (name, value). */
function labelSignature(json: unknown): string {
  const labels = (json as { labels?: Record<string, unknown> }).labels ?? {};
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Read every training case of a raw dataset and preprocess it for the model. */
export async function loadTrainingCases(
  dir: string,
  model: StartingModel,
  progress: (line: string) => void,
): Promise<TrainingCase[]> {
  const ds = await openDataset(await directorySource(dir));
  const errors = ds.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new TesseraError('bad-dataset', dir, errors[0].message);
  if (labelSignature(ds.datasetJson) !== labelSignature(model.datasetJson))
    throw new TesseraError(
      'bad-dataset',
      `${dir}/dataset.json`,
      "labels differ from the model's dataset.json",
    );
  if (ds.channels.length !== model.spec.inputChannels)
    throw new TesseraError(
      'bad-dataset',
      `${dir}/dataset.json`,
      `has ${ds.channels.length} channel(s), the model takes ${model.spec.inputChannels}`,
    );
  if (ds.cases.length === 0) throw new TesseraError('bad-dataset', dir, 'has no training cases');
  const plans = readPreprocessingPlans(model.plans, model.configuration);
  const labels = model.datasetJson.labels;
  const source = await directorySource(dir);
  const out: TrainingCase[] = [];
  for (const c of ds.cases) {
    if (c.channelsInFrames)
      throw new TesseraError('bad-dataset', dir, 'Decathlon 4-D images are not supported here');
    const t0 = Date.now();
    const images = [];
    for (const f of c.images) images.push(await readVolume(await source.read(f), f));
    const label = await readVolume(await source.read(c.label), c.label);
    const tc = prepareTrainingCase(c.id, images, label, plans, labels);
    out.push(tc);
    progress(`  ${c.id}: ${tc.shape.join('×')} after preprocessing (${Date.now() - t0} ms)\n`);
  }
  return out;
}

export interface ResultsOut {
  dir: string;
  fold: number | 'all';
  checkpoints: Array<{ name: string; bytes: Uint8Array }>;
  onnx: Uint8Array | null;
  log: unknown;
  validation: unknown;
}

/** nnU-Net's results-folder layout: plans.json, dataset.json, dataset_fingerprint.json, fold_X/…. */
export async function writeResultsFolder(model: StartingModel, r: ResultsOut): Promise<string[]> {
  const written: string[] = [];
  const put = async (rel: string, bytes: Uint8Array) => {
    const p = path.join(r.dir, rel);
    await writeFileBytes(p, bytes);
    written.push(p);
  };
  const enc = new TextEncoder();
  await fs.mkdir(r.dir, { recursive: true });
  await put('plans.json', enc.encode(model.plansText));
  await put('dataset.json', enc.encode(model.datasetJsonText));
  if (model.fingerprintText) await put('dataset_fingerprint.json', enc.encode(model.fingerprintText));
  const fold = `fold_${r.fold}`;
  for (const c of r.checkpoints) await put(`${fold}/${c.name}`, c.bytes);
  if (r.onnx) await put(`${fold}/model.onnx`, r.onnx);
  await put(`${fold}/training_log.json`, enc.encode(JSON.stringify(r.log, null, 2)));
  await put(`${fold}/validation_dice.json`, enc.encode(JSON.stringify(r.validation, null, 2)));
  return written;
}

/** plans.json / dataset.json as Python's json.load sees them (key order, float-ness) for pickling. */
export function pythonJson(text: string): PyJsonValue {
  return parsePythonJson(text);
}
