import type { NetworkFn } from '../../../src/core/inference/predict-sliding-window';

// Shared by the sliding-window tests (CPU semantics, GPU accumulator).

/** A position-dependent fake network, so mirroring and tile placement change its output. */
export function fakeNetwork(K: number, seed: number): NetworkFn {
  return async (tile, shape) => {
    const spatial = shape.slice(2);
    const vox = spatial.reduce((a, b) => a * b, 1);
    const C = shape[1];
    const out = new Float32Array(K * vox);
    for (let k = 0; k < K; k++)
      for (let v = 0; v < vox; v++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += tile[c * vox + v] * (c + 1);
        out[k * vox + v] = Math.fround(Math.sin(s * (k + 1) + seed) + (v % 7) * 0.01 * (k - 1));
      }
    return out;
  };
}

export function image(shape: number[]): Float32Array {
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.37) * 2);
}

export const CASES: {
  name: string;
  shape: number[];
  patch: number[];
  mirror: number[];
  folds: number;
  K: number;
}[] = [
  {
    name: '3-D, no TTA, image larger than the patch',
    shape: [1, 13, 11, 9],
    patch: [6, 8, 4],
    mirror: [],
    folds: 1,
    K: 3,
  },
  {
    name: '3-D, image smaller than the patch (padding)',
    shape: [1, 5, 6, 3],
    patch: [8, 8, 4],
    mirror: [],
    folds: 1,
    K: 2,
  },
  {
    name: '3-D, full TTA, 2 channels',
    shape: [2, 9, 7, 8],
    patch: [4, 4, 4],
    mirror: [0, 1, 2],
    folds: 1,
    K: 2,
  },
  {
    name: '3-D, 3 folds with TTA on two axes',
    shape: [1, 7, 9, 6],
    patch: [4, 6, 4],
    mirror: [1, 2],
    folds: 3,
    K: 3,
  },
  {
    name: '2-D network slice by slice, TTA',
    shape: [1, 4, 10, 9],
    patch: [6, 4],
    mirror: [0, 1],
    folds: 2,
    K: 2,
  },
];
