import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { describeError, TesseraError } from '../errors';
import type { GpuOutput } from './gpu-tile-accumulator';
import type { AccumulateFn, NetworkFn, SliceLabelsFn } from './predict-sliding-window';

/**
 * The slice of the onnxruntime API Tessera uses. The module itself is injected (onnxruntime-web's
 * `/webgpu` build in the browser and for Node WebGPU, its wasm build in Node), so core stays free of a
 * particular runtime and of the DOM.
 */
export interface OrtLike {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  Tensor: {
    new (type: 'float32', data: Float32Array, dims: readonly number[]): Tensor;
    new (type: 'float16', data: Uint16Array, dims: readonly number[]): Tensor;
  };
}

/** webgpu and wasm: onnxruntime-web (browser) or its twins in Node; cpu: onnxruntime-node's native CPU EP (CLI). */
export type Backend = 'webgpu' | 'wasm' | 'cpu';

/** One fold's network, whatever runs it (an onnxruntime session, or the engine's WGSL kernels). */
export interface TileNetwork {
  /** logits read back to the CPU */
  run: NetworkFn;
  /** logits left in a GPU buffer (WebGPU sessions made with `outputOnGpu`, the engine's kernels) */
  runOnGpu: NetworkFn<GpuOutput>;
  release(): Promise<void>;
}

export interface OnnxNetwork extends TileNetwork {
  backend: Backend;
  inputName: string;
  outputName: string;
}

/** An onnxruntime session with Tessera's options; a model that will not load is the model's error. */
async function openSession(
  ort: OrtLike,
  model: Uint8Array,
  backend: Backend,
  options: { strictWebGPU?: boolean; name?: string; threads?: number; outputOnGpu?: boolean },
): Promise<InferenceSession> {
  try {
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
    };
    // onnxruntime-node only (onnxruntime-web takes env.wasm.numThreads)
    if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
    // CPU EPs: without the arena, a tile's activations go back to the system after each run
    // (the arena keeps its high-water mark: ~1 GB more peak for a 118-class model, no faster)
    if (backend !== 'webgpu') sessionOptions.enableCpuMemArena = false;
    if (options.strictWebGPU && backend === 'webgpu')
      sessionOptions.extra = { session: { disable_cpu_ep_fallback: '1' } };
    // the logits stay in a GPU buffer for the GPU tile accumulator; run() still reads them back
    if (options.outputOnGpu && backend === 'webgpu') sessionOptions.preferredOutputLocation = 'gpu-buffer';
    return await ort.InferenceSession.create(model, sessionOptions);
  } catch (e) {
    throw new TesseraError(
      'bad-model',
      options.name ?? 'model.onnx',
      `could not be loaded on ${backend} (${describeError(e)})`,
    );
  }
}

/**
 * One ONNX session as a NetworkFn. With `strictWebGPU` every node must run on the WebGPU EP (session
 * creation fails otherwise) — the proof that nothing silently falls back to the CPU.
 */
export async function createOnnxNetwork(
  ort: OrtLike,
  model: Uint8Array,
  backend: Backend,
  options: { strictWebGPU?: boolean; name?: string; threads?: number; outputOnGpu?: boolean } = {},
): Promise<OnnxNetwork> {
  const session = await openSession(ort, model, backend, options);
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  return {
    backend,
    inputName,
    outputName,
    async run(tile, shape) {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', tile, shape) });
      const out = result[outputName];
      const data = (await out.getData()) as Float32Array;
      out.dispose();
      return data;
    },
    async runOnGpu(tile, shape) {
      const result = await session.run({ [inputName]: new ort.Tensor('float32', tile, shape) });
      const out = result[outputName];
      if (out.location !== 'gpu-buffer')
        throw new Error('the session was not made with outputOnGpu on WebGPU');
      return out as unknown as GpuOutput;
    },
    release: () => session.release(),
  };
}

export interface AccumulatingHead {
  run: AccumulateFn;
  release(): Promise<void>;
}

export async function createAccumulatingHead(
  ort: OrtLike,
  model: Uint8Array,
  backend: Backend,
  options: { name?: string; threads?: number } = {},
): Promise<AccumulatingHead> {
  const session = await openSession(ort, model, backend, options);
  return {
    async run(features, accumulator, gaussian, [y, x]) {
      const c = features.length / (y * x);
      const k = accumulator.length / (y * x);
      const result = await session.run({
        features: new ort.Tensor('float32', features, [1, c, 1, y, x]),
        accumulator: new ort.Tensor('float16', accumulator, [1, k, 1, y, x]),
        gaussian: new ort.Tensor('float32', gaussian, [1, 1, 1, y, x]),
      });
      const out = result.accumulated;
      // float16 data comes back as Uint16Array, or as Float16Array where the JS engine has one (Chromium):
      // the same bits either way
      const data = (await out.getData()) as unknown as ArrayBufferView;
      out.dispose();
      return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    },
    release: () => session.release(),
  };
}

export interface LabelsHead {
  run: SliceLabelsFn;
  release(): Promise<void>;
}

/** The segmentation layer through nnU-Net's division and argmax for a slice one tile covers alone. */
export async function createLabelsHead(
  ort: OrtLike,
  model: Uint8Array,
  backend: Backend,
  options: { name?: string; threads?: number } = {},
): Promise<LabelsHead> {
  const session = await openSession(ort, model, backend, options);
  return {
    async run(features, gaussian, [y, x]) {
      const c = features.length / (y * x);
      const result = await session.run({
        features: new ort.Tensor('float32', features, [1, c, 1, y, x]),
        gaussian: new ort.Tensor('float32', gaussian, [1, 1, 1, y, x]),
      });
      const out = result.labels;
      const data = (await out.getData()) as BigInt64Array;
      out.dispose();
      return Int32Array.from(data, Number);
    },
    release: () => session.release(),
  };
}
