import { describe, expect, it } from 'vitest';
import { floatToHalfBits, HALF_VALUES, roundHalf } from '../../../src/core/pycompat/float16';
import { divideHalfRow, halfReciprocals } from '../../../src/core/pycompat/half-division';

/** The scalar definition: the float32 quotient of the two halves, rounded to half (ties to even). */
function reference(a: number, w: number): number {
  return roundHalf(HALF_VALUES[a] / HALF_VALUES[w]);
}

/** Divisors that probe the edges: zeros, subnormals, powers of two, the largest half, ∞, NaN, and a spread. */
function divisors(): number[] {
  const w = [0x0000, 0x8000, 0x0001, 0x0003, 0x03ff, 0x0400, 0x3c00, 0x3c01, 0x3bff, 0x4000, 0x7bff, 0x7c00];
  w.push(0xfc00, 0x7e00, 0xbc00, 0x0200, 0x1400, 0x2e66, 0x3555, 0x5640);
  let seed = 11;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    w.push(seed >>> 16);
  }
  // Gaussian-like weights of the sliding window: (0, 1] and a few sums of them
  for (const v of [1e-3, 0.0123, 0.1, 0.3333, 0.5, 0.999, 1.5, 2.75, 7.9]) w.push(floatToHalfBits(v));
  return w;
}

function sameValue(got: number, want: number): boolean {
  return Number.isNaN(want) ? Number.isNaN(got) : Object.is(got, want);
}

describe('divideHalfRow', () => {
  it('equals half(float32(a) / float32(w)) for every half a, over edge and random divisors', () => {
    const n = 65536;
    const numerators = new Uint16Array(n);
    for (let a = 0; a < n; a++) numerators[a] = a;
    const inv = new Float64Array(n);
    const out = new Float32Array(n);
    const bits = new Uint32Array(out.buffer);
    for (const w of divisors()) {
      halfReciprocals(new Uint16Array(n).fill(w), 0, n, inv, 0);
      divideHalfRow(numerators, 0, inv, 0, out, bits, 0, n);
      let bad = -1;
      for (let a = 0; a < n && bad < 0; a++) if (!sameValue(out[a], reference(a, w))) bad = a;
      expect(bad, `w = 0x${w.toString(16)}, a = 0x${bad.toString(16)}`).toBe(-1);
    }
  });

  it('covers ties, subnormal results and overflow to ∞', () => {
    // exact quotients, ties in the subnormals, overflow and underflow, quotients by 3 (never exact)
    const cases: [number, number][] = [
      [0x3c01, 0x4000], // (1 + 2^-10) / 2: exact
      [0x0001, 0x4000], // 2^-25: a tie between 0 and the smallest subnormal, rounds to even (0)
      [0x0003, 0x4000], // 1.5 × 2^-24: a tie, rounds to even (2 × 2^-24)
      [0x7bff, 0x0001], // 65504 / 2^-24 → ∞
      [0xfbff, 0x0001], // → −∞
      [0x0001, 0x7bff], // → +0
      [0x8001, 0x7bff], // → −0
      [0x3c00, 0x4200], // 1 / 3
      [0x4900, 0x4200], // 10 / 3
    ];
    const numerators = Uint16Array.from(cases.map((c) => c[0]));
    const weights = Uint16Array.from(cases.map((c) => c[1]));
    const inv = new Float64Array(cases.length);
    halfReciprocals(weights, 0, cases.length, inv, 0);
    const out = new Float32Array(cases.length + 2);
    divideHalfRow(numerators, 0, inv, 0, out, new Uint32Array(out.buffer), 1, cases.length);
    cases.forEach(([a, w], i) => {
      expect(sameValue(out[i + 1], reference(a, w)), `${a}/${w}`).toBe(true);
    });
    expect(out[2]).toBe(0);
    expect(out[3]).toBe(2 ** -23);
    expect(out[4]).toBe(Number.POSITIVE_INFINITY);
    expect(out[5]).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(out[7], -0)).toBe(true);
    // the row's neighbours are untouched
    expect(out[0]).toBe(0);
    expect(out[cases.length + 1]).toBe(0);
  });
});
