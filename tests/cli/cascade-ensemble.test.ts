import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostprocessingFile } from '../../src/core/inference/postprocessing-file';
import {
  NUMPY_PICKLE,
  predictionPropertiesPickle,
  readPredictionProperties,
} from '../../src/core/inference/prediction-properties';
import { PickleObject, type PickleValue, unpickle } from '../../src/core/io/torch/pickle';
import { runCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/fixtures';
import {
  compareLabels,
  maxAffineDifference,
  maxProbabilityDifference,
  readNpyPath,
  readProbabilitiesNpz,
  readVolumePath,
} from '../helpers/parity';

/**
 * The cascade, nnUNetv2_ensemble and nnUNetv2_apply_postprocessing against nnU-Net v2's own code on results
 * folders nnU-Net planned (3d_lowres, 3d_cascade_fullres, 3d_fullres; two folds each) and a scan none of them
 * saw — made by scripts/fixtures/cascade_ensemble_reference.py. Labels must agree on ≥ 99.9 % of voxels,
 * probabilities (at nnU-Net's sampled voxels) within 2e-2.
 */
const ROOT = path.join(FIXTURES, 'cascade');
const OUT = path.resolve('test-results/cascade-ensemble');
const INPUT = path.join(ROOT, 'input');
const CASE = 'casc_000';
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  fs.rmSync(OUT, { recursive: true, force: true });
  saved.nnUNet_results = process.env.nnUNet_results;
  process.env.nnUNet_results = ROOT;
});
afterAll(() => {
  if (saved.nnUNet_results === undefined) delete process.env.nnUNet_results;
  else process.env.nnUNet_results = saved.nnUNet_results;
});

async function expectLikeNnunet(outDir: string, expected: string, probabilities = true) {
  const ours = await readVolumePath(path.join(outDir, `${CASE}.nii.gz`));
  const theirs = await readVolumePath(path.join(ROOT, expected, `${CASE}.nii.gz`));
  expect(ours.shape).toEqual(theirs.shape);
  expect(compareLabels(ours.data, theirs.data).agreement).toBeGreaterThanOrEqual(0.999);
  expect(maxAffineDifference(ours, theirs)).toBeLessThan(1e-5);
  if (!probabilities) return;
  const probs = await readProbabilitiesNpz(path.join(outDir, `${CASE}.npz`));
  const d = maxProbabilityDifference(
    probs.data,
    readNpyPath(path.join(ROOT, expected, `${CASE}_prob_index.npy`)),
    readNpyPath(path.join(ROOT, expected, `${CASE}_prob_values.npy`)),
  );
  expect(d).toBeLessThanOrEqual(2e-2);
}

const predict = (config: string, out: string, ...extra: string[]) =>
  runCli(
    'predict',
    '-i',
    INPUT,
    '-o',
    path.join(OUT, out),
    '-d',
    '920',
    '-c',
    config,
    '-f',
    '0',
    '1',
    '--disable_tta',
    '--save_probabilities',
    '-q',
    ...extra,
  );

describe('nnU-Net cascade, ensemble and postprocessing', () => {
  it('predicts 3d_cascade_fullres after running 3d_lowres itself, as nnU-Net with -prev_stage_predictions', async () => {
    const r = await predict('3d_cascade_fullres', 'cascade');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await expectLikeNnunet(path.join(OUT, 'cascade'), 'expected_cascade');
  }, 120_000);

  it('honours -prev_stage_predictions (nnU-Net’s own 3d_lowres segmentation)', async () => {
    const r = await predict(
      '3d_cascade_fullres',
      'cascade_prev',
      '-prev_stage_predictions',
      path.join(ROOT, 'expected_lowres'),
    );
    expect(r.code).toBe(0);
    await expectLikeNnunet(path.join(OUT, 'cascade_prev'), 'expected_cascade');
    const missing = await predict(
      '3d_cascade_fullres',
      'cascade_missing',
      '-prev_stage_predictions',
      path.join(ROOT, 'input'),
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /casc_000\.nii\.gz: is missing: -prev_stage_predictions must hold every case/,
    );
  }, 120_000);

  it('ensembles 3d_fullres + 3d_lowres probabilities as nnUNetv2_ensemble, then postprocesses as nnUNetv2_apply_postprocessing', async () => {
    for (const [config, out] of [
      ['3d_fullres', 'fullres'],
      ['3d_lowres', 'lowres'],
    ]) {
      const r = await predict(config, out);
      expect(r.code).toBe(0);
      await expectLikeNnunet(path.join(OUT, out), `expected_${out}`);
    }
    const ens = path.join(OUT, 'ensemble');
    const r = await runCli(
      'ensemble',
      '-i',
      path.join(OUT, 'fullres'),
      path.join(OUT, 'lowres'),
      '-o',
      ens,
      '--save_npz',
      '-np',
      '2',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/-np: ignored/);
    await expectLikeNnunet(ens, 'expected_ensemble');
    expect(fs.existsSync(path.join(ens, `${CASE}.pkl`))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(ens, 'dataset.json'), 'utf8')).file_ending).toBe('.nii.gz');

    const pp = path.join(OUT, 'ensemble_pp');
    const p = await runCli(
      'apply-postprocessing',
      '-i',
      ens,
      '-o',
      pp,
      '-pp_pkl_file',
      path.join(ROOT, 'postprocessing.pkl'),
      '-plans_json',
      path.join(OUT, 'fullres', 'plans.json'),
    );
    expect(p.code).toBe(0);
    await expectLikeNnunet(pp, 'expected_ensemble_pp', false);
    const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'expected.json'), 'utf8'));
    expect(expected.voxels_changed_by_postprocessing).toBeGreaterThan(0);

    const lacking = await runCli(
      'ensemble',
      '-i',
      path.join(OUT, 'fullres'),
      path.join(OUT, 'cascade_missing'),
      '-o',
      path.join(OUT, 'x'),
    );
    expect(lacking.code).toBe(2);
    expect(lacking.stderr.trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('writes the <case>.pkl nnU-Net writes (same keys, values and types) and reads nnU-Net’s', () => {
    const theirsBytes = new Uint8Array(fs.readFileSync(path.join(ROOT, 'expected_lowres', `${CASE}.pkl`)));
    const theirs = readPredictionProperties(theirsBytes, 'nnU-Net pkl');
    expect(theirs.spacing.map((s) => +s.toFixed(5))).toEqual([2.2, 1.6, 1.55]);
    expect(theirs.affine[0][3]).toBe(31.5);
    const ours = predictionPropertiesPickle(
      {
        spacing: theirs.spacing,
        shape_before_cropping: [36, 66, 70],
        bbox_used_for_cropping: [
          [0, 36],
          [0, 66],
          [0, 70],
        ],
        shape_after_cropping_and_before_resampling: [36, 66, 70],
      },
      'NibabelIO',
      theirs.affine,
    );
    const plain = (v: PickleValue): unknown => {
      if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]));
      if (Array.isArray(v)) return v.map(plain);
      if (v instanceof PickleObject)
        return { global: v.global, args: plain(v.args as PickleValue), state: plain(v.state) };
      if (v instanceof Uint8Array) return Array.from(v);
      return v;
    };
    expect(plain(unpickle(ours, 'ours', NUMPY_PICKLE))).toEqual(
      plain(unpickle(theirsBytes, 'theirs', NUMPY_PICKLE)),
    );
    // nnU-Net's postprocessing.pkl: (functions, kwargs)
    const steps = readPostprocessingFile(
      new Uint8Array(fs.readFileSync(path.join(ROOT, 'postprocessing.pkl'))),
      'postprocessing.pkl',
    );
    expect(steps).toEqual([
      { fn: 'remove_all_but_largest_component_from_segmentation', labelsOrRegions: [1, 2] },
    ]);
  });
});
