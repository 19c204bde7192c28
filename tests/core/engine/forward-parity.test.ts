/**
 * The engine's forward against PyTorch (the shared tiny nnU-Net model on its probe tile) and against
 * onnxruntime-web (wasm) running the ONNX model emitted from the same weights.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { heInit } from '../../../src/core/engine/he-init';
import { UNet } from '../../../src/core/engine/unet';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import type { NetworkSpec } from '../../../src/core/model/architecture';
import { networkSpecFromPlans } from '../../../src/core/model/architecture';
import { loadNetworkWeights, readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import { emitOnnx } from '../../../src/core/model/onnx/emit-network';
import { runWasm } from '../../helpers/ort';
import { REFERENCE, referenceNpy } from '../../helpers/shared';
import { tinySpec } from '../training/synthetic';
import { maxAbsDiff, randn } from './helpers';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

async function engineForward(
  spec: NetworkSpec,
  weights: Map<string, Float32Array> | null,
  x: Float32Array,
  shape: number[],
) {
  const be = new CpuBackend();
  const net = new UNet(be, { ...spec, deepSupervision: false });
  if (weights) for (const p of net.params) be.write(p.value, weights.get(p.name)!);
  else heInit(net, 3);
  const t = be.tensor(x, spec.dim === 2 ? [shape[0], shape[1], 1, shape[2], shape[3]] : shape);
  const [out] = net.forward({ be, tape: null }, { t, requiresGrad: false });
  const y = await be.read(out.t);
  const w = new Map<string, Float32Array>();
  for (const p of net.params) w.set(p.name, await be.read(p.value));
  return { y, weights: w };
}

describe('engine forward', () => {
  it('equals PyTorch on the shared tiny nnU-Net model (probe tile 32×112×128)', async () => {
    const file = path.join(TINY, 'fold_0/checkpoint_final.pth');
    const ckpt = await readNnunetCheckpoint(
      bytesSource(new Uint8Array(fs.readFileSync(file)), 'checkpoint_final.pth'),
    );
    const spec = networkSpecFromPlans(ckpt.plans, ckpt.configuration!, ckpt.datasetJson);
    const weights = await loadNetworkWeights(ckpt, spec);
    const [Z, Y, X] = [32, 112, 128];
    const input = (await referenceNpy('reference/inference/onnx_probe_input.npy.gz')).data as Float32Array;
    const { y } = await engineForward(spec, weights, input, [1, 1, Z, Y, X]);
    const zyx = await referenceNpy('reference/inference/onnx_probe_torch_logits_samples_zyx.npy');
    const vals = await referenceNpy('reference/inference/onnx_probe_torch_logits_samples_values.npy');
    const V = Z * Y * X;
    let d = 0;
    let scale = 0;
    for (let i = 0; i < zyx.shape[0]; i++) {
      const off =
        (Number(zyx.data[3 * i]) * Y + Number(zyx.data[3 * i + 1])) * X + Number(zyx.data[3 * i + 2]);
      for (let c = 0; c < 5; c++) {
        const ref = vals.data[5 * i + c] as number;
        d = Math.max(d, Math.abs(y[c * V + off] - ref));
        scale = Math.max(scale, Math.abs(ref));
      }
    }
    const slice = (await referenceNpy('reference/inference/onnx_probe_torch_logits_slice_z16.npy'))
      .data as Float32Array;
    for (let c = 0; c < 5; c++)
      for (let v = 0; v < Y * X; v++)
        d = Math.max(d, Math.abs(y[c * V + 16 * Y * X + v] - slice[c * Y * X + v]));
    console.info(
      `engine (CPU) vs PyTorch logits: max|d| ${d.toExponential(2)} (logits up to ${scale.toFixed(1)})`,
    );
    expect(d).toBeLessThan(1e-4 * scale);
  });

  // the tiny training network with other depths, kernels and strides (and a residual 2-D twin)
  const small: Array<[string, NetworkSpec, number[]]> = [
    [
      'PlainConvUNet 3-D',
      tinySpec({
        inputChannels: 2,
        featuresPerStage: [4, 8, 12],
        kernelSizes: [
          [1, 3, 3],
          [3, 3, 3],
          [3, 3, 3],
        ],
        strides: [
          [1, 1, 1],
          [1, 2, 2],
          [2, 2, 2],
        ],
        nPerStageEncoder: [2, 2, 2],
        nConvPerStageDecoder: [2, 2],
        deepSupervision: false,
        patchSize: [4, 16, 16],
      }),
      [1, 2, 4, 16, 16],
    ],
    [
      'ResidualEncoderUNet 2-D',
      tinySpec({
        networkClass: 'ResidualEncoderUNet',
        dim: 2,
        numClasses: 4,
        featuresPerStage: [4, 8, 16],
        kernelSizes: [
          [3, 3],
          [3, 3],
          [3, 3],
        ],
        strides: [
          [1, 1],
          [2, 2],
          [2, 2],
        ],
        nPerStageEncoder: [1, 2, 2],
        nConvPerStageDecoder: [1, 1],
        stemChannels: 4,
        deepSupervision: false,
        patchSize: [24, 20],
      }),
      [2, 1, 24, 20],
    ],
  ];
  for (const [name, spec, shape] of small)
    it(`equals onnxruntime-web (wasm) on the same weights: ${name}`, async () => {
      const x = randn(
        shape.reduce((a, b) => a * b, 1),
        11,
      );
      const { y, weights } = await engineForward(spec, null, x, shape);
      const ort = await runWasm(emitOnnx(spec, weights), x, shape);
      expect(ort.dims).toEqual([shape[0], spec.numClasses, ...shape.slice(2)]);
      const d = maxAbsDiff(y, ort.data);
      console.info(`${name}: engine vs ORT wasm max|d| ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-4);
    });
});
