import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
import { REFERENCE, SHARED } from '../helpers/shared';

/**
 * `tessera predict` against nnU-Net v2's own predictor (nnUNetPredictor.predict_from_files with
 * save_probabilities, then nnUNetv2_apply_postprocessing) on results folders and scans made by
 * scripts/fixtures/inference_reference.py: several folds, TTA mirroring, 2-D and 3-D, an anisotropic MR
 * with a transposed axis order, a region-based model, postprocessing, and the shared model on a 6 mm CT.
 *
 * Tolerances: labels ≥ 99.9 % (measured: 100 % on every case, onnxruntime-node CPU). Probabilities 2e-3:
 * nnU-Net accumulates logits in float16, so an ONNX-vs-PyTorch difference far below 1e-4 can still move
 * an accumulated logit by one float16 step (≤ 7.8e-3 below |8|), which moves a softmax probability by at
 * most a quarter of that; measured ≤ 4e-5.
 */
const ROOT = path.join(FIXTURES, 'inference');
const OUT = path.resolve('test-results/predict-parity');
const PROBABILITY_TOLERANCE = 2e-3;

interface Expected {
  results_folder: string;
  folds: (number | string)[];
  cases: Record<string, { label_counts: Record<string, number>; probabilities_shape: number[] }>;
}

async function predictAndCompare(o: {
  name: string;
  input: string;
  model: string;
  expectedDir: string;
  id: string;
  args: string[];
  segmentation: string;
}) {
  const out = path.join(OUT, o.name);
  fs.rmSync(out, { recursive: true, force: true });
  const r = await runCli(
    'predict',
    '-i',
    o.input,
    '-o',
    out,
    '-m',
    o.model,
    '--save-probabilities',
    '--backend',
    'cpu',
    '--threads',
    '2',
    '-q',
    ...o.args,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const ours = await readVolumePath(path.join(out, `${o.id}.nii.gz`));
  const theirs = await readVolumePath(path.join(o.expectedDir, o.segmentation));
  expect(ours.shape).toEqual(theirs.shape);
  expect(maxAffineDifference(ours, theirs)).toBeLessThan(1e-5);
  const labels = compareLabels(ours.data, theirs.data);
  const probabilities = await readProbabilitiesNpz(path.join(out, `${o.id}.npz`));
  const maxDiff = maxProbabilityDifference(
    probabilities.data,
    readNpyPath(path.join(o.expectedDir, `${o.id}_prob_index.npy`)),
    readNpyPath(path.join(o.expectedDir, `${o.id}_prob_values.npy`)),
  );
  console.log(
    `${o.name}: labels ${(100 * labels.agreement).toFixed(4)} % equal (${labels.differing} of ${labels.voxels} differ); probabilities max |d| ${maxDiff.toExponential(2)}`,
  );
  expect(labels.agreement).toBeGreaterThanOrEqual(0.999);
  expect(maxDiff).toBeLessThan(PROBABILITY_TOLERANCE);
  return { probabilities, summary: JSON.parse(r.stdout) };
}

const CASES: { dir: string; id: string; what: string; postprocessed?: boolean; tiles: number }[] = [
  {
    dir: 'ct3d_folds',
    id: 'synthct_100',
    what: '3-D CT, 3 folds, TTA (0,1,2), resampled, LPS affine, postprocessing.json',
    postprocessed: true,
    tiles: 192,
  },
  {
    dir: 'mr2d',
    id: 'synth2d_100',
    what: '2-D configuration, 2 channels, folds 0 and 1 by default (fold_all left out, as nnU-Net), TTA (0,1)',
    tiles: 160,
  },
  {
    dir: 'mr_aniso',
    id: 'aniso_100',
    what: 'anisotropic MR (4.8 × 0.7 × 0.9 mm), transpose_forward [2,0,1], separate-z, crop, 2 folds, TTA',
    tiles: 32,
  },
  { dir: 'regions', id: 'regions_100', what: 'region-based ResEnc U-Net, 3 folds, TTA, crop', tiles: 192 },
];

describe('tessera predict equals nnU-Net’s predictor', () => {
  for (const c of CASES) {
    it(`${c.dir}: ${c.what}`, async () => {
      const dir = path.join(ROOT, c.dir);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const { probabilities, summary } = await predictAndCompare({
        name: c.dir,
        input: path.join(dir, 'input'),
        model: path.join(dir, expected.results_folder),
        expectedDir: path.join(dir, 'expected'),
        id: c.id,
        args: [],
        segmentation: c.postprocessed ? `${c.id}_postprocessed.nii.gz` : `${c.id}.nii.gz`,
      });
      expect(summary.folds).toEqual(expected.folds.map(String));
      // tiles × (1 + mirror combinations) × folds: TTA and every fold really ran
      expect(summary.cases[0].tiles).toBe(c.tiles);
      expect(probabilities.shape).toEqual(expected.cases[c.id].probabilities_shape);
    });
  }

  // The same 2-D weights under other trainers' checkpoints: nnU-Net mirrors only the checkpoint's
  // inference_allowed_mirroring_axes, and not at all when they are None, whatever the TTA switch says.
  for (const [trainer, what] of [
    ['nnUNetTrainerNoMirroring', 'axes None: no TTA even when it is on'],
    ['nnUNetTrainer_onlyMirror01', 'axes (0,): a subset of the 2-D axes'],
  ]) {
    it(`mr2d under ${trainer} (${what})`, async () => {
      const dir = path.join(ROOT, 'mr2d');
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const v = expected.variants[trainer];
      const { summary } = await predictAndCompare({
        name: `mr2d-${trainer}`,
        input: path.join(dir, 'input'),
        model: path.join(dir, v.results_folder),
        expectedDir: path.join(dir, `expected_${trainer}`),
        id: 'synth2d_100',
        args: [],
        segmentation: 'synth2d_100.nii.gz',
      });
      // 20 tiles × (1 + mirror combinations): 20 without mirroring, 40 with axis 0 only
      expect(summary.cases[0].tiles).toBe(20 * 2 ** (v.mirror_axes?.length ?? 0));
    });
  }

  it('ct6mm: the shared 3 mm model on the 6 mm CT (resampled in and out), fold 0, no TTA', async () => {
    const expectedDir = path.join(ROOT, 'ct6mm/nomirror/expected');
    const input = path.join(OUT, 'ct6mm-input');
    fs.rmSync(input, { recursive: true, force: true });
    fs.mkdirSync(input, { recursive: true });
    fs.copyFileSync(
      path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT/imagesTs/tsct6mm_000_0000.nii.gz'),
      path.join(input, 'tsct6mm_000_0000.nii.gz'),
    );
    const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'ct6mm/expected.json'), 'utf8'));
    await predictAndCompare({
      name: 'ct6mm',
      input,
      model: path.join(SHARED, expected.results_folder),
      expectedDir,
      id: 'tsct6mm_000',
      args: ['-f', '0', '--disable-tta'],
      segmentation: 'tsct6mm_000.nii.gz',
    });
  });

  it('ct6mm with TTA (8 mirrorings)', async () => {
    const input = path.join(OUT, 'ct6mm-input');
    fs.mkdirSync(input, { recursive: true });
    fs.copyFileSync(
      path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT/imagesTs/tsct6mm_000_0000.nii.gz'),
      path.join(input, 'tsct6mm_000_0000.nii.gz'),
    );
    const expected = JSON.parse(fs.readFileSync(path.join(ROOT, 'ct6mm/expected.json'), 'utf8'));
    await predictAndCompare({
      name: 'ct6mm-tta',
      input,
      model: path.join(SHARED, expected.results_folder),
      expectedDir: path.join(ROOT, 'ct6mm/mirror/expected'),
      id: 'tsct6mm_000',
      args: ['-f', '0'],
      segmentation: 'tsct6mm_000.nii.gz',
    });
  });
});
