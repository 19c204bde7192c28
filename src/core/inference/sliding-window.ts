import { roundHalf } from '../pycompat/float16';
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
  const total = tileSize.reduce((a, b) => a * b, 1);
  const f64 = new Float64Array(total);
  // scipy filters axis by axis: the value is ((w0·w1)·w2), rounded in that order
  const idx = new Array(tileSize.length).fill(0);
  let max = 0;
  for (let o = 0; o < total; o++) {
    let v = axes[0][idx[0]];
    for (let d = 1; d < tileSize.length; d++) v *= axes[d][idx[d]];
    f64[o] = v;
    if (v > max) max = v;
    for (let d = tileSize.length - 1; d >= 0; d--) {
      if (++idx[d] < tileSize[d]) break;
      idx[d] = 0;
    }
  }
  const divisor = max / valueScalingFactor;
  const out = new Float32Array(total);
  let minNonZero = Number.POSITIVE_INFINITY;
  for (let i = 0; i < total; i++) {
    const h = roundHalf(f64[i] / divisor);
    out[i] = h;
    if (h !== 0 && h < minNonZero) minNonZero = h;
  }
  for (let i = 0; i < total; i++) if (out[i] === 0) out[i] = minNonZero;
  return out;
}
