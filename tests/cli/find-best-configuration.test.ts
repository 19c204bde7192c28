import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePostprocessing } from '../../src/core/inference/postprocessing';
import { readPostprocessingFile } from '../../src/core/inference/postprocessing-file';
import { runCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/fixtures';

/**
 * `tessera find-best-configuration` against nnU-Net's find_best_configuration on the same tree (two
 * configurations × two folds, validation summaries written by nnU-Net's compute_metrics_on_folder, --npz
 * probabilities): scripts/fixtures/find_best_configuration_reference.py. Tessera does not search
 * postprocessing, so only the postprocessing fields and line differ.
 */
const ROOT = path.join(FIXTURES, 'find_best');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-find-best-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const parse = (text: string) => JSON.parse(text.replace(/\bNaN\b/g, 'null'));
const expected = (name: string) => fs.readFileSync(path.join(ROOT, 'expected', name), 'utf8');

describe('tessera find-best-configuration', () => {
  it('scores configurations and their ensemble as nnU-Net does and writes inference_information.json', async () => {
    const tree = path.join(tmp, 'tree');
    fs.cpSync(path.join(ROOT, 'tree'), tree, { recursive: true });
    const env = Object.fromEntries(
      ['nnUNet_raw', 'nnUNet_preprocessed', 'nnUNet_results', 'nnUNet_def_n_proc'].map((k) => [
        k,
        process.env[k],
      ]),
    );
    Object.assign(process.env, {
      nnUNet_raw: path.join(tree, 'nnUNet_raw'),
      nnUNet_preprocessed: path.join(tree, 'nnUNet_preprocessed'),
      nnUNet_results: path.join(tree, 'nnUNet_results'),
      nnUNet_def_n_proc: '1',
    });
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      r = await runCli(
        'find-best-configuration',
        '921',
        '-c',
        '2d',
        '3d_fullres',
        '3d_lowres',
        '-f',
        '0',
        '1',
      );
    } finally {
      for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Configuration 3d_lowres not found in plans nnUNetPlans/);
    expect(r.stdout).toMatch(
      /tessera predict -d Dataset921_FindBest -i INPUT_FOLDER -o OUTPUT_FOLDER_MODEL_1 -f {2}0 1/,
    );
    const res = path.join(tree, 'nnUNet_results', 'Dataset921_FindBest');
    const ours = parse(
      fs.readFileSync(path.join(res, 'inference_information.json'), 'utf8').replaceAll(tree, 'TREE'),
    );
    const theirs = parse(expected('inference_information.json'));
    expect(Object.keys(ours.all_results)).toEqual(Object.keys(theirs.all_results));
    for (const k of Object.keys(theirs.all_results))
      expect(ours.all_results[k]).toBeCloseTo(theirs.all_results[k], 12);
    const { result_on_crossval_post_pp, result_on_crossval_pre_pp, ...best } = theirs.best_model_or_ensemble;
    expect(ours.best_model_or_ensemble).toMatchObject(best);
    expect(ours.best_model_or_ensemble.result_on_crossval_pre_pp).toBeCloseTo(result_on_crossval_pre_pp, 12);
    // nnU-Net's postprocessing raises the Dice here: the search must find the same steps
    expect(result_on_crossval_post_pp).toBeGreaterThan(result_on_crossval_pre_pp);
    expect(ours.best_model_or_ensemble.result_on_crossval_post_pp).toBeCloseTo(
      result_on_crossval_post_pp,
      12,
    );
    const ppFile = ours.best_model_or_ensemble.postprocessing_file.replace('TREE', tree);
    const ourPp = parse(fs.readFileSync(path.join(path.dirname(ppFile), 'postprocessing.json'), 'utf8'));
    const theirPp = parse(expected('postprocessing.json'));
    expect(ourPp.postprocessing_fns).toEqual(theirPp.postprocessing_fns);
    expect(ourPp.postprocessing_kwargs).toEqual(theirPp.postprocessing_kwargs);
    expect(ourPp.postprocessed.foreground_mean.Dice).toBeCloseTo(
      theirPp.postprocessed.foreground_mean.Dice,
      12,
    );
    expect(readPostprocessingFile(new Uint8Array(fs.readFileSync(ppFile)), 'pkl')).toEqual(
      parsePostprocessing(theirPp),
    );
    for (const k of ['considered_models', 'dataset_name_or_id', 'ensembling_allowed', 'folds'])
      expect(ours[k]).toEqual(theirs[k]);
    const text = fs
      .readFileSync(path.join(res, 'inference_instructions.txt'), 'utf8')
      .replaceAll(tree, 'TREE');
    expect(text).toBe(expected('inference_instructions.txt'));
    // merged cross-validation and ensemble summaries: every metric per label and the foreground mean
    const summaries: [string, string][] = [
      ['nnUNetTrainer__nnUNetPlans__2d/crossval_results_folds_0_1/summary.json', 'crossval_2d_summary.json'],
      [
        'nnUNetTrainer__nnUNetPlans__3d_fullres/crossval_results_folds_0_1/summary.json',
        'crossval_3d_fullres_summary.json',
      ],
      [
        'ensembles/ensemble___nnUNetTrainer__nnUNetPlans__2d___nnUNetTrainer__nnUNetPlans__3d_fullres___0_1/summary.json',
        'ensemble_summary.json',
      ],
    ];
    for (const [ourFile, theirFile] of summaries) {
      const o = parse(fs.readFileSync(path.join(res, ourFile), 'utf8'));
      const t = parse(expected(theirFile));
      for (const [m, v] of Object.entries(t.foreground_mean))
        expect(o.foreground_mean[m]).toBeCloseTo(v as number, 10);
      for (const [label, metrics] of Object.entries(t.mean))
        for (const [m, v] of Object.entries(metrics as Record<string, number>))
          expect(o.mean[label][m]).toBeCloseTo(v, 10);
      expect(o.metric_per_case).toHaveLength(t.metric_per_case.length);
    }
  }, 60_000);
});
