import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/fixtures';
import {
  compareLabels,
  maxAffineDifference,
  maxProbabilityDifference,
  PROBABILITY_TOLERANCE,
  readNpyPath,
  readProbabilitiesNpz,
  readVolumePath,
} from '../helpers/parity';
import { REFERENCE, SHARED } from '../helpers/shared';

/**
 * `tessera predict` (onnxruntime-node CPU) against nnU-Net v2's own predictor (nnUNetPredictor
 * .predict_from_files, save_probabilities; nnUNetv2_apply_postprocessing) on results folders and scans
 * made by scripts/fixtures/inference_reference.py — several folds, TTA on and off and on a subset of axes,
 * 2-D and 3-D, an anisotropic MR with a transposed axis order, a region-based model, postprocessing, other
 * step sizes — and the shared 3 mm model on the 6 mm CT. Runs without --save-probabilities take the
 * streaming export; runs with it the whole-volume one, whose probabilities are compared at nnU-Net's
 * sampled voxels. Labels must agree on ≥ 99.9 % of voxels (measured: 100 % everywhere).
 */
const ROOT = path.join(FIXTURES, 'inference');
const OUT = path.resolve('test-results/predict-parity');
const CT6MM = path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT/imagesTs/tsct6mm_000_0000.nii.gz');

interface Run {
  name: string;
  what: string;
  /** fixture case folder, or 'ct6mm' (shared model and scan) */
  dir: string;
  /** results folder relative to dir (default expected.json's) */
  model?: string;
  /** folder of nnU-Net's outputs, relative to dir */
  expected: string;
  ids: string[];
  args?: string[];
  probabilities?: boolean;
  /** compare with nnUNetv2_apply_postprocessing's output */
  postprocessed?: boolean;
  /** network evaluations per case: tiles × (1 + mirror combinations) × folds */
  evaluations?: number[];
  folds?: string[];
}

const RUNS: Run[] = [
  {
    name: 'ct3d-raw',
    what: 'the same without --postprocessing: nnUNetv2_predict leaves the cross-validation postprocessing.json alone',
    dir: 'ct3d_folds',
    expected: 'expected',
    ids: ['synthct_100'],
    evaluations: [8 * 8 * 3],
    folds: ['0', '1', '2'],
  },
  {
    name: 'ct3d',
    what: '3-D CT, folds 0-2, TTA (0,1,2), resampled, flipped affine, postprocessing.json applied',
    dir: 'ct3d_folds',
    expected: 'expected',
    ids: ['synthct_100'],
    postprocessed: true,
    args: ['--postprocessing'],
    evaluations: [8 * 8 * 3],
    folds: ['0', '1', '2'],
  },
  {
    name: 'mr2d',
    what: '2-D configuration, 2 channels, folds 0 and 1 by default (fold_all left out, as nnU-Net), TTA (0,1)',
    dir: 'mr2d',
    expected: 'expected',
    ids: ['synth2d_100'],
    evaluations: [20 * 4 * 2],
    folds: ['0', '1'],
  },
  {
    name: 'mr2d-nomirroring',
    what: 'nnUNetTrainerNoMirroring checkpoint (axes None): no TTA although TTA is on',
    dir: 'mr2d',
    model: 'Dataset911_Synth2D/nnUNetTrainerNoMirroring__nnUNetPlans__2d',
    expected: 'expected_nnUNetTrainerNoMirroring',
    ids: ['synth2d_100'],
    probabilities: true,
    evaluations: [20],
  },
  {
    name: 'mr2d-onlymirror0',
    what: 'nnUNetTrainer_onlyMirror01 checkpoint (2-D: axis 0 only)',
    dir: 'mr2d',
    model: 'Dataset911_Synth2D/nnUNetTrainer_onlyMirror01__nnUNetPlans__2d',
    expected: 'expected_nnUNetTrainer_onlyMirror01',
    ids: ['synth2d_100'],
    probabilities: true,
    evaluations: [40],
  },
  {
    name: 'aniso',
    what: 'anisotropic MR, transpose_forward [2,0,1], crop, 2 folds, TTA; one scan resampled (separate z), one at the plans’ spacing',
    dir: 'mr_aniso',
    expected: 'expected',
    ids: ['aniso_100', 'aniso_101'],
  },
  {
    name: 'aniso-notta',
    what: 'the same with --disable-tta (nnU-Net use_mirroring=False)',
    dir: 'mr_aniso',
    expected: 'expected_notta',
    ids: ['aniso_100', 'aniso_101'],
    args: ['--disable-tta'],
    probabilities: true,
  },
  {
    name: 'aniso-step0.3',
    what: 'the same with --step-size 0.3',
    dir: 'mr_aniso',
    expected: 'expected_step0.3',
    ids: ['aniso_100', 'aniso_101'],
    args: ['--step-size', '0.3'],
  },
  {
    name: 'aniso-2d',
    what: '2-D configuration of the transposed anisotropic plans (slices along the thick axis)',
    dir: 'mr_aniso_2d',
    expected: 'expected',
    ids: ['aniso_100'],
  },
  {
    name: 'regions',
    what: 'region-based residual-encoder U-Net, 3 folds, TTA, crop',
    dir: 'regions',
    expected: 'expected',
    ids: ['regions_100'],
  },
  {
    name: 'ct6mm',
    what: 'shared 3 mm model on the 6 mm CT (resampled in and out), fold 0, no TTA',
    dir: 'ct6mm',
    expected: 'nomirror/expected',
    ids: ['tsct6mm_000'],
    args: ['-f', '0', '--disable-tta'],
    probabilities: true,
    evaluations: [6],
  },
  {
    name: 'ct6mm-tta',
    what: 'shared 3 mm model on the 6 mm CT, fold 0, TTA (8 mirrorings)',
    dir: 'ct6mm',
    expected: 'mirror/expected',
    ids: ['tsct6mm_000'],
    args: ['-f', '0'],
    evaluations: [48],
  },
];

function inputFolder(run: Run): string {
  if (run.dir !== 'ct6mm') return path.join(ROOT, run.dir, 'input');
  const input = path.join(OUT, 'ct6mm-input');
  fs.mkdirSync(input, { recursive: true });
  fs.copyFileSync(CT6MM, path.join(input, path.basename(CT6MM)));
  return input;
}

describe('tessera predict equals nnU-Net’s predictor', () => {
  for (const run of RUNS) {
    it(`${run.name}: ${run.what}`, async () => {
      const dir = path.join(ROOT, run.dir);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const model =
        run.dir === 'ct6mm'
          ? path.join(SHARED, expected.results_folder)
          : path.join(dir, run.model ?? expected.results_folder);
      const out = path.join(OUT, run.name);
      fs.rmSync(out, { recursive: true, force: true });
      const r = await runCli(
        'predict',
        ...['-i', inputFolder(run), '-o', out, '-m', model, '--backend', 'cpu', '--threads', '2', '-q'],
        ...(run.probabilities ? ['--save-probabilities'] : []),
        ...(run.args ?? []),
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.stdout);
      if (run.folds) expect(summary.folds).toEqual(run.folds);
      if (run.evaluations)
        expect(summary.cases.map((c: { tiles: number }) => c.tiles)).toEqual(run.evaluations);
      for (const id of run.ids) {
        const expectedDir = path.join(dir, run.expected);
        const ours = await readVolumePath(path.join(out, `${id}.nii.gz`));
        const theirs = await readVolumePath(
          path.join(expectedDir, run.postprocessed ? `${id}_postprocessed.nii.gz` : `${id}.nii.gz`),
        );
        expect(ours.shape).toEqual(theirs.shape);
        expect(ours.data.constructor).toBe(theirs.data.constructor); // uint8, as nnU-Net writes it
        expect(maxAffineDifference(ours, theirs)).toBeLessThan(1e-5);
        const labels = compareLabels(ours.data, theirs.data);
        let line = `${run.name} ${id}: labels ${(100 * labels.agreement).toFixed(4)} % equal (${labels.differing} of ${labels.voxels} differ)`;
        if (run.probabilities) {
          const probabilities = await readProbabilitiesNpz(path.join(out, `${id}.npz`));
          expect(probabilities.dtype).toBe('<f4');
          const index = readNpyPath(path.join(expectedDir, `${id}_prob_index.npy`));
          const values = readNpyPath(path.join(expectedDir, `${id}_prob_values.npy`));
          expect(probabilities.shape).toEqual([values.shape[0], ...[...ours.shape.slice(0, 3)].reverse()]);
          const maxDiff = maxProbabilityDifference(probabilities.data, index, values);
          line += `; probabilities max |d| ${maxDiff.toExponential(2)} at ${index.shape[0]} voxels`;
          expect(maxDiff).toBeLessThan(PROBABILITY_TOLERANCE);
        }
        console.log(line);
        expect(labels.agreement).toBeGreaterThanOrEqual(0.999);
      }
    });
  }
});
