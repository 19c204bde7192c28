import type { BBox3, Shape3 } from './crop';

/**
 * Axis permutations of C-order (z, y, x) arrays with NumPy's meaning: transposing by `perm` gives an
 * array whose axis i is the source's axis perm[i]. nnU-Net transposes by the plans'
 * transpose_forward before cropping and by transpose_backward on export.
 */
export function transposedShape(shape: readonly number[], perm: readonly number[]): Shape3 {
  return [shape[perm[0]], shape[perm[1]], shape[perm[2]]];
}

export function isIdentity(perm: readonly number[]): boolean {
  return perm[0] === 0 && perm[1] === 1 && perm[2] === 2;
}

/** Inverse permutation (transpose_backward of a transpose_forward). */
export function inversePermutation(perm: readonly number[]): [number, number, number] {
  const inv: [number, number, number] = [0, 0, 0];
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** Permute a box given in source axes into the transposed array's axes. */
export function transposeBBox(b: BBox3, perm: readonly number[]): BBox3 {
  return [b[perm[0]], b[perm[1]], b[perm[2]]].map((r) => [r[0], r[1]]) as BBox3;
}

/**
 * Copy the box `box` (source axes; the whole array when omitted) of `src` out transposed by `perm`,
 * into `dst` (allocated by `make`), converting values on the way (e.g. int16 → float32).
 */
export function gatherTransposed<T extends { length: number; [i: number]: number }>(
  src: ArrayLike<number>,
  shape: Shape3,
  perm: readonly number[],
  make: (n: number) => T,
  box?: BBox3,
): T {
  const b: BBox3 = box ?? [
    [0, shape[0]],
    [0, shape[1]],
    [0, shape[2]],
  ];
  const strides = [shape[1] * shape[2], shape[2], 1];
  const base = b[0][0] * strides[0] + b[1][0] * strides[1] + b[2][0] * strides[2];
  const n0 = b[perm[0]][1] - b[perm[0]][0];
  const n1 = b[perm[1]][1] - b[perm[1]][0];
  const n2 = b[perm[2]][1] - b[perm[2]][0];
  const s0 = strides[perm[0]];
  const s1 = strides[perm[1]];
  const s2 = strides[perm[2]];
  const dst = make(n0 * n1 * n2);
  let o = 0;
  for (let i = 0; i < n0; i++)
    for (let j = 0; j < n1; j++) {
      const row = base + i * s0 + j * s1;
      if (s2 === 1) for (let k = 0; k < n2; k++) dst[o++] = src[row + k];
      else for (let k = 0; k < n2; k++) dst[o++] = src[row + k * s2];
    }
  return dst;
}
