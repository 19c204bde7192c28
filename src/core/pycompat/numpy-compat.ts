/**
 * The few NumPy 1.24 / Python behaviours the planner's arithmetic depends on, reproduced to the bit:
 * banker's rounding, `np.percentile` (linear method), `np.median`, `np.argmax`, the order `np.argsort`
 * gives to ties, and float32 / float64 summation as `np.sum` does it (pairwise within 8192-element
 * buffer blocks), which `np.mean` and `np.std` build on.
 */

/** Python 3 `round(x)` for a float: to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds ties up; a tie is exactly representable, so this test is exact.
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** `np.argmax`: the first index of the largest value. */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * `np.argsort(values)[-1]` for the short arrays the planner sorts: NumPy sorts up to 16 elements by
 * insertion sort, which keeps ties in order, so the last entry is the LAST index of the largest value.
 */
export function argsortLast(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] >= values[best]) best = i;
  return best;
}

export type Precision = 'float32' | 'float64';

const identity = (x: number) => x;
export function rounder(precision: Precision): (x: number) => number {
  return precision === 'float32' ? Math.fround : identity;
}

/**
 * `np.percentile(sorted, p)` with the default linear method, for data already sorted ascending.
 * Float32 data keeps NumPy's float32 difference `b - a`; the interpolation itself is float64.
 */
export function percentileSorted(
  sorted: ArrayLike<number>,
  p: number,
  precision: Precision = 'float64',
): number {
  return percentileFromRanks((k) => sorted[k], sorted.length, p, precision);
}

/** The same, with the k-th smallest value (0-based) supplied by a function. */
export function percentileFromRanks(
  kth: (k: number) => number,
  n: number,
  p: number,
  precision: Precision = 'float64',
): number {
  if (n === 0) return Number.NaN;
  const q = p / 100;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return kth(n - 1);
  if (virtual < 0) return kth(0);
  const prev = Math.floor(virtual);
  const a = kth(prev);
  const b = kth(prev + 1);
  const gamma = virtual - prev;
  const diff = rounder(precision)(b - a);
  // numpy _lerp: a + d*t, replaced by b - d*(1-t) where t >= 0.5
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** `np.percentile(column, p)` of unsorted float64/int data. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(
    values.slice().sort((x, y) => x - y),
    p,
  );
}

/** `np.percentile(rows, p, axis=0)` */
export function percentileColumns(rows: readonly (readonly number[])[], p: number): number[] {
  const dims = rows[0].length;
  return Array.from({ length: dims }, (_, d) =>
    percentile(
      rows.map((r) => r[d]),
      p,
    ),
  );
}

/** `np.median(values)`: the middle value, or the float64 mean of the two middle values. */
export function median(values: readonly number[]): number {
  const s = values.slice().sort((x, y) => x - y);
  const n = s.length;
  if (n === 0) return Number.NaN;
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** `np.median(rows, axis=0)` */
export function medianColumns(rows: readonly (readonly number[])[]): number[] {
  const dims = rows[0].length;
  return Array.from({ length: dims }, (_, d) => median(rows.map((r) => r[d])));
}

/** `np.prod` over a short float64 vector: a left-to-right product. */
export function prod(values: readonly number[]): number {
  let p = 1;
  for (const v of values) p *= v;
  return p;
}

/** NumPy's reductions hand the add loop at most this many elements at a time (the ufunc buffer). */
export const NUMPY_BUFSIZE = 8192;
const PW_BLOCKSIZE = 128;

/**
 * NumPy's pairwise_sum over a[start, start+n) in the given precision: below 8 elements a plain loop,
 * up to 128 eight interleaved accumulators, above that halves (split at a multiple of 8).
 */
export function pairwiseSum(a: ArrayLike<number>, start: number, n: number, precision: Precision): number {
  // two copies so each stays monomorphic (a shared rounding callback makes V8 six times slower)
  return precision === 'float32' ? pairwiseSum32(a, start, n) : pairwiseSum64(a, start, n);
}

function pairwiseSum32(a: ArrayLike<number>, start: number, n: number): number {
  const f = Math.fround;
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const j = start + i;
      r0 = f(r0 + a[j]);
      r1 = f(r1 + a[j + 1]);
      r2 = f(r2 + a[j + 2]);
      r3 = f(r3 + a[j + 3]);
      r4 = f(r4 + a[j + 4]);
      r5 = f(r5 + a[j + 5]);
      r6 = f(r6 + a[j + 6]);
      r7 = f(r7 + a[j + 7]);
    }
    let res = f(f(f(r0 + r1) + f(r2 + r3)) + f(f(r4 + r5) + f(r6 + r7)));
    for (; i < n; i++) res = f(res + a[start + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return f(pairwiseSum32(a, start, n2) + pairwiseSum32(a, start + n2, n - n2));
}

function pairwiseSum64(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = a[start];
    let r1 = a[start + 1];
    let r2 = a[start + 2];
    let r3 = a[start + 3];
    let r4 = a[start + 4];
    let r5 = a[start + 5];
    let r6 = a[start + 6];
    let r7 = a[start + 7];
    const end8 = n - (n % 8);
    let i = 8;
    for (; i < end8; i += 8) {
      const j = start + i;
      r0 += a[j];
      r1 += a[j + 1];
      r2 += a[j + 2];
      r3 += a[j + 3];
      r4 += a[j + 4];
      r5 += a[j + 5];
      r6 += a[j + 6];
      r7 += a[j + 7];
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum64(a, start, n2) + pairwiseSum64(a, start + n2, n - n2);
}

/**
 * `np.sum` of a long 1-D array fed in pieces, in order: values are collected into 8192-element blocks,
 * each block is summed pairwise and added to a running total, exactly as NumPy's buffered reduction.
 */
export class NumpySum {
  private readonly round: (x: number) => number;
  private readonly block = new Float64Array(NUMPY_BUFSIZE);
  private fill = 0;
  private total = 0;
  count = 0;

  constructor(readonly precision: Precision) {
    this.round = rounder(precision);
  }

  push(x: number): void {
    this.block[this.fill++] = x;
    this.count++;
    if (this.fill === NUMPY_BUFSIZE) this.flush();
  }

  /** push table[codes[0]], …, table[codes[n-1]] (the fingerprint's samples are value codes) */
  pushMapped(table: ArrayLike<number>, codes: ArrayLike<number>, n: number): void {
    const block = this.block;
    let fill = this.fill;
    for (let i = 0; i < n; i++) {
      block[fill++] = table[codes[i]];
      if (fill === NUMPY_BUFSIZE) {
        this.fill = fill;
        this.flush();
        fill = 0;
      }
    }
    this.fill = fill;
    this.count += n;
  }

  private flush(): void {
    if (this.fill === 0) return;
    this.total = this.round(this.total + pairwiseSum(this.block, 0, this.fill, this.precision));
    this.fill = 0;
  }

  result(): number {
    this.flush();
    return this.total;
  }
}

/** `np.mean(a)` from its sum: float32 data gives a float32 mean (the division is done in float64). */
export function meanFromSum(sum: number, n: number, precision: Precision): number {
  return rounder(precision)(sum / n);
}

/** One element of `np.var`'s second pass: (x - mean)² in the data's precision. */
export function squaredDeviation(x: number, mean: number, precision: Precision): number {
  const round = rounder(precision);
  const d = round(x - mean);
  return round(d * d);
}

/** `np.std(a)` from the sum of squared deviations. */
export function stdFromSquares(sumSquares: number, n: number, precision: Precision): number {
  const round = rounder(precision);
  return round(Math.sqrt(round(sumSquares / n)));
}
