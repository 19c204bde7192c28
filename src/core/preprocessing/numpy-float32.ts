/**
 * float32 statistics exactly as NumPy 1.24 computes them, so normalised images match nnU-Net to the
 * bit. np.add.reduce over float32 walks the array in its iteration order through buffers of 8192
 * elements, sums each buffer pairwise (blocks of 128, eight float32 accumulators) and adds the buffer
 * sums to a float32 total. mean() divides in float64 and rounds; var() divides its mean in float32.
 */
const fr = Math.fround;

/** NumPy's ufunc buffer size: reductions see the data in chunks of this many elements. */
export const NUMPY_BUFSIZE = 8192;

/** FLOAT_pairwise_sum over a[off, off + n). */
export function pairwiseSum(a: Float32Array, off: number, n: number): number {
  if (n < 8) {
    let r = 0;
    for (let i = 0; i < n; i++) r = fr(r + a[off + i]);
    return r;
  }
  if (n <= 128) {
    let r0 = a[off];
    let r1 = a[off + 1];
    let r2 = a[off + 2];
    let r3 = a[off + 3];
    let r4 = a[off + 4];
    let r5 = a[off + 5];
    let r6 = a[off + 6];
    let r7 = a[off + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = off + i;
      r0 = fr(r0 + a[p]);
      r1 = fr(r1 + a[p + 1]);
      r2 = fr(r2 + a[p + 2]);
      r3 = fr(r3 + a[p + 3]);
      r4 = fr(r4 + a[p + 4]);
      r5 = fr(r5 + a[p + 5]);
      r6 = fr(r6 + a[p + 6]);
      r7 = fr(r7 + a[p + 7]);
    }
    let res = fr(fr(fr(r0 + r1) + fr(r2 + r3)) + fr(fr(r4 + r5) + fr(r6 + r7)));
    for (; i < n; i++) res = fr(res + a[off + i]);
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return fr(pairwiseSum(a, off, n2) + pairwiseSum(a, off + n2, n - n2));
}

/** Accumulates values in iteration order the way np.add.reduce does (buffered, pairwise). */
export class Float32Reduction {
  private readonly buf = new Float32Array(NUMPY_BUFSIZE);
  private fill = 0;
  private total = 0;
  count = 0;

  push(v: number): void {
    this.buf[this.fill++] = v;
    this.count++;
    if (this.fill === NUMPY_BUFSIZE) this.flush();
  }

  /** A contiguous run, consumed through the same buffer boundaries. */
  pushAll(a: Float32Array): void {
    let i = 0;
    while (i < a.length) {
      const take = Math.min(NUMPY_BUFSIZE - this.fill, a.length - i);
      this.buf.set(a.subarray(i, i + take), this.fill);
      this.fill += take;
      this.count += take;
      i += take;
      if (this.fill === NUMPY_BUFSIZE) this.flush();
    }
  }

  private flush(): void {
    if (this.fill > 0) this.total = fr(this.total + pairwiseSum(this.buf, 0, this.fill));
    this.fill = 0;
  }

  sum(): number {
    this.flush();
    return this.total;
  }
}

/**
 * Visit the voxels of a C-order (z, y, x) array of `shape` in the order of `axes` (outermost first),
 * e.g. [0, 1, 2] for C order. NumPy iterates a transposed view in its base array's memory order.
 */
export function visitInOrder(
  shape: readonly number[],
  axes: readonly number[],
  visit: (index: number) => void,
): void {
  const strides = [shape[1] * shape[2], shape[2], 1];
  const [a, b, c] = axes;
  for (let i = 0; i < shape[a]; i++)
    for (let j = 0; j < shape[b]; j++) {
      const base = i * strides[a] + j * strides[b];
      for (let k = 0; k < shape[c]; k++) visit(base + k * strides[c]);
    }
}

/** np.mean and np.std (ddof 0) of float32 values, given as a function that replays them in order. */
export function float32MeanStd(replay: (push: (v: number) => void) => void): { mean: number; std: number } {
  const s = new Float32Reduction();
  replay((v) => s.push(v));
  const n = s.count;
  const sum = s.sum();
  // mean(): float32 sum / n in float64, rounded to float32
  const mean = fr(sum / n);
  // var(): the mean divided in float32, squared deviations in float32, sum / n in float64
  const am = fr(sum / fr(n));
  const d = new Float32Reduction();
  replay((v) => {
    const x = fr(v - am);
    d.push(fr(x * x));
  });
  const variance = fr(d.sum() / n);
  return { mean, std: fr(Math.sqrt(variance)) };
}
