/**
 * Finite-difference checks of every CPU backward kernel on tiny shapes: L = Σ r·f(x), analytic dL/dθ from
 * the backward with dy = r, numeric by central differences (float64 sums over float32 tensors).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/core/engine/backend';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import type { ConvGeometry, Tensor } from '../../../src/core/engine/tensor';
import { numel } from '../../../src/core/engine/tensor';
import { dot, randLabels, randn } from './helpers';

const be: Backend = new CpuBackend();

/** Central-difference check of d/dθ Σ r·f at a few coordinates of θ (data is mutated and restored). */
async function check(
  f: () => Tensor,
  r: Float32Array,
  theta: Float32Array,
  thetaTensor: Tensor,
  analytic: Float32Array,
  h = 1e-2,
  samples = 12,
): Promise<number> {
  let worst = 0;
  const scale = Math.max(...Array.from(analytic, Math.abs), 1e-12);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(((s + 0.5) / samples) * theta.length);
    const v = theta[i];
    theta[i] = v + h;
    be.write(thetaTensor, theta);
    const yp = f();
    const lp = dot(r, await be.read(yp));
    theta[i] = v - h;
    be.write(thetaTensor, theta);
    const ym = f();
    const lm = dot(r, await be.read(ym));
    theta[i] = v;
    be.write(thetaTensor, theta);
    be.release(yp);
    be.release(ym);
    worst = Math.max(worst, Math.abs((lp - lm) / (2 * h) - analytic[i]) / scale);
  }
  return worst;
}

const geoms: Array<[string, number[], number[], ConvGeometry]> = [
  ['3x3x3 s1', [2, 3, 5, 6, 5], [4, 3, 3, 3, 3], { kernel: [3, 3, 3], stride: [1, 1, 1], pad: [1, 1, 1] }],
  ['3x3x3 s2', [1, 2, 6, 7, 8], [3, 2, 3, 3, 3], { kernel: [3, 3, 3], stride: [2, 2, 2], pad: [1, 1, 1] }],
  [
    '1x3x3 s(1,2,2)',
    [2, 2, 3, 6, 6],
    [3, 2, 1, 3, 3],
    { kernel: [1, 3, 3], stride: [1, 2, 2], pad: [0, 1, 1] },
  ],
  ['1x1x1', [1, 4, 2, 3, 4], [3, 4, 1, 1, 1], { kernel: [1, 1, 1], stride: [1, 1, 1], pad: [0, 0, 0] }],
];

describe('CPU conv gradients (finite differences)', () => {
  for (const [name, xs, ws, g] of geoms) {
    it(name, async () => {
      const xd = randn(numel(xs), 1);
      const wd = randn(numel(ws), 2, 0.3);
      const bd = randn(ws[0], 3);
      const x = be.tensor(xd, xs);
      const w = be.tensor(wd, ws);
      const b = be.tensor(bd, [ws[0]]);
      const y = be.conv(x, w, b, g);
      const r = randn(y.size, 4);
      const dy = be.tensor(r, y.shape);
      const dw = be.zeros(ws);
      const db = be.zeros([ws[0]]);
      be.convGradWeight(x, dy, g, dw, db);
      const dx = be.convGradInput(dy, w, xs, g);
      const f = () => be.conv(x, w, b, g);
      expect(await check(f, r, xd, x, await be.read(dx))).toBeLessThan(1e-3);
      expect(await check(f, r, wd, w, await be.read(dw))).toBeLessThan(1e-3);
      expect(await check(f, r, bd, b, await be.read(db))).toBeLessThan(1e-3);
    });
  }
});

describe('CPU transposed conv, norm+act, pooling, loss gradients', () => {
  it('transposed conv k = s = (1, 2, 2) and (2, 2, 2)', async () => {
    for (const s of [
      [1, 2, 2],
      [2, 2, 2],
    ]) {
      const xs = [2, 3, 2, 3, 2];
      const ws = [3, 2, ...s];
      const xd = randn(numel(xs), 5);
      const wd = randn(numel(ws), 6);
      const bd = randn(2, 7);
      const x = be.tensor(xd, xs);
      const w = be.tensor(wd, ws);
      const b = be.tensor(bd, [2]);
      const f = () => be.convTranspose(x, w, b, s);
      const y = f();
      expect(y.shape).toEqual([2, 2, 2 * s[0], 3 * s[1], 2 * s[2]]);
      const r = randn(y.size, 8);
      const dy = be.tensor(r, y.shape);
      const dw = be.zeros(ws);
      const db = be.zeros([2]);
      be.convTransposeGradWeight(x, dy, s, dw, db);
      const dx = be.convTransposeGradInput(dy, w, s);
      expect(await check(f, r, xd, x, await be.read(dx))).toBeLessThan(1e-3);
      expect(await check(f, r, wd, w, await be.read(dw))).toBeLessThan(1e-3);
      expect(await check(f, r, bd, b, await be.read(db))).toBeLessThan(1e-3);
    }
  });

  for (const slope of [0.01, 1]) {
    it(`instance norm + LeakyReLU (slope ${slope})`, async () => {
      const xs = [2, 3, 3, 4, 5];
      const xd = randn(numel(xs), 9, 2);
      const gd = randn(3, 10, 0.3).map((v) => v + 1);
      const bd = randn(3, 11, 0.3);
      const x = be.tensor(xd, xs);
      const gamma = be.tensor(gd, [3]);
      const beta = be.tensor(bd, [3]);
      const f = () => {
        const o = be.normAct(x, gamma, beta, 1e-5, slope);
        be.release(o.stats);
        return o.y;
      };
      const { y, stats } = be.normAct(x, gamma, beta, 1e-5, slope);
      const r = randn(y.size, 12);
      const dy = be.tensor(r, xs);
      const dg = be.zeros([3]);
      const dbt = be.zeros([3]);
      const dx = be.normActGrad(dy, x, y, gamma, stats, slope, dg, dbt, true)!;
      expect(await check(f, r, xd, x, await be.read(dx), 1e-3, 24)).toBeLessThan(2e-3);
      expect(await check(f, r, gd, gamma, await be.read(dg), 1e-3)).toBeLessThan(2e-3);
      expect(await check(f, r, bd, beta, await be.read(dbt), 1e-3)).toBeLessThan(2e-3);
    });
  }

  it('average pool and LeakyReLU', async () => {
    const xs = [1, 2, 4, 4, 6];
    const xd = randn(numel(xs), 13);
    const x = be.tensor(xd, xs);
    const k = [2, 2, 3];
    const y = be.avgPool(x, k);
    expect(y.shape).toEqual([1, 2, 2, 2, 2]);
    const r = randn(y.size, 14);
    const dx = be.avgPoolGrad(be.tensor(r, y.shape), k, xs);
    expect(await check(() => be.avgPool(x, k), r, xd, x, await be.read(dx))).toBeLessThan(1e-4);
    const a = be.leakyRelu(x, 0.01);
    const r2 = randn(a.size, 15);
    const dx2 = be.leakyReluGrad(be.tensor(r2, xs), a, 0.01);
    expect(await check(() => be.leakyRelu(x, 0.01), r2, xd, x, await be.read(dx2), 1e-4)).toBeLessThan(1e-3);
  });

  for (const batchDice of [false, true]) {
    it(`soft Dice + CE loss gradient (batch_dice ${batchDice})`, async () => {
      const zs = [2, 4, 2, 3, 4];
      const zd = randn(numel(zs), 16, 2);
      const z = be.tensor(zd, zs);
      const labels = be.tensor(randLabels(2 * 24, 4, 17), [2, 1, 2, 3, 4]);
      const opts = { batchDice, smooth: 1e-5, weight: 0.7 };
      const lossOf = async () => {
        const acc = be.zeros([3]);
        be.release(be.segLoss(z, labels, opts, acc));
        return (await be.read(acc))[0];
      };
      const acc = be.zeros([3]);
      const g = await be.read(be.segLoss(z, labels, opts, acc));
      const h = 1e-2;
      let worst = 0;
      const scale = Math.max(...Array.from(g, Math.abs));
      for (let i = 0; i < zd.length; i += 7) {
        const v = zd[i];
        zd[i] = v + h;
        be.write(z, zd);
        const lp = await lossOf();
        zd[i] = v - h;
        be.write(z, zd);
        const lm = await lossOf();
        zd[i] = v;
        be.write(z, zd);
        worst = Math.max(worst, Math.abs((lp - lm) / (2 * h) - g[i]) / scale);
      }
      expect(worst).toBeLessThan(5e-3);
    });
  }
});
