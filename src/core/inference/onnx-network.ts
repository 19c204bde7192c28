import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { describeError, TesseraError } from '../errors';
import type { NetworkFn } from './predict-sliding-window';

/**
 * The slice of the onnxruntime API Tessera uses. The module itself is injected (onnxruntime-web's
 * `/webgpu` build in the browser and for Node WebGPU, its wasm build in Node), so core stays free of a
 * particular runtime and of the DOM.
 */
export interface OrtLike {
  InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

export type Backend = 'webgpu' | 'wasm';

export interface OnnxNetwork {
  run: NetworkFn;
  backend: Backend;
  inputName: string;
  outputName: string;
  release(): Promise<void>;
}

/**
 * One ONNX session as a NetworkFn. With `strictWebGPU` every node must run on the WebGPU EP (session
 * creation fails otherwise) — the proof that nothing silently falls back to the CPU.
 */
export async function createOnnxNetwork(
  ort: OrtLike,
  model: Uint8Array,
  backend: Backend,
  options: { strictWebGPU?: boolean; name?: string; threads?: number } = {},
): Promise<OnnxNetwork> {
  const name = options.name ?? 'model.onnx';
  let session: InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [backend],
      graphOptimizationLevel: 'all',
      // onnxruntime-node only (onnxruntime-web takes env.wasm.numThreads)
      intraOpNumThreads: options.threads,
      extra:
        options.strictWebGPU && backend === 'webgpu'
          ? { session: { disable_cpu_ep_fallback: '1' } }
          : undefined,
    });
  } catch (e) {
    throw new TesseraError('bad-model', name, `could not be loaded on ${backend} (${describeError(e)})`);
  }
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
    release: () => session.release(),
  };
}
