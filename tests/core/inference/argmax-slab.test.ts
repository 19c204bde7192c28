import { describe, expect, it } from 'vitest';
import { argmaxSlabPruned } from '../../../src/core/inference/export/argmax-slab';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import { roundToHalf } from '../../../src/core/pycompat/float16';
import { clipBounds, dataSlab, wholeSlab } from '../../../src/core/resampling/resample-data';
import { resampleLinearExact } from '../../../src/core/resampling/resample-linear-exact';
import type { ResampleSpec } from '../../../src/core/resampling/resample-plan';

/** The unpruned export: every channel resampled (scipy's arithmetic), float16, first maximum wins. */
function reference(logits: Float32Array[], spec: ResampleSpec, bounds: Float64Array[]): Uint8Array {
  const slab = wholeSlab(spec);
  const values = logits.map((l, c) => resampleLinearExact(l, spec, slab, bounds[c], roundToHalf));
  const out = new Uint8Array(values[0].length);
  const best = values[0].slice();
  for (let c = 1; c < values.length; c++)
    for (let i = 0; i < best.length; i++)
      if (values[c][i] > best[i]) {
        best[i] = values[c][i];
        out[i] = c;
      }
  return out;
}

/**
 * Seeded logits with plateaus and exact float16 ties between channels (where pruning could go wrong).
 * `flatBelow`: input rows z < flatBelow hold flat logits (every channel within a few float16 steps, as an
 * undertrained model gives), where the export evaluates whole rows.
 */
function logitsFor(shape: Shape3, K: number, seed: number, flatBelow = 0): Float32Array[] {
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const n = shape[0] * shape[1] * shape[2];
  const organ = Float32Array.from({ length: n }, (_, i) => Math.floor((Math.sin(i * 0.002) + 1) * K * 0.5));
  return Array.from({ length: K }, (_, c) =>
    Float32Array.from({ length: n }, (_, i) => {
      if (i < flatBelow * shape[1] * shape[2]) return roundToHalf(1 + rand() * 0.01);
      const base = organ[i] === c ? 6 : organ[i] === (c + 1) % K ? 5.99 : rand() * 4 - 2;
      // every 7th voxel: the even channels tie at 6
      if (i % 7 === 0 && c % 2 === 0) return 6;
      // every 5th: the even channels just below 7 in float32, equal to it in float16 (a tie after the cast)
      if (i % 5 === 1 && c < 4) return c % 2 === 0 ? 7 - 2 ** -13 : 7;
      return roundToHalf(base + (rand() - 0.5) * 1e-3);
    }),
  );
}

const cases: {
  name: string;
  inShape: Shape3;
  outShape: Shape3;
  order: number;
  orderZ: number;
  axis: 0 | 1 | 2 | null;
  /** input rows below this are flat (see logitsFor) */
  flatBelow?: number;
}[] = [
  {
    name: 'linear, upsampled, flat logits (whole-row evaluation)',
    inShape: [9, 13, 11],
    outShape: [17, 40, 37],
    order: 1,
    orderZ: 0,
    axis: null,
    flatBelow: 9,
  },
  {
    name: 'linear, upsampled, flat then sharp (switching between row kinds)',
    inShape: [24, 13, 11],
    outShape: [50, 40, 37],
    order: 1,
    orderZ: 0,
    axis: null,
    flatBelow: 11,
  },
  {
    name: 'linear, upsampled (full-resolution export)',
    inShape: [9, 13, 11],
    outShape: [17, 40, 37],
    order: 1,
    orderZ: 0,
    axis: null,
  },
  {
    name: 'linear, downsampled',
    inShape: [14, 21, 19],
    outShape: [6, 9, 8],
    order: 1,
    orderZ: 0,
    axis: null,
  },
  { name: 'nearest', inShape: [9, 13, 11], outShape: [12, 20, 7], order: 0, orderZ: 0, axis: null },
  {
    name: 'separate z (axis 0), nearest along it',
    inShape: [5, 13, 11],
    outShape: [11, 30, 25],
    order: 1,
    orderZ: 0,
    axis: 0,
  },
  {
    name: 'separate axis 2, linear along it',
    inShape: [12, 13, 4],
    outShape: [20, 25, 9],
    order: 1,
    orderZ: 1,
    axis: 2,
  },
  {
    name: 'separate axis 1, same length along it',
    inShape: [10, 6, 11],
    outShape: [21, 6, 23],
    order: 1,
    orderZ: 0,
    axis: 1,
  },
];

describe('pruned export argmax equals resampling every channel', () => {
  for (const c of cases)
    it(c.name, () => {
      const spec: ResampleSpec = { ...c, isSeg: false };
      const logits = logitsFor(c.inShape, 12, 7, c.flatBelow);
      const bounds = logits.map((l) => clipBounds(l, spec));
      const want = reference(logits, spec, bounds);
      // in slabs of 3 output rows, as the streaming export runs it
      const plane = c.inShape[1] * c.inShape[2];
      const outPlane = c.outShape[1] * c.outShape[2];
      const got = new Uint8Array(want.length);
      for (let j0 = 0; j0 < c.outShape[0]; j0 += 3) {
        const slab = dataSlab(spec, j0, Math.min(c.outShape[0], j0 + 3));
        const part = logits.map((l) => l.slice(slab.lo * plane, slab.hi * plane));
        const out = new Uint8Array((slab.j1 - slab.j0) * outPlane);
        argmaxSlabPruned(part, spec, slab, bounds, roundToHalf, out);
        got.set(out, j0 * outPlane);
      }
      let mismatches = 0;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
      expect(mismatches).toBe(0);
      // the data must exercise ties and several winners
      expect(new Set(want).size).toBeGreaterThan(5);
    });
});
