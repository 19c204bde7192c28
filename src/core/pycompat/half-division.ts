import { HALF_VALUES, roundHalf } from './float16';

// A local alias: indexing an imported binding in a hot loop costs V8 a hole check per access (~4× slower).
const HALF = HALF_VALUES as Float32Array;

/** Float32 bit patterns of the normal halves' range, as in float16.ts roundHalfInPlace. */
const SMALLEST_NORMAL_BITS = 0x38800000;
const OVERFLOW_BITS = 0x477ff000;

/**
 * 1 / w (float64) for every half w in `weights[from, from + n)`, into `out`: the divisor side of
 * `divideHalfRow`, computed once per voxel and reused for all K classes.
 */
export function halfReciprocals(
  weights: Uint16Array,
  from: number,
  n: number,
  out: Float64Array,
  o: number,
): void {
  for (let i = 0; i < n; i++) out[o + i] = 1 / HALF[weights[from + i]];
}

/**
 * nnU-Net's `(predicted_logits / n_predictions).half()` for one row of halves: out[o + i] =
 * half(float32(a) / float32(w)), a = numerators[a0 + i], w the half whose reciprocal is inv[r0 + i],
 * rounded to nearest even (float32 first, then half, as torch does).
 *
 * Why a product is exact here: a and w have 11-bit significands, so a / w is never a float32 midpoint and
 * lies at least 2^-36 (relative) from any; a × fl64(1 / w) is within 2^-52 of a / w, so it rounds to the
 * same float32, for every finite, infinite, zero or NaN operand alike (0 × ∞ = 0 / 0 = NaN).
 */
export function divideHalfRow(
  numerators: Uint16Array,
  a0: number,
  inv: Float64Array,
  r0: number,
  out: Float32Array,
  bits: Uint32Array,
  o: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const j = o + i;
    out[j] = HALF[numerators[a0 + i]] * inv[r0 + i];
    // round the float32 to half on its bits (normal halves); the rest through the scalar path
    const u = bits[j];
    const m = u & 0x7fffffff;
    if (m >= SMALLEST_NORMAL_BITS && m < OVERFLOW_BITS) bits[j] = (u + 0xfff + ((u >>> 13) & 1)) & 0xffffe000;
    else out[j] = roundHalf(out[j]);
  }
}

/**
 * One quotient as `divideHalfRow` computes it: half(float32(a) / float32(w)) for a half `a` and
 * inv = fl64(1 / w). For a positive finite w it never decreases as `a` grows (a product with a positive
 * number and two roundings, each monotonic).
 */
export function halfQuotient(a: number, inv: number): number {
  return roundHalf(a * inv);
}
