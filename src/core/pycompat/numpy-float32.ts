import { NumpySum, pairwiseSum as numpyPairwiseSum } from './numpy-compat';

/**
 * float32 statistics exactly as NumPy 1.24 computes them, so normalised images match nnU-Net to the
 * bit. np.add.reduce over float32 walks the array in its iteration order through buffers of 8192
 * elements, sums each buffer pairwise (blocks of 128, eight float32 accumulators) and adds the buffer
 * sums to a float32 total (the planning stage's NumpySum). mean() divides in float64 and rounds; var()
 * divides its mean in float32.
 */
const fr = Math.fround;

/** FLOAT_pairwise_sum over a[off, off + n) (float32 accumulators). */
export function pairwiseSum(a: ArrayLike<number>, off: number, n: number): number {
  return numpyPairwiseSum(a, off, n, 'float32');
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
  const s = new NumpySum('float32');
  replay((v) => s.push(v));
  const n = s.count;
  const sum = s.result();
  // mean(): float32 sum / n in float64, rounded to float32
  const mean = fr(sum / n);
  // var(): the mean divided in float32, squared deviations in float32, sum / n in float64
  const am = fr(sum / fr(n));
  const d = new NumpySum('float32');
  replay((v) => {
    const x = fr(v - am);
    d.push(fr(x * x));
  });
  const variance = fr(d.result() / n);
  return { mean, std: fr(Math.sqrt(variance)) };
}
