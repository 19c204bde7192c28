import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { nearestResample } from '../../../src/core/inference/predict-case';
import { openPredictor } from '../../../src/core/inference/predictor';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';
import { compareLabels, readVolumePath } from '../../helpers/parity';

/** The resampled 3-D CT fixture and fold 0 of its model, on the browser's wasm runtime. */
async function ct3d() {
  const dir = path.join(FIXTURES, 'inference/ct3d_folds');
  const bundle = await openModelBundle(
    await openFileSet(path.join(dir, 'Dataset910_SynthCT/nnUNetTrainer__nnUNetPlans__3d_fullres')),
  );
  const predictor = await openPredictor(
    bundle,
    { ort: ortWasm, backend: 'wasm' },
    { folds: ['0'], postprocessing: 'none' },
  );
  const scan = await readVolumePath(path.join(dir, 'input/synthct_100_0000.nii.gz'));
  return { predictor, scan, c: { name: 'synthct_100', volumes: [scan] } };
}

// TotalSegmentator's fast export (--resample-labels): argmax on the network grid, labels back nearest-neighbour.
// Not nnU-Net-exact by design: it must land on the scan's grid, agree with the exact export away from borders,
// and equal it where the network grid is the scan's grid.
describe('resample-labels fast mode', () => {
  it('maps coordinates as scipy zoom(order=0): corners aligned, half up', () => {
    const labels = Uint8Array.from([1, 2, 3]);
    expect([...nearestResample(labels, [1, 1, 3], [1, 1, 5])]).toEqual([1, 2, 2, 3, 3]);
    expect([...nearestResample(Uint8Array.from([1, 2, 3, 4, 5]), [1, 1, 5], [1, 1, 3])]).toEqual([1, 3, 5]);
    expect(nearestResample(labels, [1, 1, 3], [1, 1, 3])).toBe(labels);
  });

  it('on a resampled CT: the scan grid, ≥ 97 % equal to the exact export', async () => {
    const { predictor, c } = await ct3d();
    try {
      const exact = await predictor.predict(c, { tta: false });
      const fast = await predictor.predict(c, { tta: false, resampleLabels: true });
      expect(fast.shape).toEqual(exact.shape);
      expect(fast.labels.length).toBe(exact.labels.length);
      const agreement = compareLabels(fast.labels, exact.labels).agreement;
      console.log(`resample-labels vs exact: ${(100 * agreement).toFixed(3)} % equal`);
      expect(agreement).toBeGreaterThanOrEqual(0.97);
      expect(agreement).toBeLessThan(1); // it is a different export, not a renamed one
    } finally {
      await predictor.release();
    }
  });
});

describe('z-chunking for long scans', () => {
  it('predicts in overlapping chunks and stitches the cores: the scan grid, ≥ 99 % equal to the whole', async () => {
    const { predictor, scan, c } = await ct3d();
    try {
      const whole = await predictor.predict(c, { tta: false });
      const stages: string[] = [];
      const chunked = await predictor.predict(c, {
        tta: false,
        zChunks: { maxSlices: Math.ceil(scan.shape[2] / 2), margin: 4 },
        progress: (p) => stages.push(p.stage ?? ''),
      });
      expect(chunked.shape).toEqual(whole.shape);
      expect(stages.some((s) => s.startsWith('slices 0–'))).toBe(true);
      const agreement = compareLabels(chunked.labels, whole.labels).agreement;
      console.log(`z-chunked vs whole: ${(100 * agreement).toFixed(3)} % equal`);
      expect(agreement).toBeGreaterThanOrEqual(0.99);
    } finally {
      await predictor.release();
    }
  });
});
