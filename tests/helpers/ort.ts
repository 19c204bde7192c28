import * as ort from 'onnxruntime-web';
import type { OrtLike } from '../../src/core/inference/onnx-network';

/** onnxruntime-web's wasm build in Node (the same runtime the browser's fallback uses). */
ort.env.wasm.numThreads = 1;
export const ortWasm = ort as unknown as OrtLike;

/** Run an ONNX model on onnxruntime-web's wasm EP (the browser's CPU path) and return the first output. */
export async function runWasm(model: Uint8Array | string, input: Float32Array, shape: number[]) {
  const session = await ort.InferenceSession.create(model as Uint8Array, { executionProviders: ['wasm'] });
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, shape) });
    const t = out[session.outputNames[0]];
    return { data: t.data as Float32Array, dims: [...t.dims] };
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Fraction of voxels whose channel argmax (first max wins) agrees; data are [N, C, ...spatial] C-order. */
export function argmaxAgreement(a: ArrayLike<number>, b: ArrayLike<number>, dims: number[]): number {
  const [n, c] = dims;
  const v = dims.slice(2).reduce((x, y) => x * y, 1);
  let agree = 0;
  for (let b0 = 0; b0 < n; b0++)
    for (let i = 0; i < v; i++) {
      let am = 0;
      let bm = 0;
      for (let k = 1; k < c; k++) {
        const at = (b0 * c + k) * v + i;
        if (a[at] > a[(b0 * c + am) * v + i]) am = k;
        if (b[at] > b[(b0 * c + bm) * v + i]) bm = k;
      }
      if (am === bm) agree++;
    }
  return agree / (n * v);
}
