import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOnnxNetwork } from '../../../src/core/inference/onnx-network';
import { predictSlidingWindow } from '../../../src/core/inference/predict-sliding-window';
import { ortWasm } from '../../helpers/ort';
import { REFERENCE, referenceNpy, sharedBytes, sharedJson } from '../../helpers/shared';

const MODEL = 'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny';

describe('sliding-window prediction against nnU-Net (ctpitch, no mirroring)', () => {
  it('reproduces the float16 logits of nnU-Net within the ORT-web tolerance', async () => {
    const summary = sharedJson<{ ctpitch_nomirror: { logits_shape: number[] } }>(
      'reference/inference/prediction_summary.json',
    );
    const input = await referenceNpy('reference/inference/ctpitch_preprocessed.npy');
    const expected = await referenceNpy('reference/inference/ctpitch_nomirror_logits_fp16.npy.gz');
    const net = await createOnnxNetwork(ortWasm, sharedBytes(`${MODEL}/fold_0/model.onnx`), 'wasm', {
      name: path.join(REFERENCE, 'model.onnx'),
    });
    let calls = 0;
    const logits = await predictSlidingWindow(input.data as Float32Array, input.shape, [net.run], {
      patchSize: [32, 112, 128],
      numClasses: 5,
      tileStepSize: 0.5,
      mirrorAxes: [],
      onProgress: () => calls++,
    });
    await net.release();
    expect(calls).toBe(2); // 2 tiles, as nnU-Net's log says
    expect(expected.shape).toEqual(summary.ctpitch_nomirror.logits_shape);
    let maxDiff = 0;
    for (let i = 0; i < logits.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(logits[i] - expected.data[i]));
    // argmax agreement over the preprocessed grid
    const [K, Z, Y, X] = expected.shape;
    const n = Z * Y * X;
    let agree = 0;
    for (let v = 0; v < n; v++) {
      let a = 0;
      let b = 0;
      for (let k = 1; k < K; k++) {
        if (logits[k * n + v] > logits[a * n + v]) a = k;
        if (expected.data[k * n + v] > expected.data[b * n + v]) b = k;
      }
      if (a === b) agree++;
    }
    console.log(
      `ctpitch logits: max |d| ${maxDiff.toExponential(2)}, argmax agreement ${((100 * agree) / n).toFixed(3)} %`,
    );
    expect(maxDiff).toBeLessThan(4e-2);
    expect(agree / n).toBeGreaterThanOrEqual(0.999);
  });
});
