import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../core/errors';
import {
  aggregateMetrics,
  type CaseMetrics,
  caseMetrics,
  type Metrics,
} from '../../core/inference/crossval-metrics';
import { determinePostprocessing, type EvaluatedCase } from '../../core/inference/determine-postprocessing';
import { averageProbabilities, probabilitiesToSegmentation } from '../../core/inference/ensemble';
import type { PostprocessingStep } from '../../core/inference/postprocessing';
import { PickleGlobal, PickleTuple, type PickleWritable, pickle } from '../../core/io/torch/pickle-writer';
import { readNpzArray } from '../../core/io/volume/npz';
import { zyxShape } from '../../core/io/volume/volume';
import { labelManager } from '../../core/nnunet/labels';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { expandNargs } from '../nnunet-flags';
import { nnunetFolder, resolveDatasetName } from '../nnunet-paths';
import { readFileBytes, readVolumeFile } from '../node-files';

/**
 * nnUNetv2_find_best_configuration from the cross-validation results the training left: each model's score
 * is the foreground mean Dice over its folds' validation cases (fold_X/validation/summary.json, merged as
 * accumulate_cv_results re-evaluates them), each pair's the same for the average of their validation
 * probabilities (fold_X/validation/<case>.npz, trained with --npz) against nnUNet_preprocessed's
 * gt_segmentations, as ensemble_crossvalidations + compute_metrics_on_folder do. The best is written to
 * inference_information.json and inference_instructions.txt as nnU-Net writes them.
 * The winner's postprocessing is then searched as determine_postprocessing does (against gt_segmentations).
 */

interface Model {
  plans: string;
  configuration: string;
  trainer: string;
}

// nnU-Net writes NaN (Python's json) where a label is absent from a case
const parseJson = (text: string, file: string) => {
  try {
    return JSON.parse(text.replace(/\bNaN\b/g, 'null'));
  } catch (e) {
    throw new TesseraError('bad-argument', file, `is not valid JSON (${(e as Error).message})`);
  }
};
const readJson = (file: string) => {
  if (!fs.existsSync(file)) throw new TesseraError('not-found', file, 'is missing');
  return parseJson(fs.readFileSync(file, 'utf8'), file);
};
/** Python's json.dump(sort_keys=True, indent=4), NaN as NaN. */
function pyJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object')
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
      );
    if (typeof x === 'number' && Number.isNaN(x)) return '__NaN__';
    return x;
  };
  return JSON.stringify(sort(v), null, 4).replace(/"__NaN__"/g, 'NaN');
}

function metricsJson(m: CaseMetrics): Record<string, Metrics> {
  return Object.fromEntries(m);
}

function summaryOf(cases: { metrics: CaseMetrics; reference: string; prediction: string }[]) {
  const { mean, foregroundMean } = aggregateMetrics(cases.map((c) => c.metrics));
  return {
    foreground_mean: foregroundMean,
    mean: Object.fromEntries(mean),
    metric_per_case: cases.map((c) => ({
      metrics: metricsJson(c.metrics),
      prediction_file: c.prediction,
      reference_file: c.reference,
    })),
  };
}

const numProcesses = () => Number(process.env.nnUNet_def_n_proc ?? 8);

export const findBestConfigurationCommand: Command = {
  name: 'find-best-configuration',
  summary:
    'pick the best configuration or ensemble of two from cross-validation, as nnUNetv2_find_best_configuration',
  usage: [
    'tessera find-best-configuration <dataset_name_or_id> [-p PLANS ...] [-c CONFIG ...] [-tr TRAINER ...]',
    '                                [-f 0 1 2 3 4] [--disable_ensembling] [-np N]',
    '  reads $nnUNet_results/<dataset>/<trainer>__<plans>__<config>/fold_X/validation/ (summary.json; <case>.npz',
    '  for ensembles) and $nnUNet_preprocessed/<dataset>/ (plans, gt_segmentations); writes nnU-Net’s',
    '  inference_information.json, inference_instructions.txt, the winner’s postprocessing.pkl/.json',
  ].join('\n'),
  async run(argv, out) {
    const args = expandNargs(argv, ['-p', '-c', '-tr', '-f']).map((a) =>
      a === '-tr' || a === '-np' ? `-${a}` : a,
    );
    const { values, positionals } = parseCommandArgs('find-best-configuration', args, {
      p: { type: 'string', short: 'p', multiple: true },
      c: { type: 'string', short: 'c', multiple: true },
      tr: { type: 'string', multiple: true },
      f: { type: 'string', short: 'f', multiple: true },
      np: { type: 'string' },
      disable_ensembling: { type: 'boolean' },
      no_overwrite: { type: 'boolean' },
    });
    if (positionals.length !== 1)
      throw new TesseraError(
        'bad-argument',
        'tessera find-best-configuration',
        'give one dataset name or ID',
      );
    const env = process.env;
    const results = nnunetFolder('nnUNet_results', env, 'tessera find-best-configuration');
    const dataset = resolveDatasetName(positionals[0], env);
    const folds = (values.f ?? ['0', '1', '2', '3', '4']).map((f) => (/^\d+$/.test(f) ? Number(f) : f));
    const foldString = folds.join('_');
    const trainers = values.tr ?? ['nnUNetTrainer'];
    const configs = values.c ?? ['2d', '3d_fullres', '3d_lowres', '3d_cascade_fullres'];
    const plansNames = values.p ?? ['nnUNetPlans'];
    const note = (t: string) => out.stderr(`${t}\n`);
    const folderOf = (m: Model) =>
      path.join(results, dataset, `${m.trainer}__${m.plans}__${m.configuration}`);

    // filter_available_models: configurations the plans do not have are skipped; a missing folder is fatal
    const models: Model[] = [];
    for (const trainer of trainers)
      for (const configuration of configs)
        for (const plans of plansNames) {
          const m = { plans, configuration, trainer };
          const pre = env.nnUNet_preprocessed
            ? path.join(env.nnUNet_preprocessed, dataset, `${plans}.json`)
            : '';
          const plansFile = pre && fs.existsSync(pre) ? pre : path.join(folderOf(m), 'plans.json');
          const available = fs.existsSync(plansFile)
            ? Object.keys(readJson(plansFile).configurations ?? {})
            : [];
          if (!available.includes(configuration)) {
            note(`Configuration ${configuration} not found in plans ${plans} (${plansFile}).`);
            continue;
          }
          if (!fs.existsSync(folderOf(m)))
            throw new TesseraError(
              'not-found',
              folderOf(m),
              `is missing: train ${trainer} ${plans} ${configuration} (all requested folds, with --npz to ensemble)`,
            );
          models.push(m);
        }
    if (models.length === 0)
      throw new TesseraError('not-found', dataset, 'has no trained model to choose from');

    const all: Record<string, { source: string; result: number }> = {};
    for (const m of models) {
      const folder = folderOf(m);
      const cases: { metrics: CaseMetrics; reference: string; prediction: string }[] = [];
      for (const f of folds) {
        const file = path.join(folder, `fold_${f}`, 'validation', 'summary.json');
        if (!fs.existsSync(file))
          throw new TesseraError(
            'not-found',
            file,
            `is missing: fold ${f} of ${path.basename(folder)} is not trained/validated`,
          );
        for (const c of readJson(file).metric_per_case ?? []) {
          const metrics: CaseMetrics = new Map(
            Object.entries(c.metrics as Record<string, Metrics>).map(([k, v]) => [
              k,
              Object.fromEntries(Object.entries(v).map(([n, x]) => [n, x === null ? Number.NaN : Number(x)])),
            ]),
          );
          cases.push({ metrics, reference: c.reference_file, prediction: c.prediction_file });
        }
      }
      const source = path.join(folder, `crossval_results_folds_${foldString}`);
      const summary = summaryOf(cases);
      fs.mkdirSync(source, { recursive: true });
      for (const f of ['plans.json', 'dataset.json'])
        fs.copyFileSync(path.join(folder, f), path.join(source, f));
      fs.writeFileSync(path.join(source, 'summary.json'), pyJson(summary));
      all[path.basename(folder)] = { source, result: summary.foreground_mean.Dice };
    }

    if (!values.disable_ensembling) {
      const gtFolder = path.join(
        nnunetFolder('nnUNet_preprocessed', env, 'ensembling'),
        dataset,
        'gt_segmentations',
      );
      for (let i = 0; i < models.length; i++)
        for (let j = i + 1; j < models.length; j++) {
          const [a, b] = [folderOf(models[i]), folderOf(models[j])];
          const id = `ensemble___${path.basename(a)}___${path.basename(b)}___${foldString}`;
          const ensembleFolder = path.join(results, dataset, 'ensembles', id);
          all[id] = {
            source: ensembleFolder,
            result: await scoreEnsemble(a, b, folds, gtFolder, ensembleFolder),
          };
        }
    }

    const best = Object.entries(all).reduce((x, y) => (y[1].result > x[1].result ? y : x));
    out.stdout('\n***All results:***\n');
    for (const [k, v] of Object.entries(all)) out.stdout(`${k}: ${v.result}\n`);
    out.stdout(`\n*Best*: ${best[0]}: ${best[1].result}\n`);
    const ppFile = path.join(best[1].source, 'postprocessing.pkl');
    const gtFolder = path.join(
      nnunetFolder('nnUNet_preprocessed', env, 'postprocessing'),
      dataset,
      'gt_segmentations',
    );
    const evaluated: EvaluatedCase[] = [];
    if (best[0].startsWith('ensemble___')) {
      const [, m1, m2] = best[0].split('___');
      await scoreEnsemble(
        path.join(results, dataset, m1),
        path.join(results, dataset, m2),
        folds,
        gtFolder,
        best[1].source,
        evaluated,
      );
    } else {
      const folder = path.join(results, dataset, best[0]);
      const ending = String(readJson(path.join(folder, 'dataset.json')).file_ending ?? '.nii.gz');
      for (const f of folds) {
        const dir = path.join(folder, `fold_${f}`, 'validation');
        for (const n of fs
          .readdirSync(dir)
          .filter((x) => x.endsWith(ending))
          .sort()) {
          const pred = await readVolumeFile(path.join(dir, n));
          const ref = await readVolumeFile(path.join(gtFolder, n));
          evaluated.push({
            reference: ref.data,
            prediction: asLabels(pred.data, path.join(dir, n)),
            shape: zyxShape(pred),
          });
        }
      }
    }
    const pp = await writePostprocessing(best[1].source, evaluated);
    out.stdout(`postprocessing: ${pp.description} (${best[1].result} → ${pp.post})\n`);
    const selected = best[0].startsWith('ensemble___') ? best[0].split('___').slice(1, 3) : [best[0]];
    const info = {
      folds,
      dataset_name_or_id: dataset,
      considered_models: models,
      ensembling_allowed: !values.disable_ensembling,
      all_results: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.result])),
      best_model_or_ensemble: {
        result_on_crossval_pre_pp: best[1].result,
        result_on_crossval_post_pp: pp.post,
        postprocessing_file: ppFile,
        some_plans_file: path.join(best[1].source, 'plans.json'),
        selected_model_or_models: selected.map((s) => {
          const [trainer, plans_identifier, configuration] = s.split('__');
          return { configuration, trainer, plans_identifier };
        }),
      },
    };
    fs.writeFileSync(path.join(results, dataset, 'inference_information.json'), pyJson(info));
    const text = instructions(info);
    fs.writeFileSync(path.join(results, dataset, 'inference_instructions.txt'), text);
    out.stdout(
      `\n***Run inference like this:***\n\n${text
        .split('\n')
        .slice(2)
        .join('\n')
        .replace(/nnUNetv2_predict/g, 'tessera predict')
        .replace(/nnUNetv2_ensemble/g, 'tessera ensemble')
        .replace(/nnUNetv2_apply_postprocessing/g, 'tessera apply-postprocessing')}`,
    );
    return 0;
  },
};

/** ensemble_crossvalidations + compute_metrics_on_folder for a pair of models; returns the foreground mean Dice. */
async function scoreEnsemble(
  a: string,
  b: string,
  folds: (number | string)[],
  gtFolder: string,
  outFolder: string,
  keep?: EvaluatedCase[],
) {
  const datasetJson = readJson(path.join(a, 'dataset.json'));
  const ending = String(datasetJson.file_ending ?? '.nii.gz');
  const scheme = labelManager(datasetJson, path.join(a, 'dataset.json'));
  const labels = scheme.hasRegions ? (scheme.regions ?? []) : scheme.foregroundLabels;
  const where = (model: string) => {
    const map = new Map<string, string>();
    for (const f of folds) {
      const dir = path.join(model, `fold_${f}`, 'validation');
      const npz = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.npz')) : [];
      if (npz.length === 0)
        throw new TesseraError(
          'not-found',
          dir,
          'holds no .npz probabilities: validate with nnUNetv2_train … --val --npz to ensemble',
        );
      for (const n of npz) map.set(n, path.join(dir, n));
    }
    return map;
  };
  const [ma, mb] = [where(a), where(b)];
  const names = [...new Set([...ma.keys(), ...mb.keys()])].sort();
  fs.mkdirSync(outFolder, { recursive: true });
  const cases = [];
  for (const n of names) {
    const fa = ma.get(n);
    const fb = mb.get(n);
    if (!fa || !fb) throw new TesseraError('not-found', fa ? b : a, `has no validation prediction ${n}`);
    const pa = await readNpzArray(await readFileBytes(fa), fa, 'probabilities');
    const pb = await readNpzArray(await readFileBytes(fb), fb, 'probabilities');
    const avg = averageProbabilities([pa.data as Float32Array, pb.data as Float32Array]);
    const seg = probabilitiesToSegmentation(avg, pa.shape[0], scheme);
    const id = n.slice(0, -4);
    const reference = path.join(gtFolder, `${id}${ending}`);
    const ref = await readVolumeFile(reference);
    if (ref.data.length !== seg.length)
      throw new TesseraError(
        'grid-mismatch',
        reference,
        `does not match the validation probabilities of ${id}`,
      );
    cases.push({
      metrics: caseMetrics(ref.data, seg, labels, scheme.ignoreLabel),
      reference,
      prediction: path.join(outFolder, `${id}${ending}`),
    });
    keep?.push({ reference: ref.data, prediction: seg, shape: zyxShape(ref) });
  }
  for (const f of ['plans.json', 'dataset.json']) fs.copyFileSync(path.join(a, f), path.join(outFolder, f));
  const summary = summaryOf(cases);
  fs.writeFileSync(path.join(outFolder, 'summary.json'), pyJson(summary));
  return summary.foreground_mean.Dice;
}

function asLabels(data: ArrayLike<number>, file: string): Uint8Array | Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.round(data[i]);
    if (!(v >= 0 && v <= 65535))
      throw new TesseraError('bad-argument', file, `holds ${data[i]}, not a label`);
    out[i] = v;
  }
  return out;
}

/**
 * determine_postprocessing on the winner's cross-validation predictions: postprocessing.pkl (functions,
 * kwargs), postprocessing.json and postprocessed/summary.json in its folder, as nnU-Net writes them.
 */
async function writePostprocessing(source: string, cases: EvaluatedCase[]) {
  const datasetJson = readJson(path.join(source, 'dataset.json'));
  const scheme = labelManager(datasetJson, path.join(source, 'dataset.json'));
  const labels = scheme.hasRegions ? (scheme.regions ?? []) : scheme.foregroundLabels;
  const r = determinePostprocessing(cases, labels, scheme.foregroundLabels, scheme.ignoreLabel);
  // a region is a tuple in nnU-Net's kwargs; the all-foreground step a list of labels
  const kw = (s: PostprocessingStep): PickleWritable =>
    Array.isArray(s.labelsOrRegions)
      ? s.labelsOrRegions === scheme.foregroundLabels
        ? (s.labelsOrRegions as number[])
        : new PickleTuple(s.labelsOrRegions as number[])
      : s.labelsOrRegions;
  const fn = new PickleGlobal(
    'nnunetv2.postprocessing.remove_connected_components',
    'remove_all_but_largest_component_from_segmentation',
  );
  fs.writeFileSync(
    path.join(source, 'postprocessing.pkl'),
    pickle(new PickleTuple([r.steps.map(() => fn), r.steps.map((s) => ({ labels_or_regions: kw(s) }))]), 3),
  );
  const part = (x: { mean: Map<string, Metrics>; foregroundMean: Metrics }) => ({
    foreground_mean: x.foregroundMean,
    mean: Object.fromEntries(x.mean),
  });
  fs.writeFileSync(
    path.join(source, 'postprocessing.json'),
    pyJson({
      input_folder: part(r.baseline),
      postprocessed: part(r.final),
      postprocessing_fns: r.steps.map((s) => s.fn),
      postprocessing_kwargs: r.steps.map((s) => ({ labels_or_regions: s.labelsOrRegions })),
    }),
  );
  fs.mkdirSync(path.join(source, 'postprocessed'), { recursive: true });
  fs.writeFileSync(path.join(source, 'postprocessed', 'summary.json'), pyJson(part(r.final)));
  const description = r.steps.length
    ? r.steps.map((s) => `keep the largest component of ${JSON.stringify(s.labelsOrRegions)}`).join(', then ')
    : 'none improves the cross-validation Dice';
  return { post: r.final.foregroundMean.Dice, description };
}

/** print_inference_instructions + generate_inference_command, character for character. */
function instructions(info: {
  folds: (number | string)[];
  dataset_name_or_id: string;
  best_model_or_ensemble: {
    selected_model_or_models: { configuration: string; trainer: string; plans_identifier: string }[];
    postprocessing_file: string | null;
    some_plans_file: string;
  };
}): string {
  const lines: string[] = ['***Run inference like this:***\n'];
  const selected = info.best_model_or_ensemble.selected_model_or_models;
  const isEnsemble = selected.length > 1;
  if (isEnsemble)
    lines.push(
      'An ensemble won! What a surprise! Run the following commands to run predictions with the ensemble members:\n',
    );
  const outputs: string[] = [];
  const foldStr = info.folds.map((f) => ` ${f}`).join('');
  selected.forEach((m, j) => {
    const o = isEnsemble ? `OUTPUT_FOLDER_MODEL_${j + 1}` : 'OUTPUT_FOLDER';
    outputs.push(o);
    let cmd = `nnUNetv2_predict -d ${info.dataset_name_or_id} -i INPUT_FOLDER -o ${o} -f ${foldStr} -tr ${m.trainer} -c ${m.configuration} -p ${m.plans_identifier}`;
    if (isEnsemble) cmd += ' --save_probabilities';
    lines.push(cmd);
  });
  if (isEnsemble) {
    lines.push('\nThe run ensembling with:\n');
    lines.push(`nnUNetv2_ensemble -i ${outputs.join(' ')} -o OUTPUT_FOLDER -np ${numProcesses()}`);
  }
  lines.push('\n***Once inference is completed, run postprocessing like this:***\n');
  lines.push(
    `nnUNetv2_apply_postprocessing -i OUTPUT_FOLDER -o OUTPUT_FOLDER_PP -pp_pkl_file ${info.best_model_or_ensemble.postprocessing_file} -np ${numProcesses()} -plans_json ${info.best_model_or_ensemble.some_plans_file}`,
  );
  return `${lines.join('\n')}\n`;
}
