import * as ort from 'onnxruntime-web';
import type { OrtLike } from '../../src/core/inference/onnx-network';

/** onnxruntime-web's wasm build in Node (the same runtime the browser's fallback uses). */
ort.env.wasm.numThreads = 1;
export const ortWasm = ort as unknown as OrtLike;
