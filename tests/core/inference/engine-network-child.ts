/**
 * Child process of engine-network.test.ts (WebGPU on SwiftShader needs LD_LIBRARY_PATH at start): nnU-Net
 * folds on Tessera's WGSL kernels with the GPU tile accumulator, against onnxruntime-web's wasm build on the
 * CPU accumulator, through the one predictor. Prints one JSON line.
 */
import path from 'node:path';
import { create, globals } from 'webgpu';
import { openFileSet } from '../../../src/cli/node-file-set';
import { openGpu } from '../../../src/core/gpu/device';
import { openPredictor, type PredictorRuntime } from '../../../src/core/inference/predictor';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';
import { compareLabels, readVolumePath } from '../../helpers/parity';

Object.assign(globalThis, globals);
// keep the context (and its GPU object) alive: Dawn's Node binding tears the device down with the GPU object
const gpu = await openGpu(create([]));

const CASES = [
  {
    name: '3-D, two folds',
    folder: 'ct3d_folds/Dataset910_SynthCT/nnUNetTrainer__nnUNetPlans__3d_fullres',
    inputs: ['ct3d_folds/input/synthct_100_0000.nii.gz'],
    folds: ['0', '1'],
    // mirroring's arithmetic on the GPU is gpu-accumulator.test.ts's (bit-exact); here the network is what is new
    tta: false,
  },
  {
    name: '2-D network on a 3-D scan, two channels',
    folder: 'mr2d/Dataset911_Synth2D/nnUNetTrainer__nnUNetPlans__2d',
    inputs: ['mr2d/input/synth2d_100_0000.nii.gz', 'mr2d/input/synth2d_100_0001.nii.gz'],
    folds: ['0'],
    tta: false,
  },
];

const results = [];
for (const c of CASES) {
  const bundle = await openModelBundle(await openFileSet(path.join(FIXTURES, 'inference', c.folder)));
  const volumes = await Promise.all(c.inputs.map((f) => readVolumePath(path.join(FIXTURES, 'inference', f))));
  const run = async (runtime: PredictorRuntime) => {
    const p = await openPredictor(bundle, runtime, { folds: c.folds, postprocessing: 'none' });
    try {
      const t0 = performance.now();
      const r = await p.predict({ name: 'case', volumes }, { tta: c.tta, saveProbabilities: true });
      return { r, kernels: p.kernels, ms: performance.now() - t0 };
    } finally {
      await p.release();
    }
  };
  const cpu = await run({ ort: ortWasm, backend: 'wasm' });
  const wgsl = await run({
    ort: ortWasm,
    backend: 'webgpu',
    tesseraKernels: async () => ({ gpu, maxForwardBytes: 2 ** 30 }),
  });
  const a = cpu.r.probabilities!;
  const b = wgsl.r.probabilities!;
  let maxDiff = a.length === b.length ? 0 : Number.POSITIVE_INFINITY;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  results.push({
    name: c.name,
    kernels: wgsl.kernels,
    tiles: wgsl.r.tiles,
    values: b.length,
    maxDiff,
    agreement: compareLabels(wgsl.r.labels, cpu.r.labels).agreement,
    wasmMs: Math.round(cpu.ms),
    wgslMs: Math.round(wgsl.ms),
  });
}
console.log(JSON.stringify({ adapter: gpu.description, results }));
process.exit(0);
