import { roundHalfInPlace } from '../pycompat/float16';
import { roundHalfEven } from '../pycompat/numpy-compat';

/**
 * Tile start positions per axis, as nnU-Net's `compute_steps_for_sliding_window`: the number of steps is
 * ceil((size - tile) / (tile * step)) + 1, spread evenly over [0, size - tile] and rounded (half to even).
 * Sizes are assumed already padded to at least the tile.
 */
export function computeSteps(
  imageSize: readonly number[],
  tileSize: readonly number[],
  tileStepSize: number,
): number[][] {
  if (!(tileStepSize > 0 && tileStepSize <= 1)) throw new Error('tile_step_size must be in (0, 1]');
  return tileSize.map((tile, d) => {
    const size = imageSize[d];
    const target = tile * tileStepSize;
    const n = Math.ceil((size - tile) / target) + 1;
    const maxStep = size - tile;
    const actual = n > 1 ? maxStep / (n - 1) : 99999999999;
    return Array.from({ length: Math.max(0, n) }, (_, i) => roundHalfEven(actual * i));
  });
}

/** Every tile's start corner, z slowest (nnU-Net's iteration order). */
export function tileOrigins(steps: number[][]): number[][] {
  let out: number[][] = [[]];
  for (const axis of steps) out = out.flatMap((prefix) => axis.map((s) => [...prefix, s]));
  return out;
}

/** Number of network evaluations: tiles × mirror combinations (the 8× of 3-D TTA). */
export function evaluationCount(steps: number[][], mirrorAxes: readonly number[]): number {
  return steps.reduce((n, a) => n * a.length, 1) * 2 ** mirrorAxes.length;
}

/**
 * 1-D Gaussian kernel exactly as scipy.ndimage builds it (`truncate` 4 → radius int(4σ + 0.5), weights
 * exp(-x²/2σ²) normalised to sum 1), in float64.
 */
function gaussianKernel1d(sigma: number, truncate = 4): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 / (sigma * sigma)) * i * i);
    w[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return w;
}

/**
 * nnU-Net's importance map (`compute_gaussian`): a delta at the tile centre (size // 2) filtered by
 * scipy's gaussian_filter (σ = tile × sigmaScale, constant 0 outside), scaled so its maximum is
 * `valueScalingFactor`, cast to float16, zeros replaced by the smallest nonzero value. The result holds the
 * float16 values (as float32), C order.
 */
export function computeGaussian(
  tileSize: readonly number[],
  sigmaScale = 1 / 8,
  valueScalingFactor = 10,
): Float32Array {
  const axes = tileSize.map((n) => {
    const k = gaussianKernel1d(n * sigmaScale);
    const r = (k.length - 1) / 2;
    const c = Math.floor(n / 2);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = i - c + r;
      v[i] = j >= 0 && j < k.length ? k[j] : 0;
    }
    return v;
  });
  // a 2-D tile as one slice of a 3-D one: 1 · w0 · w1 is exactly w0 · w1
  const [a0, a1, a2] = axes.length === 2 ? [Float64Array.of(1), ...axes] : axes;
  // scipy filters axis by axis: the value is ((w0·w1)·w2), rounded in that order; rounding is monotonic,
  // so the largest value is the product of the axes' largest
  const top = (a: Float64Array) => a.reduce((m, v) => Math.max(m, v), 0);
  const divisor = (top(a0) * top(a1) * top(a2)) / valueScalingFactor;
  const total = a0.length * a1.length * a2.length;
  const out = new Float32Array(total);
  let o = 0;
  for (let z = 0; z < a0.length; z++)
    for (let y = 0; y < a1.length; y++) {
      const zy = a0[z] * a1[y];
      for (let x = 0; x < a2.length; x++) out[o++] = (zy * a2[x]) / divisor;
    }
  // float64 → float32 (the store above) → half, as torch casts
  roundHalfInPlace(out, new Uint32Array(out.buffer), 0, total);
  let minNonZero = Number.POSITIVE_INFINITY;
  for (let i = 0; i < total; i++) if (out[i] !== 0 && out[i] < minNonZero) minNonZero = out[i];
  for (let i = 0; i < total; i++) if (out[i] === 0) out[i] = minNonZero;
  return out;
}
