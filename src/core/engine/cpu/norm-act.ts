/**
 * Instance norm (torch.nn.InstanceNorm3d/2d, affine, biased variance, eps inside the root) fused with
 * LeakyReLU, on the CPU. Statistics per (n, c) in float64, two passes (mean, then centred squares).
 */
import type { Shape } from '../tensor';

export function normActForward(
  x: Float32Array,
  xs: Shape,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  slope: number,
): { y: Float32Array; stats: Float32Array } {
  const [N, C] = xs;
  const vol = xs[2] * xs[3] * xs[4];
  const y = new Float32Array(x.length);
  const stats = new Float32Array(N * C * 2);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * vol;
      let sum = 0;
      for (let i = 0; i < vol; i++) sum += x[base + i];
      const mean = sum / vol;
      let sq = 0;
      for (let i = 0; i < vol; i++) {
        const d = x[base + i] - mean;
        sq += d * d;
      }
      const invstd = 1 / Math.sqrt(sq / vol + eps);
      const g = gamma[c] * invstd;
      const b = beta[c];
      for (let i = 0; i < vol; i++) {
        const v = (x[base + i] - mean) * g + b;
        y[base + i] = v > 0 ? v : v * slope;
      }
      stats[2 * (n * C + c)] = mean;
      stats[2 * (n * C + c) + 1] = invstd;
    }
  return { y, stats };
}

export function normActBackward(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  xs: Shape,
  gamma: Float32Array,
  stats: Float32Array,
  slope: number,
  dgamma: Float32Array | null,
  dbeta: Float32Array | null,
  wantDx: boolean,
): Float32Array | null {
  const [N, C] = xs;
  const vol = xs[2] * xs[3] * xs[4];
  const dx = wantDx ? new Float32Array(x.length) : null;
  const dg = new Float64Array(C);
  const dbt = new Float64Array(C);
  const g = new Float64Array(vol);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const base = (n * C + c) * vol;
      const mean = stats[2 * (n * C + c)];
      const invstd = stats[2 * (n * C + c) + 1];
      let sumG = 0;
      let sumGx = 0;
      for (let i = 0; i < vol; i++) {
        const gi = y[base + i] > 0 ? dy[base + i] : dy[base + i] * slope;
        g[i] = gi;
        sumG += gi;
        sumGx += gi * (x[base + i] - mean) * invstd;
      }
      dg[c] += sumGx;
      dbt[c] += sumG;
      if (dx) {
        // dx = γ·invstd·(g − mean(g) − x̂·mean(g·x̂))
        const k = gamma[c] * invstd;
        const mg = sumG / vol;
        const mgx = sumGx / vol;
        for (let i = 0; i < vol; i++) {
          const xhat = (x[base + i] - mean) * invstd;
          dx[base + i] = k * (g[i] - mg - xhat * mgx);
        }
      }
    }
  if (dgamma) for (let c = 0; c < C; c++) dgamma[c] = dg[c];
  if (dbeta) for (let c = 0; c < C; c++) dbeta[c] = dbt[c];
  return dx;
}
