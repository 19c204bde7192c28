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
 * Walk the box `box` (source axes; the whole array when omitted) of a C-order array of `shape` in the
 * order of the array transposed by `perm`: `visit(src, stride, count, dst)` for every output row, whose
 * `count` values sit at src + k·stride in the source and at dst + k in the transposed box.
 */
export function forEachTransposedRow(
  shape: Shape3,
  perm: readonly number[],
  box: BBox3 | undefined,
  visit: (src: number, stride: number, count: number, dst: number) => void,
): number {
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
  let o = 0;
  for (let i = 0; i < n0; i++)
    for (let j = 0; j < n1; j++) {
      visit(base + i * s0 + j * s1, s2, n2, o);
      o += n2;
    }
  return o;
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
  const b =
    box ??
    ([
      [0, shape[0]],
      [0, shape[1]],
      [0, shape[2]],
    ] as BBox3);
  const dst = make((b[0][1] - b[0][0]) * (b[1][1] - b[1][0]) * (b[2][1] - b[2][0]));
  forEachTransposedRow(shape, perm, b, (s, stride, count, d) => {
    if (stride === 1) for (let k = 0; k < count; k++) dst[d + k] = src[s + k];
    else for (let k = 0; k < count; k++) dst[d + k] = src[s + k * stride];
  });
  return dst;
}
