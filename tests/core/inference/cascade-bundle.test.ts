import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { openPredictor } from '../../../src/core/inference/predictor';
import { fileSetFromFiles } from '../../../src/core/model/bundle/file-set';
import { openModelBundle, summarizeBundle } from '../../../src/core/model/bundle/open-bundle';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';
import { compareLabels, readVolumePath } from '../../helpers/parity';

// The page's path to a cascade: the dataset's results (3d_lowres, 3d_cascade_fullres, 3d_fullres) dropped as one
// folder become one model whose predictor runs 3d_lowres first, then the cascade stage on its one-hot labels —
// compared with nnU-Net's own cascade prediction (scripts/fixtures/cascade_ensemble_reference.py).
const ROOT = path.join(FIXTURES, 'cascade');

describe('a cascade dropped with its previous stage is one model', () => {
  it('runs 3d_lowres, then 3d_cascade_fullres, and equals nnU-Net', async () => {
    const bundle = await openModelBundle(await openFileSet(path.join(ROOT, 'Dataset920_SynthCascade')));
    expect(bundle.kind).toBe('nnunet');
    expect(summarizeBundle(bundle).configuration).toBe('3d_lowres → 3d_cascade_fullres');
    const predictor = await openPredictor(bundle, { ort: ortWasm, backend: 'wasm' }, { folds: ['0', '1'] });
    const stages = new Set<string>();
    try {
      expect(predictor.previousStage).toBe('3d_lowres');
      const scan = await readVolumePath(path.join(ROOT, 'input/casc_000_0000.nii.gz'));
      const r = await predictor.predict(
        { name: 'casc_000', volumes: [scan] },
        { tta: false, progress: (p) => stages.add(p.stage ?? '') },
      );
      const theirs = await readVolumePath(path.join(ROOT, 'expected_cascade/casc_000.nii.gz'));
      expect(compareLabels(r.labels, theirs.data).agreement).toBeGreaterThanOrEqual(0.999);
    } finally {
      await predictor.release();
    }
    // progress names each stage
    expect([...stages].some((s) => s.startsWith('3d_lowres · network'))).toBe(true);
    expect([...stages].some((s) => s.startsWith('3d_cascade_fullres · network'))).toBe(true);
  });
});

describe("find_best_configuration's ensemble is one model", () => {
  it('averages 3d_fullres and 3d_lowres as nnUNetv2_ensemble and applies its postprocessing', async () => {
    // the dataset's results folder as nnU-Net leaves it after find_best_configuration chose this ensemble
    const files: { path: string; file: Uint8Array }[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
        else files.push({ path: `${rel}${e.name}`, file: new Uint8Array(fs.readFileSync(p)) });
      }
    };
    walk(path.join(ROOT, 'Dataset920_SynthCascade'), '');
    const member = (configuration: string) => ({
      configuration,
      plans_identifier: 'nnUNetPlans',
      trainer: 'nnUNetTrainer',
    });
    const info = {
      best_model_or_ensemble: { selected_model_or_models: [member('3d_fullres'), member('3d_lowres')] },
    };
    files.push({ path: 'inference_information.json', file: new TextEncoder().encode(JSON.stringify(info)) });
    const name =
      'ensemble___nnUNetTrainer__nnUNetPlans__3d_fullres___nnUNetTrainer__nnUNetPlans__3d_lowres___0_1';
    files.push({
      path: `ensembles/${name}/postprocessing.pkl`,
      file: new Uint8Array(fs.readFileSync(path.join(ROOT, 'postprocessing.pkl'))),
    });
    const bundle = await openModelBundle(fileSetFromFiles('Dataset920_SynthCascade', files));
    expect(summarizeBundle(bundle).configuration).toBe('3d_fullres + 3d_lowres');
    const predictor = await openPredictor(bundle, { ort: ortWasm, backend: 'wasm' }, { folds: ['0', '1'] });
    try {
      expect(predictor.postprocessing.file).toMatch(/postprocessing\.pkl$/);
      const scan = await readVolumePath(path.join(ROOT, 'input/casc_000_0000.nii.gz'));
      const r = await predictor.predict({ name: 'casc_000', volumes: [scan] }, { tta: false });
      const theirs = await readVolumePath(path.join(ROOT, 'expected_ensemble_pp/casc_000.nii.gz'));
      expect(compareLabels(r.labels, theirs.data).agreement).toBeGreaterThanOrEqual(0.999);
    } finally {
      await predictor.release();
    }
  });
});
