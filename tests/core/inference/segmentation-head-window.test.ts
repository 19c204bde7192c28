import { describe, expect, it } from 'vitest';
import { sliceLabels } from '../../../src/core/inference/export/slice-labels';
import {
  type AccumulateFn,
  type NetworkFn,
  predictSlidingWindow,
  type SliceLabelsFn,
  streamSlidingWindow,
} from '../../../src/core/inference/predict-sliding-window';
import { floatToHalfBits, HALF_VALUES } from '../../../src/core/pycompat/float16';

/**
 * The sliding window with the head apart, on synthetic networks: features are per-voxel functions of the
 * input channels (so mirroring commutes with them, as for a trained network's TTA) and the head is a fixed
 * affine map; the whole network is the head applied to the features. Head calls of a few slices (with a
 * short last chunk) must give the whole network's float16 logits.
 */
const C = 2; // input channels
const F = 3; // feature channels
const K = 4; // classes
const W = [
  [0.5, -1, 0.25],
  [1, 0.5, -0.5],
  [-0.25, 0.75, 1],
  [0.1, 0.2, 0.3],
];
const B = [0.1, -0.2, 0.3, 0];

function featuresOf(tile: Float32Array, shape: number[]): Float32Array {
  const n = shape.slice(2).reduce((a, b) => a * b, 1);
  const out = new Float32Array(F * n);
  for (let i = 0; i < n; i++) {
    const a = tile[i];
    const b = tile[n + i];
    out[i] = Math.fround(a + b);
    out[n + i] = Math.fround(a * b);
    out[2 * n + i] = Math.fround(Math.sin(a) - b);
  }
  return out;
}

function headOf(features: Float32Array, n: number): Float32Array {
  const out = new Float32Array(K * n);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < n; i++) {
      let v = B[k];
      for (let f = 0; f < F; f++) v += W[k][f] * features[f * n + i];
      out[k * n + i] = v;
    }
  return out;
}

// what emitAccumulatingHead computes: half(float(sum) + float32(logit × gaussian))
const accumulateInJs: AccumulateFn = async (features, sums, gaussian, [y, x]) => {
  const plane = y * x;
  const logits = headOf(features, plane);
  const out = new Uint16Array(sums.length);
  for (let k = 0; k < K; k++)
    for (let p = 0; p < plane; p++) {
      const i = k * plane + p;
      out[i] = floatToHalfBits(Math.fround(HALF_VALUES[sums[i]] + Math.fround(logits[i] * gaussian[p])));
    }
  return out;
};

const spatial = (shape: number[]) => shape.slice(2).reduce((a, b) => a * b, 1);
const trunk: NetworkFn = async (tile, shape) => featuresOf(tile, shape);
const head: NetworkFn = async (features, shape) => headOf(features, spatial(shape));
const headOnly = head;
const whole: NetworkFn = async (tile, shape) => headOf(featuresOf(tile, shape), spatial(shape));

describe('sliding window with the segmentation head apart', () => {
  for (const is2d of [false, true]) {
    it(`${is2d ? '2-D' : '3-D'} patches, two folds, TTA, head calls of 3 slices: the whole network's logits`, async () => {
      const shape = [C, 13, 11, 9];
      const n = 13 * 11 * 9;
      const data = Float32Array.from({ length: C * n }, (_, i) => Math.sin(i * 0.37) * 2);
      const patchSize = is2d ? [8, 8] : [8, 8, 6];
      const plane = patchSize.at(-2)! * patchSize.at(-1)!;
      const options = { patchSize, numClasses: K, mirrorAxes: is2d ? [0, 1] : [0, 2] };
      const reference = await predictSlidingWindow(data, shape, [whole, whole], options);
      let calls = 0;
      const counted: NetworkFn = async (f, s) => {
        calls++;
        return head(f, s);
      };
      const apart = await predictSlidingWindow(data, shape, [trunk, trunk], {
        ...options,
        head: { fns: [counted, counted], channels: F, valuesPerCall: K * plane * 3 },
      });
      expect(calls).toBeGreaterThan(0);
      let maxDiff = 0;
      for (let i = 0; i < reference.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(reference[i] - apart[i]));
      // float16 logits of magnitude < 8: one half step is 2^-8; the TTA mean taken before the head may move one
      expect(maxDiff).toBeLessThanOrEqual(2 ** -8);
      let same = 0;
      for (let i = 0; i < reference.length; i++) if (reference[i] === apart[i]) same++;
      expect(same / reference.length).toBeGreaterThan(0.95);
    });
  }

  it('the fused accumulation (head + float16 sum per slice), for tiles spanning the plane: the same bits', async () => {
    // y, x smaller than the patch: padded to it, so every tile spans the padded plane; z needs three tiles
    const shape = [C, 13, 6, 7];
    const n = 13 * 6 * 7;
    const data = Float32Array.from({ length: C * n }, (_, i) => Math.cos(i * 0.21) * 3);
    const options = { patchSize: [8, 8, 8], numClasses: K, mirrorAxes: [1] };
    const head = { fns: [headOnly, headOnly], channels: F };
    const plain = await predictSlidingWindow(data, shape, [trunk, trunk], { ...options, head });
    let calls = 0;
    const accumulate: AccumulateFn = (...args) => {
      calls++;
      return accumulateInJs(...args);
    };
    const fused = await predictSlidingWindow(data, shape, [trunk, trunk], {
      ...options,
      head: { ...head, accumulate: [accumulate, accumulate] },
    });
    expect(calls).toBe(2 * 3 * 8); // 2 folds × 3 z tiles (13 slices, step 4) × 8 slices
    expect(Array.from(fused)).toEqual(Array.from(plain));
  });

  for (const Z of [13, 6]) {
    it(`labels from the head for slices one tile covers alone (${Z} slices): the labels of the sums`, async () => {
      // 13 slices: z tiles at 0, 2 and 5 (patch 8), so slices 0–1 and 10–12 are a single tile's;
      // 6 slices: padded to the patch, one tile, every slice its own (the padding is never labelled)
      const shape = [C, Z, 6, 7];
      const n = Z * 6 * 7;
      const data = Float32Array.from({ length: C * n }, (_, i) => Math.cos(i * 0.13) * 4);
      const options = { patchSize: [8, 8, 8], numClasses: K };
      const run = async (labels: SliceLabelsFn | null) => {
        const volume = new Int32Array(n).fill(-1);
        const fromHead: number[] = [];
        await streamSlidingWindow(data, shape, [trunk], {
          ...options,
          head: {
            fns: [headOnly],
            channels: F,
            accumulate: [accumulateInJs],
            labels: labels ? [labels] : undefined,
          },
          onSums: async ({ z, sums, crop }) => volume.set(sliceLabels(sums, crop, K - 1), z * 42),
          onLabels: (z, l) => {
            fromHead.push(z);
            volume.set(l, z * 42);
          },
        });
        return { volume, fromHead };
      };
      // what the 'labels' graph computes: the first argmax of half(float(half(logit × g)) / g)
      const labelsInJs: SliceLabelsFn = async (features, gaussian, [y, x]) => {
        const plane = y * x;
        const logits = headOf(features, plane);
        const out = new Int32Array(plane);
        for (let p = 0; p < plane; p++) {
          let best = Number.NEGATIVE_INFINITY;
          for (let k = 0; k < K; k++) {
            const sum = HALF_VALUES[floatToHalfBits(Math.fround(logits[k * plane + p] * gaussian[p]))];
            const q = HALF_VALUES[floatToHalfBits(Math.fround(sum / gaussian[p]))];
            if (q > best) {
              best = q;
              out[p] = k;
            }
          }
        }
        return out;
      };
      const reference = await run(null);
      const withHead = await run(labelsInJs);
      expect(reference.fromHead).toEqual([]);
      expect(withHead.fromHead.sort((a, b) => a - b)).toEqual(
        Z === 13 ? [0, 1, 10, 11, 12] : [0, 1, 2, 3, 4, 5],
      );
      expect(reference.volume.includes(-1)).toBe(false);
      expect(new Set(reference.volume).size).toBeGreaterThan(1);
      expect(Array.from(withHead.volume)).toEqual(Array.from(reference.volume));
    });
  }
});
