import { describe, expect, it } from 'vitest';
import { flipAxes, mirrorCombinations } from '../../../src/core/inference/flip';
import { type NetworkFn, predictSlidingWindow } from '../../../src/core/inference/predict-sliding-window';
import { computeGaussian, computeSteps } from '../../../src/core/inference/sliding-window';
import { roundHalf } from '../../../src/core/pycompat/float16';
import { CASES, fakeNetwork, image } from './sliding-window-cases';

/** The straightforward whole-volume form of nnU-Net's algorithm (padded arrays, float16 accumulators). */
async function naive(
  data: Float32Array,
  shape: number[],
  folds: NetworkFn[],
  patch: number[],
  K: number,
  mirror: number[],
  step = 0.5,
) {
  const [C, Z, Y, X] = shape;
  const is2d = patch.length === 2;
  const P = is2d ? [1, ...patch] : patch;
  const padded = [Z, Y, X].map((s, d) => Math.max(s, P[d]));
  const below = [Z, Y, X].map((s, d) => Math.floor((padded[d] - s) / 2));
  const pv = padded[0] * padded[1] * padded[2];
  const img = new Float32Array(C * pv);
  for (let c = 0; c < C; c++)
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++)
          img[c * pv + ((z + below[0]) * padded[1] + y + below[1]) * padded[2] + x + below[2]] =
            data[((c * Z + z) * Y + y) * X + x];
  const steps = is2d
    ? [[...Array(padded[0]).keys()], ...computeSteps(padded.slice(1), patch, step)]
    : computeSteps(padded, P, step);
  const g = computeGaussian(patch);
  const tv = P[0] * P[1] * P[2];
  const netShape = is2d ? [1, C, P[1], P[2]] : [1, C, ...P];
  const outShape = is2d ? [1, K, P[1], P[2]] : [1, K, ...P];
  let total: Float32Array | null = null;
  for (const net of folds) {
    const acc = new Float32Array(K * pv);
    const w = new Float32Array(pv);
    for (const z0 of steps[0])
      for (const y0 of steps[1])
        for (const x0 of steps[2]) {
          const tile = new Float32Array(C * tv);
          for (let c = 0; c < C; c++)
            for (let dz = 0; dz < P[0]; dz++)
              for (let dy = 0; dy < P[1]; dy++)
                for (let dx = 0; dx < P[2]; dx++)
                  tile[((c * P[0] + dz) * P[1] + dy) * P[2] + dx] =
                    img[c * pv + ((z0 + dz) * padded[1] + y0 + dy) * padded[2] + x0 + dx];
          const pred = Float32Array.from(await net(tile, netShape));
          const combos = mirrorCombinations(mirror);
          for (const axes of combos) {
            const fa = axes.map((a) => a + 2);
            const p = await net(flipAxes(tile, netShape, fa), netShape);
            const b = flipAxes(p, outShape, fa);
            for (let i = 0; i < pred.length; i++) pred[i] = Math.fround(pred[i] + b[i]);
          }
          if (combos.length)
            for (let i = 0; i < pred.length; i++) pred[i] = Math.fround(pred[i] / (combos.length + 1));
          for (let k = 0; k < K; k++)
            for (let dz = 0; dz < P[0]; dz++)
              for (let dy = 0; dy < P[1]; dy++)
                for (let dx = 0; dx < P[2]; dx++) {
                  const t = (dz * P[1] + dy) * P[2] + dx;
                  const o = ((z0 + dz) * padded[1] + y0 + dy) * padded[2] + x0 + dx;
                  acc[k * pv + o] = roundHalf(acc[k * pv + o] + Math.fround(pred[k * tv + t] * g[t]));
                  if (k === 0) w[o] = roundHalf(w[o] + g[t]);
                }
        }
    for (let k = 0; k < K; k++)
      for (let o = 0; o < pv; o++) acc[k * pv + o] = roundHalf(acc[k * pv + o] / w[o]);
    if (!total) total = acc;
    else for (let i = 0; i < acc.length; i++) total[i] = roundHalf(total[i] + acc[i]);
  }
  if (folds.length > 1)
    for (let i = 0; i < total!.length; i++) total![i] = roundHalf(total![i] / folds.length);
  const out = new Float32Array(K * Z * Y * X);
  for (let k = 0; k < K; k++)
    for (let z = 0; z < Z; z++)
      for (let y = 0; y < Y; y++)
        for (let x = 0; x < X; x++)
          out[((k * Z + z) * Y + y) * X + x] =
            total![k * pv + ((z + below[0]) * padded[1] + y + below[1]) * padded[2] + x + below[2]];
  return out;
}

describe('streaming sliding window equals the whole-volume algorithm', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const data = image(c.shape);
      const folds = Array.from({ length: c.folds }, (_, f) => fakeNetwork(c.K, f));
      const got = await predictSlidingWindow(data, c.shape, folds, {
        patchSize: c.patch,
        numClasses: c.K,
        mirrorAxes: c.mirror,
      });
      const want = await naive(data, c.shape, folds, c.patch, c.K, c.mirror);
      expect(Array.from(got)).toEqual(Array.from(want));
    });
  }

  it('mirror combinations follow itertools order', () => {
    expect(mirrorCombinations([0, 1, 2])).toEqual([[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]);
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    const p = predictSlidingWindow(image([1, 16, 8, 8]), [1, 16, 8, 8], [fakeNetwork(2, 0)], {
      patchSize: [4, 8, 8],
      numClasses: 2,
      signal: ac.signal,
      onProgress: (d) => {
        if (d === 2) ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
  });
});
