import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { readNpy } from '../../../src/core/io/volume/npy';
import { exportCheckpointToOnnx } from '../../../src/core/model/export-onnx';
import { networkSpecFromPlans } from '../../../src/core/model/network-spec';
import { type NnunetCheckpoint, readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import { chooseVariant } from '../../../src/core/model/onnx/variant';
import { argmaxAgreement, maxAbsDiff, runWasm } from '../../helpers/ort';
import { REFERENCE, referenceNpy } from '../../helpers/shared';
import { modelFixtures, readJson } from './fixtures';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const [Z, Y, X] = [32, 112, 128];

async function readCheckpoint(file: string): Promise<NnunetCheckpoint> {
  return readNnunetCheckpoint(bytesSource(new Uint8Array(fs.readFileSync(file)), path.basename(file)));
}

/** The reference's torch logits (slices + 5000 sampled voxels) against a full [1, 5, Z, Y, X] output. */
async function compareToTorch(logits: Float32Array) {
  const V = Z * Y * X;
  let maxd = 0;
  let agree = 0;
  const zyx = await referenceNpy('reference/inference/onnx_probe_torch_logits_samples_zyx.npy');
  const vals = await referenceNpy('reference/inference/onnx_probe_torch_logits_samples_values.npy');
  const n = zyx.shape[0];
  for (let i = 0; i < n; i++) {
    const off = (Number(zyx.data[3 * i]) * Y + Number(zyx.data[3 * i + 1])) * X + Number(zyx.data[3 * i + 2]);
    let am = 0;
    let bm = 0;
    for (let c = 0; c < 5; c++) {
      const a = logits[c * V + off];
      const b = vals.data[5 * i + c] as number;
      maxd = Math.max(maxd, Math.abs(a - b));
      if (a > logits[am * V + off]) am = c;
      if (b > (vals.data[5 * i + bm] as number)) bm = c;
    }
    if (am === bm) agree++;
  }
  // full slices through the middle of each axis
  const slices: [string, (c: number, u: number, v: number) => number, number, number][] = [
    ['z16', (c, u, v) => c * V + (16 * Y + u) * X + v, Y, X],
    ['y56', (c, u, v) => c * V + (u * Y + 56) * X + v, Z, X],
    ['x64', (c, u, v) => c * V + (u * Y + v) * X + 64, Z, Y],
  ];
  for (const [name, at, nu, nv] of slices) {
    const ref = (await referenceNpy(`reference/inference/onnx_probe_torch_logits_slice_${name}.npy`))
      .data as Float32Array;
    for (let c = 0; c < 5; c++)
      for (let u = 0; u < nu; u++)
        for (let v = 0; v < nv; v++)
          maxd = Math.max(maxd, Math.abs(logits[at(c, u, v)] - ref[(c * nu + u) * nv + v]));
  }
  return { maxd, agreement: agree / n };
}

describe('ONNX export of the shared nnU-Net checkpoint on onnxruntime-web (wasm)', () => {
  let ckpt: NnunetCheckpoint;
  let input: Float32Array;
  beforeAll(async () => {
    ckpt = await readCheckpoint(path.join(TINY, 'fold_0/checkpoint_final.pth'));
    input = (await referenceNpy('reference/inference/onnx_probe_input.npy.gz')).data as Float32Array;
  });
  const spec = () => networkSpecFromPlans(ckpt.plans, ckpt.configuration!, ckpt.datasetJson);

  it('fp32 reproduces PyTorch logits on the probe tile (measured max|d| ≈ 1e-5, argmax 100 %)', async () => {
    const onnx = await exportCheckpointToOnnx(ckpt, spec());
    const out = await runWasm(onnx, input, [1, 1, Z, Y, X]);
    expect(out.dims).toEqual([1, 5, Z, Y, X]);
    const { maxd, agreement } = await compareToTorch(out.data);
    console.info(`wasm fp32 vs PyTorch: max|d| ${maxd.toExponential(2)}, argmax agreement ${agreement}`);
    expect(maxd).toBeLessThan(5e-4);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });

  it('the CPU variant (native ConvTranspose, concatenations as split convolutions) reproduces PyTorch too', async () => {
    const onnx = await exportCheckpointToOnnx(ckpt, spec(), {
      transposedConv: 'native',
      concat: 'split-conv',
    });
    const out = await runWasm(onnx, input, [1, 1, Z, Y, X]);
    expect(out.dims).toEqual([1, 5, Z, Y, X]);
    const { maxd, agreement } = await compareToTorch(out.data);
    console.info(
      `wasm fp32 CPU variant vs PyTorch: max|d| ${maxd.toExponential(2)}, argmax agreement ${agreement}`,
    );
    expect(maxd).toBeLessThan(5e-4);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });

  it("with ORT's fused InstanceNormalization it equals the shipped torch.onnx model.onnx", async () => {
    const ours = await runWasm(await exportCheckpointToOnnx(ckpt, spec(), { instanceNorm: 'fused' }), input, [
      1,
      1,
      Z,
      Y,
      X,
    ]);
    const shipped = await runWasm(
      new Uint8Array(fs.readFileSync(path.join(TINY, 'fold_0/model.onnx'))),
      input,
      [1, 1, Z, Y, X],
    );
    const d = maxAbsDiff(ours.data, shipped.data);
    console.info(`wasm: ours (fused IN) vs shipped model.onnx max|d| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    const { maxd, agreement } = await compareToTorch(shipped.data);
    console.info(`wasm: shipped model.onnx vs PyTorch max|d| ${maxd.toExponential(2)}, argmax ${agreement}`);
  });

  it('fp16 variant runs on wasm within fp16 tolerance', async () => {
    const onnx = await exportCheckpointToOnnx(ckpt, spec(), { precision: 'fp16' });
    const out = await runWasm(onnx, input, [1, 1, Z, Y, X]);
    const { maxd, agreement } = await compareToTorch(out.data);
    console.info(`wasm fp16 vs PyTorch: max|d| ${maxd.toExponential(2)}, argmax agreement ${agreement}`);
    expect(maxd).toBeLessThan(3e-2);
    expect(agreement).toBeGreaterThanOrEqual(0.999);
  });

  it('chooseVariant picks fp16 only with shader-f16', () => {
    expect(chooseVariant(new Set(['timestamp-query', 'shader-f16']))).toBe('fp16');
    expect(chooseVariant(['subgroups'])).toBe('fp32');
    expect(chooseVariant(null)).toBe('fp32');
  });
});

describe('ONNX export of other architectures (PyTorch logits from dynamic-network-architectures)', () => {
  for (const fx of modelFixtures()) {
    it(`${fx.name}: every fold, dynamic batch ${fx.summary.input_shape[0]}`, async () => {
      const plans = readJson(path.join(fx.dir, 'plans.json'));
      const dataset = readJson(path.join(fx.dir, 'dataset.json'));
      const spec = networkSpecFromPlans(plans, fx.configuration, dataset);
      const x = readNpy(new Uint8Array(fs.readFileSync(path.join(fx.dir, 'reference/input.npy'))));
      for (const [fold, info] of Object.entries(fx.summary.folds)) {
        const ckpt = await readCheckpoint(path.join(fx.dir, `fold_${fold}`, info.checkpoint));
        const ref = readNpy(
          new Uint8Array(fs.readFileSync(path.join(fx.dir, `reference/logits_fold_${fold}.npy`))),
        );
        for (const precision of ['fp32', 'fp16'] as const) {
          const out = await runWasm(
            await exportCheckpointToOnnx(ckpt, spec, { precision }),
            x.data as Float32Array,
            x.shape,
          );
          expect(out.dims).toEqual(ref.shape);
          const d = maxAbsDiff(out.data, ref.data as Float32Array);
          const scale = Math.max(...(ref.data as Float32Array).map(Math.abs));
          console.info(
            `${fx.name} fold ${fold} ${precision}: max|d| ${d.toExponential(2)} (max |logit| ${scale.toFixed(1)})`,
          );
          expect(d).toBeLessThan(
            precision === 'fp32' ? 1e-4 * Math.max(1, scale) : 2e-2 * Math.max(1, scale),
          );
          if (precision === 'fp32')
            expect(argmaxAgreement(out.data, ref.data as Float32Array, ref.shape)).toBe(1);
        }
      }
    });
  }
});
