/**
 * Round a number (float64 or float32) to the nearest IEEE half-precision value, ties to even, in one
 * rounding as NumPy's float64 → float16 cast does (torch's cast goes through float32 first: that is
 * io/float16.ts roundHalf); returned as a number. nnU-Net's sliding window accumulates
 * logits in float16 and resamples them into float16 arrays, so the argmax on export sees
 * half-precision values (and their ties).
 *
 * Normal halves are the float32 values whose 13 low mantissa bits are zero, so rounding works on the
 * float32 bits; only a float32 that lands exactly on a midpoint needs the original value to decide.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
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
