import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { separateHead } from '../../../src/core/inference/model-networks';
import type { OrtLike } from '../../../src/core/inference/onnx-network';
import { openPredictor, type PredictorRuntime } from '../../../src/core/inference/predictor';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';
import { compareLabels, readVolumePath } from '../../helpers/parity';

/**
 * The segmentation layer apart (what 100+-class models get on CPU backends) against the whole network:
 * the same case, folds and TTA; probabilities equal to float32 rounding carried through nnU-Net's float16
 * accumulation, labels equal but for near-ties.
 */
async function both(
  folder: string,
  inputs: string[],
  runtime: Omit<PredictorRuntime, 'segmentationHead'>,
  folds: string[],
) {
  const bundle = await openModelBundle(await openFileSet(path.join(FIXTURES, 'inference', folder)));
  const volumes = await Promise.all(inputs.map((f) => readVolumePath(path.join(FIXTURES, 'inference', f))));
  const c = { name: 'case', volumes };
  const out = [];
  for (const segmentationHead of ['included', 'separate'] as const) {
    const p = await openPredictor(
      bundle,
      { ...runtime, segmentationHead },
      { folds, postprocessing: 'none' },
    );
    try {
      expect(p.segmentationHead).toBe(segmentationHead);
      out.push(await p.predict(c, { tta: true, saveProbabilities: true }));
    } finally {
      await p.release();
    }
  }
  const [whole, apart] = out;
  let maxDiff = 0;
  const a = whole.probabilities!;
  const b = apart.probabilities!;
  expect(b.length).toBe(a.length);
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  const agreement = compareLabels(apart.labels, whole.labels).agreement;
  console.log(
    `${folder}: head apart vs whole network: max |Δp| ${maxDiff.toExponential(2)}, labels ${(100 * agreement).toFixed(4)} % equal`,
  );
  return { maxDiff, agreement };
}

describe('segmentation head apart', () => {
  it('is chosen for 100+-class models on CPU backends only', () => {
    expect(separateHead(118, [112, 112, 128], 'cpu')).toBe(true);
    expect(separateHead(118, [112, 112, 128], 'wasm')).toBe(true);
    expect(separateHead(118, [112, 112, 128], 'webgpu')).toBe(false);
    expect(separateHead(3, [128, 128, 128], 'cpu')).toBe(false);
    expect(separateHead(3, [32, 32, 32], 'cpu', 'separate')).toBe(true);
    expect(separateHead(118, [112, 112, 128], 'cpu', 'included')).toBe(false);
  });

  it('3-D, two folds, mirroring TTA, on onnxruntime-node: the whole network’s prediction', async () => {
    const r = await both(
      'ct3d_folds/Dataset910_SynthCT/nnUNetTrainer__nnUNetPlans__3d_fullres',
      ['ct3d_folds/input/synthct_100_0000.nii.gz'],
      { ort: ortNode as unknown as OrtLike, backend: 'cpu', threads: 2 },
      ['0', '1'],
    );
    expect(r.maxDiff).toBeLessThan(2e-3);
    expect(r.agreement).toBeGreaterThanOrEqual(0.999);
  });

  it('2-D network on a 3-D scan, on wasm: the whole network’s prediction', async () => {
    const r = await both(
      'mr2d/Dataset911_Synth2D/nnUNetTrainer__nnUNetPlans__2d',
      ['mr2d/input/synth2d_100_0000.nii.gz', 'mr2d/input/synth2d_100_0001.nii.gz'],
      { ort: ortWasm, backend: 'wasm' },
      ['0'],
    );
    expect(r.maxDiff).toBeLessThan(2e-3);
    expect(r.agreement).toBeGreaterThanOrEqual(0.999);
  });
});
