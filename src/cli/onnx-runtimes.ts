import { TesseraError } from '../core/errors';
import type { Backend, OrtLike } from '../core/inference/onnx-network';
import { SWIFTSHADER_DIR, SWIFTSHADER_ICD } from './swiftshader';

/**
 * The ONNX runtimes the CLI runs on. `cpu` is onnxruntime-node's native CPU EP (the fastest on a machine
 * without a GPU, and what `auto` means in Node); `wasm` is onnxruntime-web's wasm build — the very runtime
 * the browser falls back to, so CLI and page can be compared; `webgpu` is onnxruntime-node's WebGPU EP (the
 * same C++ WebGPU provider as onnxruntime-web's `/webgpu` build), which needs a Vulkan/Metal/D3D12 driver.
 */
export async function loadRuntime(backend: Backend, threads: number): Promise<OrtLike> {
  if (backend === 'wasm') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    return ort as unknown as OrtLike;
  }
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  return ort as unknown as OrtLike;
}

/** Turn onnxruntime-node's adapter failure into advice. */
export function explainWebGpuFailure(e: unknown): TesseraError | null {
  const msg = e instanceof Error ? e.message : String(e);
  if (!/adapter/i.test(msg)) return null;
  return new TesseraError(
    'device-lost',
    'webgpu',
    'Node found no WebGPU adapter (no GPU driver). Use --backend wasm, or on a machine without a GPU point Vulkan at ' +
      `Chromium's SwiftShader: LD_LIBRARY_PATH=${SWIFTSHADER_DIR} VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`,
  );
}
