import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { createModelNetworks } from '../../../src/core/inference/model-networks';
import { applyPostprocessing, parsePostprocessing } from '../../../src/core/inference/postprocessing';
import { predictCase } from '../../../src/core/inference/predict-case';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import { openNnunetModel } from '../../../src/core/model/bundle/nnunet-model';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';
import {
  compareLabels,
  maxProbabilityDifference,
  PROBABILITY_TOLERANCE,
  readNpyPath,
  readVolumePath,
} from '../../helpers/parity';

/**
 * predictCase on onnxruntime-web's wasm build (the browser's runtime), with probabilities, against nnU-Net
 * v2's predictor on the fixtures of scripts/fixtures/inference_reference.py (tests/cli/predict-parity.test.ts
 * runs them, and more settings, through `tessera predict` on onnxruntime-node).
 */
const ROOT = path.join(FIXTURES, 'inference');

async function predictWasm(dir: string, ids: string[]) {
  const expected = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'expected.json'), 'utf8'));
  const model = await openNnunetModel(await openFileSet(path.join(ROOT, dir, expected.results_folder)));
  const nets = await createModelNetworks(ortWasm, { kind: 'nnunet', model }, { backend: 'wasm' });
  try {
    expect(nets.folds).toEqual(expected.folds.map(String));
    expect(nets.mirrorAxes).toEqual(expected.mirror_axes);
    for (const id of ids) {
      const files = fs
        .readdirSync(path.join(ROOT, dir, 'input'))
        .filter((f) => f.startsWith(`${id}_`))
        .sort();
      const volumes = await Promise.all(files.map((f) => readVolumePath(path.join(ROOT, dir, 'input', f))));
      const result = await predictCase(
        {
          channels: volumes.map((v) => v.data),
          shape: zyxShape(volumes[0]),
          spacing: zyxSpacing(volumes[0]),
          name: id,
        },
        model.folder.plans,
        model.configuration,
        model.folder.datasetJson,
        nets.networks.map((n) => n.run),
        model.spec.patchSize,
        { mirrorAxes: nets.mirrorAxes, saveProbabilities: true },
      );
      const theirs = await readVolumePath(path.join(ROOT, dir, 'expected', `${id}.nii.gz`));
      expect(result.shape).toEqual([...theirs.shape].reverse());
      const labels = compareLabels(result.labels, theirs.data);
      const maxDiff = maxProbabilityDifference(
        result.probabilities!,
        readNpyPath(path.join(ROOT, dir, 'expected', `${id}_prob_index.npy`)),
        readNpyPath(path.join(ROOT, dir, 'expected', `${id}_prob_values.npy`)),
      );
      console.log(
        `${dir} ${id} (wasm): labels ${(100 * labels.agreement).toFixed(4)} % equal (${labels.differing} of ${labels.voxels} differ); probabilities max |d| ${maxDiff.toExponential(2)}`,
      );
      expect(labels.agreement).toBeGreaterThanOrEqual(0.999);
      expect(maxDiff).toBeLessThan(PROBABILITY_TOLERANCE);
    }
  } finally {
    await nets.release();
  }
}

describe('predictCase on the browser runtime (wasm) equals nnU-Net’s predictor', () => {
  it('3-D CT, 3 folds, TTA, resampled (before postprocessing)', () =>
    predictWasm('ct3d_folds', ['synthct_100']));
  it('2-D configuration, 2 channels, 2 folds, TTA', () => predictWasm('mr2d', ['synth2d_100']));
  it('anisotropic MR: transposed axes, separate-z resampling both ways / none, crop, 2 folds, TTA', () =>
    predictWasm('mr_aniso', ['aniso_100', 'aniso_101']));
  it('2-D configuration of the transposed anisotropic plans', () =>
    predictWasm('mr_aniso_2d', ['aniso_100']));
  it('region-based ResEnc U-Net, 3 folds, TTA, crop', () => predictWasm('regions', ['regions_100']));
});

describe('postprocessing equals nnUNetv2_apply_postprocessing', () => {
  it('remove_all_but_largest_component on nnU-Net’s own segmentation gives nnU-Net’s result exactly', async () => {
    const dir = path.join(ROOT, 'ct3d_folds');
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const folds = expected.folds.join('_');
    const steps = parsePostprocessing(
      JSON.parse(
        fs.readFileSync(
          path.join(dir, expected.results_folder, `crossval_results_folds_${folds}`, 'postprocessing.json'),
          'utf8',
        ),
      ),
    );
    const raw = await readVolumePath(path.join(dir, 'expected/synthct_100.nii.gz'));
    const done = await readVolumePath(path.join(dir, 'expected/synthct_100_postprocessed.nii.gz'));
    const changed = expected.cases.synthct_100.voxels_changed_by_postprocessing;
    expect(changed).toBeGreaterThan(0);
    expect(compareLabels(raw.data, done.data).differing).toBe(changed);
    const seg = Uint8Array.from(raw.data);
    applyPostprocessing(seg, zyxShape(raw), steps);
    expect(compareLabels(seg, done.data).differing).toBe(0);
  });
});
