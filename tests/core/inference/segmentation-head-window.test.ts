import { describe, expect, it } from 'vitest';
import {
  type AccumulateFn,
  type NetworkFn,
  predictSlidingWindow,
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
    // what emitAccumulatingHead computes: half(float(sum) + float32(logit × gaussian))
    const accumulate: AccumulateFn = async (features, sums, gaussian, [y, x]) => {
      calls++;
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
    const fused = await predictSlidingWindow(data, shape, [trunk, trunk], {
      ...options,
      head: { ...head, accumulate: [accumulate, accumulate] },
    });
    expect(calls).toBe(2 * 3 * 8); // 2 folds × 3 z tiles (13 slices, step 4) × 8 slices
    expect(Array.from(fused)).toEqual(Array.from(plain));
  });
});
