/**
 * IEEE 754 half precision, for reproducing nnU-Net's float16 arithmetic (its sliding-window accumulation
 * and Gaussian map are float16) and for reading float16 arrays. Values stay JS numbers; `roundHalf` gives
 * the nearest representable half (round to nearest, ties to even), as a cast to torch.half does. Note that
 * torch casts float64 to half through float32 (two roundings), and so does `roundHalf`.
 */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Bits of the half nearest to a float32 (x is rounded to float32 first). */
export function floatToHalfBits(x: number): number {
  F32[0] = x;
  const f = U32[0];
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  let mant = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const rounded = rem > mid || (rem === mid && half & 1) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  const rounded = rem > 0x1000 || (rem === 0x1000 && half & 1) ? half + 1 : half;
  if (rounded >= 0x7c00) return sign | 0x7c00;
  return sign | rounded;
}

export function halfBitsToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Lookup table half bits → value: 64k entries, faster than recomputing in hot loops. */
const HALF_TO_FLOAT = new Float32Array(65536);
for (let h = 0; h < 65536; h++) HALF_TO_FLOAT[h] = halfBitsToFloat(h);

/** The float32 value nearest x, then the half nearest that: what `tensor.half()` does to float32 data. */
export function roundHalf(x: number): number {
  return HALF_TO_FLOAT[floatToHalfBits(x)];
}

export function halfToFloat(h: number): number {
  return HALF_TO_FLOAT[h & 0xffff];
}

// Float32 bit patterns of the normal halves' range: [2^-14, 65520). 65520 itself rounds (ties to even) to inf.
const SMALLEST_NORMAL_BITS = 0x38800000;
const OVERFLOW_BITS = 0x477ff000;

/**
 * `roundHalf` over a run of float32 values, in place: what `tensor.half()` then `.float()` gives. The
 * normal range is rounded on the float32 bits (add half an ulp of half precision, ties to even, clear the
 * 13 low bits); only subnormals, zeros, overflow and NaN take the per-value path. Hot loops of the
 * sliding window call this on a row at a time.
 */
export function roundHalfInPlace(values: Float32Array, bits: Uint32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const u = bits[i];
    const a = u & 0x7fffffff;
    if (a >= SMALLEST_NORMAL_BITS && a < OVERFLOW_BITS) bits[i] = (u + 0xfff + ((u >>> 13) & 1)) & 0xffffe000;
    else values[i] = roundHalf(values[i]);
  }
}

/**
 * `floatToHalfBits` over a run of float32 values (`bits` views the same memory): out[o + i] = the half
 * nearest values[i], for i in [0, n).
 */
export function halfBitsOfRow(
  values: Float32Array,
  bits: Uint32Array,
  n: number,
  out: Uint16Array,
  o: number,
): void {
  for (let i = 0; i < n; i++) {
    const u = bits[i];
    const a = u & 0x7fffffff;
    out[o + i] =
      a >= SMALLEST_NORMAL_BITS && a < OVERFLOW_BITS
        ? ((u >>> 16) & 0x8000) | (((a + 0xfff + ((a >>> 13) & 1)) >>> 13) - 0x1c000)
        : floatToHalfBits(values[i]);
  }
}

/** The half-bits → float32 table, for loops that decode many values. */
export const HALF_VALUES: Readonly<Float32Array> = HALF_TO_FLOAT;

/**
 * Round a number (float64 or float32) to the nearest IEEE half-precision value, ties to even, in one
 * rounding as NumPy's float64 → float16 cast does (torch's cast goes through float32 first: that is
 * `roundHalf` above); returned as a number. nnU-Net's sliding window accumulates
 * logits in float16 and resamples them into float16 arrays, so the argmax on export sees
 * half-precision values (and their ties).
 *
 * Normal halves are the float32 values whose 13 low mantissa bits are zero, so rounding works on the
 * float32 bits; only a float32 that lands exactly on a midpoint needs the original value to decide.
 */
const f32 = F32;
const u32 = U32;
const SMALLEST_NORMAL = 2 ** -14;
const SUBNORMAL_STEP = 2 ** 24;

export function roundToHalf(x: number): number {
  const a = Math.abs(x);
  if (!(a < 65520)) return Number.isNaN(x) ? x : x < 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (a < SMALLEST_NORMAL) {
    // subnormal halves: multiples of 2^-24 (exact in float64)
    const q = a * SUBNORMAL_STEP;
    const f = Math.floor(q);
    const d = q - f;
    const r = d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
    return (x < 0 ? -r : r) / SUBNORMAL_STEP;
  }
  f32[0] = x;
  let u = u32[0];
  const low = u & 0x1fff;
  let up: boolean;
  if (low === 0x1000) {
    // the float32 sits on the midpoint: the float64 value (if any) says which side it was on
    const diff = a - Math.abs(f32[0]);
    up = diff > 0 || (diff === 0 && (u & 0x2000) !== 0);
  } else up = low > 0x1000;
  u = (u & ~0x1fff) >>> 0;
  if (up) u += 0x2000;
  u32[0] = u;
  return f32[0];
}
