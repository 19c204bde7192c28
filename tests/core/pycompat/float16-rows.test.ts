import { describe, expect, it } from 'vitest';
import {
  floatToHalfBits,
  HALF_VALUES,
  halfBitsOfRow,
  roundHalf,
  roundHalfInPlace,
} from '../../../src/core/pycompat/float16';

/** Values that probe every branch: ties at half's 13 dropped bits, subnormals, the overflow edge, NaN. */
function probeValues(): Float32Array {
  const v: number[] = [
    0,
    -0,
    1,
    -1,
    65504,
    65519.99,
    65520,
    65536,
    -65520,
    1e9,
    Number.NaN,
    Infinity,
    -Infinity,
  ];
  v.push(2 ** -14, -(2 ** -14), 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -14 - 2 ** -30, 6e-8, 1e-30);
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  // exact midpoints between neighbouring halves (odd and even lower neighbour) and their float32 neighbours
  for (const h of [0x3c00, 0x3c01, 0x0400, 0x0401, 0x7bfe, 0x0001, 0x0002, 0x8401]) {
    f[0] = HALF_VALUES[h];
    const mid = bits[0] + 0x1000;
    for (const d of [-1, 0, 1]) {
      bits[0] = mid + d;
      v.push(f[0]);
    }
  }
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let i = 0; i < 20000; i++) v.push((rand() - 0.5) * 10 ** (rand() * 14 - 9));
  for (let i = 0; i < 20000; i++) {
    bits[0] = (rand() * 2 ** 32) >>> 0;
    v.push(f[0]);
  }
  return new Float32Array(v);
}

describe('float16 row kernels', () => {
  const values = probeValues();

  it('roundHalfInPlace equals roundHalf value by value (bits included: -0, NaN)', () => {
    const got = values.slice();
    roundHalfInPlace(got, new Uint32Array(got.buffer), 0, got.length);
    for (let i = 0; i < values.length; i++) {
      const want = roundHalf(values[i]);
      if (Number.isNaN(want)) expect(got[i]).toBeNaN();
      else expect(Object.is(got[i], Math.fround(want)), `${values[i]} → ${got[i]}, want ${want}`).toBe(true);
    }
  });

  it('halfBitsOfRow equals floatToHalfBits value by value, at an offset', () => {
    const out = new Uint16Array(values.length + 5);
    halfBitsOfRow(values, new Uint32Array(values.buffer), values.length, out, 5);
    for (let i = 0; i < values.length; i++) expect(out[i + 5]).toBe(floatToHalfBits(values[i]));
  });

  it('roundHalfInPlace leaves values outside [from, to) alone', () => {
    const v = new Float32Array([1.0001, 1.0001, 1.0001]);
    roundHalfInPlace(v, new Uint32Array(v.buffer), 1, 2);
    expect([...v]).toEqual([Math.fround(1.0001), 1, Math.fround(1.0001)]);
  });
});
