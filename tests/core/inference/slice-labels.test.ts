import { describe, expect, it } from 'vitest';
import { sliceLabels } from '../../../src/core/inference/export/slice-labels';
import { finalizeSlice, type SliceCrop } from '../../../src/core/inference/finalize-slice';
import type { SliceSums } from '../../../src/core/inference/tile-accumulator';
import { floatToHalfBits } from '../../../src/core/pycompat/float16';

/** The definition: the slice finalized whole (division in float16), then argmax, the first maximum winning. */
function reference(s: SliceSums, crop: SliceCrop): number[] {
  const logits = finalizeSlice(s, crop);
  const n = crop.Y * crop.X;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = logits[i];
    let label = 0;
    for (let k = 1; k < crop.K; k++)
      if (logits[k * n + i] > best) {
        best = logits[k * n + i];
        label = k;
      }
    out.push(label);
  }
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * A padded slice whose sums come from a few neighbouring halves (ties before and after the division),
 * with edge values mixed in, and weights in the sliding window's range, some above 1 (quotients merge).
 */
function slice(K: number, seed: number, edges: boolean): { sums: SliceSums; crop: SliceCrop } {
  const rnd = random(seed);
  const crop: SliceCrop = { K, padded: [9, 7, 11], padBelow: [1, 2, 3], Y: 4, X: 6 };
  const plane = 7 * 11;
  const near = [0.5, 1.25, -2, 3.1, 700, 1e-6].map(floatToHalfBits);
  const special = [0x7c00, 0xfc00, 0x7e00, 0xfe00, 0x8000, 0x0000, 0x0001, 0x8001, 0x7bff, 0xfbff];
  const logits = new Uint16Array(K * plane);
  for (let i = 0; i < logits.length; i++) {
    const r = rnd();
    logits[i] =
      edges && r < 0.08
        ? special[Math.floor(rnd() * special.length)]
        : near[Math.floor(rnd() * near.length)] + Math.floor(rnd() * 4) - 1;
  }
  const weight = new Uint16Array(plane);
  const w = [1e-3, 0.0123, 0.3333, 0.999, 1, 1.5, 2.75, 7.9];
  for (let i = 0; i < plane; i++) weight[i] = floatToHalfBits(w[Math.floor(rnd() * w.length)]);
  return { sums: { half: true, logits: [logits], weight }, crop };
}

describe('sliceLabels', () => {
  it('equals finalize-then-argmax on one fold of float16 sums, ties, NaN, ±∞, ±0 and subnormals included', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { sums, crop } = slice(seed % 2 ? 7 : 40, seed, seed % 3 !== 0);
      expect([...sliceLabels(sums, crop, crop.K - 1)], `seed ${seed}`).toEqual(reference(sums, crop));
    }
  });

  it('gives uint16 labels from 255 foreground labels on', () => {
    const { sums, crop } = slice(300, 7, false);
    sums.logits[0][280 * 77 + 2 * 11 + 3] = floatToHalfBits(60000); // voxel (0, 0): class 280 leads
    const labels = sliceLabels(sums, crop, 299);
    expect(labels).toBeInstanceOf(Uint16Array);
    expect([...labels]).toEqual(reference(sums, crop));
    expect(labels[0]).toBe(280);
  });

  it('finalizes whole where the shortcut does not hold: a zero weight, two folds, float32 sums', () => {
    const a = slice(9, 3, true);
    const zero = { ...a.sums, weight: a.sums.weight.slice() } as SliceSums;
    zero.weight[2 * 11 + 3] = 0; // inside the crop: 0 / 0 and a / 0
    expect([...sliceLabels(zero, a.crop, 8)]).toEqual(reference(zero, a.crop));

    const b = slice(9, 4, true);
    const folds: SliceSums = {
      half: true,
      logits: [a.sums.logits[0] as Uint16Array, b.sums.logits[0] as Uint16Array],
      weight: a.sums.weight as Uint16Array,
    };
    expect([...sliceLabels(folds, a.crop, 8)]).toEqual(reference(folds, a.crop));

    const rnd = random(5);
    const f32: SliceSums = {
      half: false,
      logits: [Float32Array.from(a.sums.logits[0], () => rnd() * 4 - 2)],
      weight: Float32Array.from(a.sums.weight, () => 0.5 + rnd()),
    };
    expect([...sliceLabels(f32, a.crop, 8)]).toEqual(reference(f32, a.crop));
  });
});
