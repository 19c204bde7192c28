/**
 * Child process of gpu-accumulator.test.ts (WebGPU on SwiftShader needs LD_LIBRARY_PATH at start): the
 * sliding window with its tile arithmetic on the GPU against the CPU accumulator. Prints one JSON line.
 */
import { create, globals } from 'webgpu';
import { openGpu } from '../../../src/core/gpu/device';
import { type GpuOutput, gpuAccumulatorFactory } from '../../../src/core/inference/gpu-tile-accumulator';
import { type NetworkFn, predictSlidingWindow } from '../../../src/core/inference/predict-sliding-window';
import { CASES, fakeNetwork, image } from './sliding-window-cases';

Object.assign(globalThis, globals);
// keep the context (and its GPU object) alive: Dawn's Node binding tears the device down with the GPU object
const gpuContext = await openGpu(create([]));
const device = gpuContext.device;
const results: { name: string; values: number; mismatches: number; readBackMismatches: number }[] = [];
for (const c of CASES) {
  const data = image(c.shape);
  const cpuFolds = Array.from({ length: c.folds }, (_, f) => fakeNetwork(c.K, f));
  // the same networks, their outputs handed over in GPU buffers as onnxruntime-web's WebGPU EP does
  const gpuFolds: NetworkFn<GpuOutput>[] = cpuFolds.map((net) => async (tile, shape) => {
    const out = await net(tile, shape);
    const gpuBuffer = device.createBuffer({
      size: out.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(gpuBuffer, 0, out as Float32Array<ArrayBuffer>);
    return {
      gpuBuffer,
      dims: [1, c.K, ...shape.slice(2)],
      getData: async () => out,
      dispose: () => gpuBuffer.destroy(),
    };
  });
  const options = { patchSize: c.patch, numClasses: c.K, mirrorAxes: c.mirror };
  const cpu = await predictSlidingWindow(data, c.shape, cpuFolds, options);
  const onGpu = await predictSlidingWindow<GpuOutput>(data, c.shape, gpuFolds, {
    ...options,
    accumulator: gpuAccumulatorFactory(device),
  });
  // a budget of 0 bytes: the window does not fit, outputs are read back tile by tile instead
  const readBack = await predictSlidingWindow<GpuOutput>(data, c.shape, gpuFolds, {
    ...options,
    accumulator: gpuAccumulatorFactory(device, 0),
  });
  const mismatch = (x: Float32Array) => x.reduce((n, v, i) => n + (v !== cpu[i] ? 1 : 0), 0);
  results.push({
    name: c.name,
    values: cpu.length,
    mismatches: mismatch(onGpu),
    readBackMismatches: mismatch(readBack),
  });
}
console.log(JSON.stringify({ adapter: gpuContext.description, results }));
process.exit(0);
