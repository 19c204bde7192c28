/**
 * Milliseconds per sliding-window tile of an nnU-Net fold on WebGPU, two ways on the same adapter: Tessera's own
 * WGSL kernels (the engine's U-Net, inference/engine-network.ts) and onnxruntime's WebGPU EP on the ONNX model
 * the page would give onnxruntime-web (transposed convolutions rewritten, concatenations as ops). Beside each:
 * achieved GFLOP/s (2 × the forward's multiply-adds) and GB/s (the least traffic its ops must make), and with
 * --peak-tflops / --peak-gbs the fraction of the GPU's peak. The logits of both are compared on the tile.
 *
 *   npx tsx bench/gpu-kernels.bench.ts [--model <results folder>] [--tiles 3] [--patch z,y,x]
 *                                      [--peak-tflops T] [--peak-gbs G]
 *
 * Default model: the shared 3d_fullres_tiny (its 32 × 112 × 128 patch), small enough for SwiftShader; on a GPU
 * machine pass ../shared/reference/models/Dataset297_TSStandIn/nnUNetTrainer__nnUNetPlans__3d_fullres (118
 * classes, 112 × 112 × 128: TotalSegmentator's 3 mm network). In Node the adapter is Dawn's: a real GPU through
 * its Vulkan driver, else Chromium's SwiftShader (the command re-runs itself with SwiftShader's library path).
 * The first tile (pipeline compilation, allocation) is reported apart and left out of the median.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { openFileSet } from '../src/cli/node-file-set';
import { openNodeGpu } from '../src/cli/node-gpu';
import { measureInferenceForward } from '../src/core/engine/memory-estimate';
import { WebGpuBackend } from '../src/core/engine/webgpu/webgpu-backend';
import { createEngineNetwork } from '../src/core/inference/engine-network';
import { exportFold, foldCheckpoint } from '../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../src/core/model/bundle/open-bundle';
import { loadNetworkWeights } from '../src/core/model/nnunet-checkpoint';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const modelDir = path.resolve(
  arg(
    'model',
    path.join(
      ROOT,
      '../shared/reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
    ),
  ),
);
const tiles = Number(arg('tiles', '3'));
const peakTflops = Number(arg('peak-tflops', '0'));
const peakGbs = Number(arg('peak-gbs', '0'));

const opened = await openNodeGpu();
if ('reexec' in opened) process.exit(opened.reexec);
const gpu = opened.gpu;

const bundle = await openModelBundle(await openFileSet(modelDir));
if (bundle.kind !== 'nnunet') throw new Error(`${modelDir} is not an nnU-Net results folder`);
const model = bundle.model;
const spec = model.spec;
const fold = [...model.checkpoints.keys()][0];
const patch = process.argv.includes('--patch') ? arg('patch', '').split(',').map(Number) : spec.patchSize;
const shape = [1, spec.inputChannels, ...patch];
const tile = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(0.37 * i) * 2);
const cost = measureInferenceForward(spec, patch);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

console.log(`adapter: ${gpu.description}${gpu.software ? ' (software)' : ''}`);
console.log(
  `model: ${path.basename(path.dirname(modelDir))} ${model.configuration} fold ${fold}, ${spec.numClasses} classes, patch ${patch.join('×')}: ` +
    `${(cost.macs / 1e9).toFixed(1)} G multiply-adds, ≥ ${(cost.trafficBytes / 2 ** 30).toFixed(2)} GiB of traffic per tile`,
);

async function timeTiles(run: () => Promise<Float32Array | undefined>) {
  const ms: number[] = [];
  let last: Float32Array | undefined;
  for (let i = 0; i <= tiles; i++) {
    const t0 = performance.now();
    const r = await run();
    ms.push(performance.now() - t0);
    if (r) last = r;
  }
  return { first: ms[0], median: median(ms.slice(1)), logits: last };
}

function report(name: string, r: { first: number; median: number }, baseline?: number) {
  const s = r.median / 1000;
  const gflops = (2 * cost.macs) / s / 1e9;
  const gbs = cost.trafficBytes / s / 1e9;
  const peak = [
    peakTflops ? `${((100 * gflops) / (peakTflops * 1000)).toFixed(1)} % of peak FLOP/s` : '',
    peakGbs ? `${((100 * gbs) / peakGbs).toFixed(1)} % of peak bandwidth` : '',
  ]
    .filter(Boolean)
    .join(', ');
  console.log(
    `${name.padEnd(34)} ${r.median.toFixed(0).padStart(7)} ms/tile (first ${r.first.toFixed(0)} ms)  ` +
      `${gflops.toFixed(1).padStart(7)} GFLOP/s  ${gbs.toFixed(1).padStart(6)} GB/s${peak ? `  ${peak}` : ''}` +
      (baseline ? `  ${(r.median / baseline).toFixed(2)}× onnxruntime` : ''),
  );
}

// onnxruntime's WebGPU EP, every node on the GPU (as the page's onnxruntime-web/webgpu)
const onnx = await exportFold(model, fold, { transposedConv: 'as-conv', concat: 'op', spatialShape: patch });
const session = await ort.InferenceSession.create(onnx, {
  executionProviders: ['webgpu'],
  extra: { session: { disable_cpu_ep_fallback: '1' } },
});
const ortRun = await timeTiles(async () => {
  const r = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', tile, shape) });
  const out = r[session.outputNames[0]];
  const data = (await out.getData()) as Float32Array;
  out.dispose();
  return data;
});
await session.release();

// Tessera's kernels: logits left on the GPU (what the accumulator gets), then read back once to compare
const be = new WebGpuBackend(gpu);
const net = createEngineNetwork(be, spec, await loadNetworkWeights(foldCheckpoint(model, fold), spec));
const onGpu = await timeTiles(async () => {
  const out = await net.runOnGpu(tile, shape);
  await be.sync();
  out.dispose();
  return undefined;
});
const readBack = await timeTiles(() => net.run(tile, shape));

report('onnxruntime WebGPU EP (read back)', ortRun);
report('Tessera WGSL (logits stay on GPU)', onGpu, ortRun.median);
report('Tessera WGSL (read back)', readBack, ortRun.median);
let maxDiff = 0;
let scale = 0;
const a = ortRun.logits!;
const b = readBack.logits!;
for (let i = 0; i < a.length; i++) {
  maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  scale = Math.max(scale, Math.abs(a[i]));
}
console.log(
  `logits: max |Tessera − onnxruntime| ${maxDiff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`,
);
console.log(
  `GPU memory of Tessera's forward: peak ${(cost.peakBytes / 2 ** 30).toFixed(2)} GiB, largest tensor ${(cost.largestTensorBytes / 2 ** 20).toFixed(0)} MiB`,
);
await net.release();
process.exit(0);
