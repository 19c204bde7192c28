import { describe, expect, it } from 'vitest';
import { RandomState } from '../../../src/core/pycompat/mt19937';
import {
  argsortLast,
  meanFromSum,
  median,
  NumpySum,
  type Precision,
  percentile,
  percentileSorted,
  roundHalfEven,
  squaredDeviation,
  stdFromSquares,
} from '../../../src/core/pycompat/numpy-compat';

// Expected values printed by NumPy 1.24 / Python 3 (the versions of the shared references).
describe('Python / NumPy arithmetic', () => {
  it('round() is half to even', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, -0],
      [-1.5, -2],
      [2.4999999999999996, 2],
      [3.5000000000000004, 4],
      [1e15 + 0.5, 1e15],
    ];
    for (const [x, r] of cases) expect(roundHalfEven(x)).toBe(r);
  });

  it('np.percentile, linear method, float64 and int data', () => {
    expect([0.5, 10, 50, 99.5].map((p) => percentile([3, 1, 2, 10, 7.5], p))).toEqual([1.02, 1.4, 3.0, 9.95]);
    expect([10, 50, 75].map((p) => percentile([1, 5, 2, 8], p))).toEqual([1.3, 3.5, 5.75]);
    expect(median([1, 5, 2, 8])).toBe(3.5);
  });

  it('np.percentile of float32 data keeps the float32 difference', () => {
    const f = Float32Array.from([0.1, 0.7, 0.3, 1e-3, 1e3]).sort();
    expect([0.5, 50, 99.5].map((p) => percentileSorted(f, p, 'float32'))).toEqual([
      0.002980000036768615, 0.30000001192092896, 980.0140002441406,
    ]);
  });

  it('argsort()[-1] takes the last of tied maxima', () => {
    expect(argsortLast([1, 3, 3])).toBe(2);
    expect(argsortLast([3, 1, 2])).toBe(0);
    expect(argsortLast([2, 2])).toBe(1);
  });

  // x = (RandomState(3).randint(0, 2**20, n) / 1024 - 300.3).astype(float32):
  // [n, np.sum(x), np.mean(x), np.std(x), np.mean(x.astype(f8)), np.std(x.astype(f8))]
  const sums: [number, number, number, number, number, number][] = [
    [7, 1604.3980712890625, 229.19972229003906, 264.84014892578125, 229.19972719464982, 264.84012931834025],
    [100, 18046.041015625, 180.4604034423828, 312.5067138671875, 180.46041457414628, 312.50672432187065],
    [8192, 1675916.875, 204.57969665527344, 297.37078857421875, 204.57970702772946, 297.3707914138452],
    [8193, 1676122.875, 204.57986450195312, 297.3526306152344, 204.57988607931105, 297.3526434442625],
    [100003, 21008254.0, 210.07623291015625, 295.4052734375, 210.07625158306521, 295.4052943434887],
    [1000000, 211738464.0, 211.73846435546875, 295.5957336425781, 211.7385619526847, 295.59574124275304],
  ];
  const momentsOf = (x: Float32Array, precision: Precision) => {
    const s = new NumpySum(precision);
    for (const v of x) s.push(v);
    const sum = s.result();
    const mean = meanFromSum(sum, x.length, precision);
    const sq = new NumpySum(precision);
    for (const v of x) sq.push(squaredDeviation(v, mean, precision));
    return { sum, mean, std: stdFromSquares(sq.result(), x.length, precision) };
  };
  for (const [n, sum32, mean32, std32, mean64, std64] of sums) {
    it(`np.sum / np.mean / np.std bit for bit, n = ${n}`, () => {
      const idx = new Uint32Array(n);
      new RandomState(3).randintInto(2 ** 20, idx);
      const x = Float32Array.from(idx, (v) => v / 1024 - 300.3);
      expect(momentsOf(x, 'float32')).toEqual({ sum: sum32, mean: mean32, std: std32 });
      const m64 = momentsOf(x, 'float64');
      expect([m64.mean, m64.std]).toEqual([mean64, std64]);
    });
  }
});

describe('RandomState (legacy MT19937)', () => {
  it('matches numpy: randint and choice(replace=True) draws', () => {
    const r = new RandomState(1234);
    const out = new Uint32Array(10);
    r.randintInto(1000, out);
    expect([...out]).toEqual([815, 723, 294, 53, 204, 372, 664, 655, 689, 279]);
    r.randintInto(7, out);
    expect([...out]).toEqual([1, 2, 6, 3, 6, 4, 4, 2, 6, 2]);
    r.randintInto(3000000000, out);
    expect([...out]).toEqual([
      55437432, 2151757680, 2090933724, 2935450949, 1421700432, 1590214902, 421988862, 2410319279, 240490034,
      2160725744,
    ]);
    r.randintInto(1, out); // a single choice consumes nothing
    r.randintInto(65537, out);
    expect([...out]).toEqual([22267, 21580, 50682, 23691, 39552, 21225, 12107, 50434, 17683, 60300]);
  });

  it('a snapshot replays the same stream', () => {
    const r = new RandomState(42);
    const a = new Uint32Array(2000);
    r.randintInto(5000, a);
    const snap = r.snapshot();
    const b = new Uint32Array(3000);
    r.randintInto(77777, b);
    const c = new Uint32Array(3000);
    RandomState.fromSnapshot(snap).randintInto(77777, c);
    expect(c).toEqual(b);
  });
});
