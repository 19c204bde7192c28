/**
 * Every kernel of a backend against the CPU twin on tiny shapes: the parity suite the tests run in Node
 * (Dawn on SwiftShader) and in Chromium, and that the app can run on a user's GPU before training.
 */
import type { Backend } from './backend';
import { Rng } from './random';
import type { ConvGeometry, Shape, Tensor } from './tensor';
import { convOutputShape, numel } from './tensor';

export interface KernelCheck {
  name: string;
  /** max|gpu − cpu| / max|cpu| over all outputs of the case. */
  relErr: number;
}

type Make = (data: Float32Array, shape: Shape) => Tensor;
/** A case runs on one backend and returns the tensors to compare (it may also return plain numbers). */
type Case = (be: Backend, make: Make) => Tensor[];

function data(seed: number, n: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

function labels(seed: number, n: number, classes: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.int(classes));
}

const G = (k: number[], s: number[], p: number[]): ConvGeometry => ({
  kernel: k as [number, number, number],
  stride: s as [number, number, number],
  pad: p as [number, number, number],
});

function convCases(
  name: string,
  xs: number[],
  co: number,
  g: ConvGeometry,
  bias: boolean,
): Array<[string, Case]> {
  const ws = [co, xs[1], ...g.kernel];
  const ys = convOutputShape(xs, co, g);
  const X = data(1, numel(xs));
  const W = data(2, numel(ws), 0.3);
  const B = data(3, co);
  const DY = data(4, numel(ys));
  return [
    [`conv ${name}`, (be, t) => [be.conv(t(X, xs), t(W, ws), bias ? t(B, [co]) : null, g)]],
    [`conv grad input ${name}`, (be, t) => [be.convGradInput(t(DY, ys), t(W, ws), xs, g)]],
    [
      `conv grad weight ${name}`,
      (be, t) => {
        const dw = be.zeros(ws);
        const db = bias ? be.zeros([co]) : null;
        be.convGradWeight(t(X, xs), t(DY, ys), g, dw, db);
        return db ? [dw, db] : [dw];
      },
    ],
  ];
}

function transposeCases(xs: number[], co: number, s: number[]): Array<[string, Case]> {
  const ws = [xs[1], co, ...s];
  const ys = [xs[0], co, xs[2] * s[0], xs[3] * s[1], xs[4] * s[2]];
  const X = data(5, numel(xs));
  const W = data(6, numel(ws), 0.3);
  const B = data(7, co);
  const DY = data(8, numel(ys));
  const n = `k=s=${s.join('x')}`;
  return [
    [`transposed conv ${n}`, (be, t) => [be.convTranspose(t(X, xs), t(W, ws), t(B, [co]), s)]],
    [`transposed conv grad input ${n}`, (be, t) => [be.convTransposeGradInput(t(DY, ys), t(W, ws), s)]],
    [
      `transposed conv grad weight ${n}`,
      (be, t) => {
        const dw = be.zeros(ws);
        const db = be.zeros([co]);
        be.convTransposeGradWeight(t(X, xs), t(DY, ys), s, dw, db);
        return [dw, db];
      },
    ],
  ];
}

function normCases(slope: number): Array<[string, Case]> {
  const xs = [2, 3, 3, 5, 4];
  const X = data(9, numel(xs), 2);
  const Gm = data(10, 3, 0.2).map((v) => v + 1);
  const Bt = data(11, 3, 0.2);
  const DY = data(12, numel(xs));
  return [
    [
      `instance norm + act ${slope}`,
      (be, t) => {
        const { y, stats } = be.normAct(t(X, xs), t(Gm, [3]), t(Bt, [3]), 1e-5, slope);
        return [y, stats];
      },
    ],
    [
      `instance norm + act ${slope} grad`,
      (be, t) => {
        const x = t(X, xs);
        const gamma = t(Gm, [3]);
        const { y, stats } = be.normAct(x, gamma, t(Bt, [3]), 1e-5, slope);
        const dg = be.zeros([3]);
        const db = be.zeros([3]);
        const dx = be.normActGrad(t(DY, xs), x, y, gamma, stats, slope, dg, db, true)!;
        return [dx, dg, db];
      },
    ],
  ];
}

function lossCases(batchDice: boolean): Array<[string, Case]> {
  const zs = [2, 4, 2, 5, 6];
  const Z = data(13, numel(zs), 2);
  const L = labels(14, 2 * 60, 4);
  return [
    [
      `soft Dice + CE (batch_dice ${batchDice})`,
      (be, t) => {
        const acc = be.zeros([3]);
        const g = be.segLoss(t(Z, zs), t(L, [2, 1, 2, 5, 6]), { batchDice, smooth: 1e-5, weight: 0.6 }, acc);
        be.segLoss(t(Z, zs), t(L, [2, 1, 2, 5, 6]), { batchDice, smooth: 1e-5, weight: 0.3 }, acc);
        return [g, acc];
      },
    ],
  ];
}

export const KERNEL_CASES: Array<[string, Case]> = [
  ...convCases('3x3x3 s1 p1', [2, 3, 5, 6, 7], 4, G([3, 3, 3], [1, 1, 1], [1, 1, 1]), true),
  ...convCases('3x3x3 s2 p1', [1, 2, 6, 7, 8], 6, G([3, 3, 3], [2, 2, 2], [1, 1, 1]), true),
  ...convCases('1x3x3 s(1,2,2) 2-D-like', [2, 2, 1, 9, 8], 3, G([1, 3, 3], [1, 2, 2], [0, 1, 1]), false),
  ...convCases('1x1x1 head', [2, 8, 3, 4, 5], 3, G([1, 1, 1], [1, 1, 1], [0, 0, 0]), true),
  // few (ci, co) pairs and many voxels: the weight gradient is split into chunks and summed
  ...convCases('split-K', [1, 1, 16, 16, 16], 2, G([3, 3, 3], [1, 1, 1], [1, 1, 1]), true),
  ...transposeCases([2, 4, 2, 3, 2], 3, [2, 2, 2]),
  ...transposeCases([1, 2, 3, 2, 3], 4, [1, 2, 2]),
  ...normCases(0.01),
  ...normCases(1),
  ...lossCases(false),
  ...lossCases(true),
  [
    'LeakyReLU and grad, add, add in place',
    (be, t) => {
      const x = t(data(15, 300), [1, 3, 4, 5, 5]);
      const y = be.leakyRelu(x, 0.01);
      const dx = be.leakyReluGrad(t(data(16, 300), [1, 3, 4, 5, 5]), y, 0.01);
      const s = be.add(y, dx);
      be.addInPlace(dx, s);
      return [y, dx, s];
    },
  ],
  [
    'concat and slice channels',
    (be, t) => {
      const a = t(data(17, 2 * 3 * 24), [2, 3, 2, 3, 4]);
      const b = t(data(18, 2 * 2 * 24), [2, 2, 2, 3, 4]);
      const c = be.concatChannels(a, b);
      return [c, be.sliceChannels(c, 1, 3)];
    },
  ],
  [
    'average pool and grad',
    (be, t) => {
      const xs = [2, 2, 4, 6, 5];
      const y = be.avgPool(t(data(19, numel(xs)), xs), [2, 2, 2]);
      return [y, be.avgPoolGrad(t(data(20, y.size), y.shape), [2, 2, 2], xs)];
    },
  ],
  [
    'clip + SGD (first step, then with momentum, Nesterov and plain)',
    (be, t) => {
      const p = t(data(21, 100), [100]);
      const g = t(data(22, 100, 3), [100]);
      const m = be.zeros([100]);
      const s = be.zeros([1]);
      be.sumSquares([g, t(data(23, 50), [50])], s);
      const h = { lr: 0.01, momentum: 0.99, weightDecay: 3e-5, maxNorm: 12, first: true };
      be.sgdStep(p, g, m, s, h);
      be.sgdStep(p, g, m, s, { ...h, first: false, maxNorm: 1e6 });
      be.sgdStep(p, g, m, s, { ...h, first: false, nesterov: false });
      return [p, m, s];
    },
  ],
];

async function readAll(be: Backend, ts: Tensor[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const t of ts) out.push(await be.read(t));
  return out;
}

/** Runs every case on `be` and on `oracle` (the CPU twin). Tensors are left to the backends' disposal. */
export async function runKernelSelfCheck(
  be: Backend,
  oracle: Backend,
  filter?: RegExp,
): Promise<KernelCheck[]> {
  const results: KernelCheck[] = [];
  for (const [name, run] of KERNEL_CASES) {
    if (filter && !filter.test(name)) continue;
    const ref = await readAll(
      oracle,
      run(oracle, (d, s) => oracle.tensor(d, s)),
    );
    const got = await readAll(
      be,
      run(be, (d, s) => be.tensor(d, s)),
    );
    let diff = 0;
    let scale = 0;
    ref.forEach((r, i) => {
      for (let k = 0; k < r.length; k++) {
        diff = Math.max(diff, Math.abs(r[k] - got[i][k]));
        scale = Math.max(scale, Math.abs(r[k]));
      }
      if (got[i].length !== r.length) diff = Number.POSITIVE_INFINITY;
    });
    results.push({ name, relErr: diff / Math.max(scale, 1e-30) });
  }
  return results;
}
