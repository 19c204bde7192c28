import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nnunetPlanArgv, nnunetPredictArgv } from '../../src/cli/nnunet-flags';
import { resolveDatasetName } from '../../src/cli/nnunet-paths';
import { selectCases } from '../../src/cli/predict-case-selection';
import { readVolume } from '../../src/core/io/volume/read-volume';
import { runCli } from '../helpers/cli';
import { REFERENCE, SHARED, sharedBytes } from '../helpers/shared';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-nnunet-flags-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const PLANNING = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/planning');
const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

/** An nnU-Net folder tree: $nnUNet_results/Dataset001_TSAbdomenCT/<trainer__plans__config>/fold_{0,1}. */
function makeResults(): Record<string, string> {
  const results = path.join(tmp, 'results');
  const model = path.join(results, 'Dataset001_TSAbdomenCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres_tiny');
  for (const f of ['plans.json', 'dataset.json']) {
    fs.mkdirSync(model, { recursive: true });
    fs.copyFileSync(path.join(TINY, f), path.join(model, f));
  }
  for (const fold of ['fold_0', 'fold_1']) {
    fs.mkdirSync(path.join(model, fold), { recursive: true });
    fs.copyFileSync(
      path.join(TINY, 'fold_0/checkpoint_final.pth'),
      path.join(model, fold, 'checkpoint_final.pth'),
    );
  }
  return {
    nnUNet_results: results,
    nnUNet_raw: path.join(tmp, 'raw'),
    nnUNet_preprocessed: path.join(tmp, 'pre'),
  };
}

async function withEnv<T>(env: Record<string, string>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await f();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('nnU-Net flag spellings', () => {
  it('turns nnUNetv2_predict argv into Tessera’s', () => {
    const env = makeResults();
    const notes: string[] = [];
    const out = { stdout: () => {}, stderr: (t: string) => notes.push(t) };
    const argv = nnunetPredictArgv(
      '-i in -o out -d 1 -c 3d_fullres_tiny -f 0 1 2 3 4 -step_size 0.7 --disable_tta --save_probabilities -chk checkpoint_best.pth -npp 3 -nps 2 -device cuda --verbose --continue_prediction -num_parts 2 -part_id 1 -prev_stage_predictions prev'.split(
        ' ',
      ),
      out,
      env,
    );
    expect(argv).toEqual([
      '-i',
      'in',
      '-o',
      'out',
      '-c',
      '3d_fullres_tiny',
      '-f',
      '0',
      '-f',
      '1',
      '-f',
      '2',
      '-f',
      '3',
      '-f',
      '4',
      '--step-size',
      '0.7',
      '--disable-tta',
      '--save-probabilities',
      '--checkpoint',
      'checkpoint_best.pth',
      '--continue-prediction',
      '--num-parts',
      '2',
      '--part-id',
      '1',
      '--prev-stage-predictions',
      'prev',
      '-m',
      path.join(env.nnUNet_results, 'Dataset001_TSAbdomenCT', 'nnUNetTrainer__nnUNetPlans__3d_fullres_tiny'),
    ]);
    expect(notes).toHaveLength(3); // -npp, -nps, -device cuda
    expect(notes[2]).toMatch(/^tessera predict: -device cuda: .*--backend/);
    // -tr / -p build the folder name as get_output_folder does; a dataset name is taken as is
    expect(
      nnunetPredictArgv(['-d', 'Dataset001_TSAbdomenCT', '-tr', 'T', '-p', 'P', '-c', 'C'], undefined, env),
    ).toContain(path.join(env.nnUNet_results, 'Dataset001_TSAbdomenCT', 'T__P__C'));
    // predict_from_modelfolder: -m, -f all, --c, -device cpu
    expect(nnunetPredictArgv(['-m', 'M', '-f', 'all', '--c', '-device', 'cpu'], undefined, env)).toEqual([
      '-m',
      'M',
      '-f',
      'all',
      '--continue-prediction',
      '--backend',
      'cpu',
    ]);
    // Tessera's own spellings pass through
    expect(nnunetPredictArgv(['-f', '0', '-f', '1', '--disable-tta'], undefined, env)).toEqual([
      '-f',
      '0',
      '-f',
      '1',
      '--disable-tta',
    ]);
    expect(() => nnunetPredictArgv(['-d', '1', '-f', '0'], undefined, env)).toThrow(
      /-c <configuration> is required/,
    );
    expect(() => nnunetPredictArgv(['-device', 'tpu'], undefined, env)).toThrow(/cpu, mps or cuda/);
    expect(() => nnunetPredictArgv(['-f', '-c', 'x'], undefined, env)).toThrow(
      /-f: expects at least one value/,
    );
  });

  it('resolves dataset IDs as maybe_convert_to_dataset_name does', () => {
    const env = makeResults();
    expect(resolveDatasetName('1', env)).toBe('Dataset001_TSAbdomenCT');
    expect(resolveDatasetName('001', env)).toBe('Dataset001_TSAbdomenCT');
    expect(resolveDatasetName('Dataset777_Whatever', env)).toBe('Dataset777_Whatever');
    expect(() => resolveDatasetName('2', env)).toThrow(/no dataset with ID 2 \(Dataset002_…\)/);
    expect(() => resolveDatasetName('abc', env)).toThrow(/dataset ID/);
    fs.mkdirSync(path.join(env.nnUNet_raw, 'Dataset001_Other'), { recursive: true });
    try {
      expect(() => resolveDatasetName('1', env)).toThrow(/more than one dataset has ID 1/);
    } finally {
      fs.rmSync(path.join(env.nnUNet_raw, 'Dataset001_Other'), { recursive: true });
    }
    expect(() => nnunetPredictArgv(['-d', '1', '-c', 'x'], undefined, {})).toThrow(/nnUNet_results/);
  });

  it('turns nnUNetv2_plan_and_preprocess argv into Tessera’s, one per dataset', () => {
    const env = { nnUNet_raw: path.join(PLANNING, 'raw'), nnUNet_preprocessed: path.join(tmp, 'pre') };
    const notes: string[] = [];
    const runs = nnunetPlanArgv(
      '-d 205 201 -pl nnUNetPlannerResEncL -gpu_memory_target 24 -overwrite_plans_name X -overwrite_target_spacing 1 2 3 --verify_dataset_integrity -np 4 -c 3d_fullres'.split(
        ' ',
      ),
      { stdout: () => {}, stderr: (t) => notes.push(t) },
      env,
    );
    const tail = [
      '--planner',
      'nnUNetPlannerResEncL',
      '--gpu-memory-gb',
      '24',
      '--plans-name',
      'X',
      '--target-spacing',
      '1,2,3',
    ];
    expect(runs).toEqual([
      [
        path.join(env.nnUNet_raw, 'Dataset205_LegacyV1'),
        '-o',
        path.join(env.nnUNet_preprocessed, 'Dataset205_LegacyV1'),
        '--dataset-name',
        'Dataset205_LegacyV1',
        ...tail,
      ],
      [
        path.join(env.nnUNet_raw, 'Dataset201_AnisoMR'),
        '-o',
        path.join(env.nnUNet_preprocessed, 'Dataset201_AnisoMR'),
        '--dataset-name',
        'Dataset201_AnisoMR',
        ...tail,
      ],
    ]);
    expect(notes).toHaveLength(2);
    expect(nnunetPlanArgv(['dir', '-o', 'out'], undefined, env)).toEqual([['dir', '-o', 'out']]);
    expect(() => nnunetPlanArgv(['-d', '205', '-fpe', 'Mine'], undefined, env)).toThrow(
      /only DatasetFingerprintExtractor/,
    );
  });

  it('selects cases as -num_parts/-part_id and --continue_prediction do', () => {
    const out = path.join(tmp, 'sel');
    fs.mkdirSync(out, { recursive: true });
    const cases = ['b', 'a', 'C', 'd', 'e'].map((id) => ({ id }));
    // Python's sorted order (upper case first), then every 2nd from 1
    expect(
      selectCases(cases, { numParts: '2', partId: '1', output: out, ending: '.nii.gz' }).cases.map(
        (c) => c.id,
      ),
    ).toEqual(['a', 'd']);
    fs.writeFileSync(path.join(out, 'a.nii.gz'), '');
    const s = selectCases(cases, { skipExisting: true, output: out, ending: '.nii.gz' });
    expect(s.skipped).toEqual(['a']);
    expect(
      selectCases(cases, { skipExisting: true, saveProbabilities: true, output: out, ending: '.nii.gz' })
        .skipped,
    ).toEqual([]);
    expect(() => selectCases(cases, { numParts: '2', partId: '2', output: out, ending: '.nii.gz' })).toThrow(
      /--part-id/,
    );
  });
});

describe('tessera predict / plan with nnU-Net’s command lines', () => {
  it('runs `-d 1 -c … -f 0 1 -step_size 0.5 --disable_tta -chk …` and matches nnU-Net', async () => {
    const env = makeResults();
    const inDir = path.join(tmp, 'in');
    fs.mkdirSync(inDir, { recursive: true });
    fs.copyFileSync(
      path.join(SHARED, 'data/volumes/ct/niivue_CT_pitch.nii.gz'),
      path.join(inDir, 'ctpitch_0000.nii.gz'),
    );
    const outDir = path.join(tmp, 'pred');
    const argv = ['predict', '-i', inDir, '-o', outDir, '-d', '1', '-c', '3d_fullres_tiny', '-f', '0', '1'];
    const flags = [
      '-step_size',
      '0.5',
      '--disable_tta',
      '-chk',
      'checkpoint_final.pth',
      '-npp',
      '1',
      '-nps',
      '1',
      '-device',
      'cpu',
    ];
    const r = await withEnv(env, () => runCli(...argv, ...flags));
    expect(r.stderr).toMatch(/-npp: ignored/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).folds).toEqual(['0', '1']);
    // two identical folds average to the one fold nnU-Net predicted with
    const ours = await readVolume(
      new Uint8Array(fs.readFileSync(path.join(outDir, 'ctpitch.nii.gz'))),
      'ours',
    );
    const theirs = await readVolume(sharedBytes('reference/inference/ctpitch_nomirror_seg.nii.gz'), 'theirs');
    expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
    // --continue_prediction: the case is there, nothing is predicted
    const again = await withEnv(env, () => runCli(...argv, ...flags, '--continue_prediction'));
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/1 case\(s\) already predicted, skipped/);
    expect(JSON.parse(again.stdout).cases).toEqual([]);
    const missing = await withEnv(env, () => runCli(...argv, '-f', '7'));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('plans `-d 205 -pl nnUNetPlannerResEncL` into $nnUNet_preprocessed, byte for byte', async () => {
    const env = {
      nnUNet_raw: path.join(PLANNING, 'raw'),
      nnUNet_preprocessed: path.join(tmp, 'pre'),
      nnUNet_results: path.join(tmp, 'none'),
    };
    const r = await withEnv(env, () =>
      runCli('plan', '-d', '205', '-pl', 'nnUNetPlannerResEncL', '--verify_dataset_integrity', '-np', '2'),
    );
    expect(r.code).toBe(0);
    const exp = JSON.parse(
      fs.readFileSync(path.join(PLANNING, 'datasets_expected.json'), 'utf8'),
    ).Dataset205_LegacyV1;
    const out = path.join(env.nnUNet_preprocessed, 'Dataset205_LegacyV1');
    expect(fs.readFileSync(path.join(out, 'nnUNetResEncUNetLPlans.json'), 'utf8')).toBe(
      exp.plans.nnUNetPlannerResEncL.text,
    );
    expect(fs.readFileSync(path.join(out, 'dataset_fingerprint.json'), 'utf8')).toBe(
      exp['dataset_fingerprint.json'],
    );
  }, 60_000);
});
