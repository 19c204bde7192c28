import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { createOnnxNetwork } from '../../../src/core/inference/onnx-network';
import { predictCase } from '../../../src/core/inference/predict-case';
import type { NetworkFn } from '../../../src/core/inference/predict-sliding-window';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import { exportFold, openNnunetModel } from '../../../src/core/model/bundle/nnunet-model';
import { resampleData } from '../../../src/core/resampling/resample-data';
import { ortWasm } from '../../helpers/ort';
import { REFERENCE, referenceNpy, sharedBytes, sharedJson } from '../../helpers/shared';

const MODEL_DIR = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

describe('nnU-Net predictor end to end: ctpitch (no mirroring)', () => {
  it('segmentation and probabilities equal nnU-Net’s', async () => {
    const summary = sharedJson<{
      ctpitch_nomirror: {
        seg_sha256_zyx_uint8: string;
        n_tiles: number;
        probabilities_mean_per_class: number[];
      };
    }>('reference/inference/prediction_summary.json').ctpitch_nomirror;
    const model = await openNnunetModel(await openFileSet(MODEL_DIR));
    const net = await createOnnxNetwork(ortWasm, await exportFold(model, '0'), 'wasm');
    const ct = await readVolume(sharedBytes('data/volumes/ct/niivue_CT_pitch.nii.gz'), 'ct');
    const result = await predictCase(
      { channels: [ct.data], shape: zyxShape(ct), spacing: zyxSpacing(ct) },
      model.folder.plans,
      model.configuration,
      model.folder.datasetJson,
      [net.run],
      model.spec.patchSize,
      { mirrorAxes: [], saveProbabilities: true },
    );
    await net.release();
    expect(result.tiles).toBe(summary.n_tiles);
    expect(result.shape).toEqual([58, 248, 175]);
    expect(createHash('sha256').update(result.labels).digest('hex')).toBe(summary.seg_sha256_zyx_uint8);
    const zyx = await referenceNpy('reference/inference/ctpitch_nomirror_probabilities_zyx_samples_zyx.npy');
    const values = await referenceNpy(
      'reference/inference/ctpitch_nomirror_probabilities_zyx_samples_values.npy',
    );
    const n = 58 * 248 * 175;
    let maxDiff = 0;
    for (let s = 0; s < 5000; s++) {
      const [z, y, x] = [zyx.data[3 * s], zyx.data[3 * s + 1], zyx.data[3 * s + 2]];
      for (let k = 0; k < 5; k++)
        maxDiff = Math.max(
          maxDiff,
          Math.abs(result.probabilities![k * n + (z * 248 + y) * 175 + x] - values.data[5 * s + k]),
        );
    }
    const means = [0, 1, 2, 3, 4].map((k) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += result.probabilities![k * n + i];
      return sum / n;
    });
    console.log(
      `ctpitch probabilities: max |d| at 5000 samples ${maxDiff.toExponential(2)}; class means ${means.map((m) => m.toExponential(3)).join(' ')}`,
    );
    expect(maxDiff).toBeLessThan(2e-3);
    for (const [k, m] of means.entries()) expect(m).toBeCloseTo(summary.probabilities_mean_per_class[k], 4);
  });
});

describe('streaming export equals the whole-volume export', () => {
  for (const file of [
    'reference/raw/Dataset001_TSAbdomenCT/imagesTs/tsct6mm_000_0000.nii.gz',
    'data/volumes/mr/ts_example_mr_sm.nii.gz',
  ]) {
    it(file, async () => {
      const model = await openNnunetModel(await openFileSet(MODEL_DIR));
      const v = await readVolume(sharedBytes(file), file);
      // A fast stand-in network whose argmax depends on intensity, so labels are varied.
      const fake = async (tile: Float32Array) => {
        const out = new Float32Array(5 * tile.length);
        for (let k = 0; k < 5; k++)
          for (let i = 0; i < tile.length; i++)
            out[k * tile.length + i] = Math.fround(Math.sin(tile[i] * (k + 1)) * 3);
        return out;
      };
      const input = { channels: [v.data], shape: zyxShape(v), spacing: zyxSpacing(v) };
      const args = [
        model.folder.plans,
        model.configuration,
        model.folder.datasetJson,
        [fake] as NetworkFn[],
        model.spec.patchSize,
      ] as const;
      const streamed = await predictCase(input, ...args, {});
      const whole = await predictCase(input, ...args, { saveProbabilities: true });
      // resampling handed out (as the app hands it to a worker pool) gives the same result
      const handedOut = await predictCase(input, ...args, {
        resampleChannel: async (ch, spec) => resampleData(ch, spec),
      });
      expect(Array.from(handedOut.labels)).toEqual(Array.from(streamed.labels));
      expect(streamed.shape).toEqual(zyxShape(v));
      const distinct = new Set(streamed.labels).size;
      expect(distinct).toBeGreaterThan(2);
      expect(Array.from(streamed.labels)).toEqual(Array.from(whole.labels));
    });
  }
});
