/** Element-wise and data-movement ops on the CPU: LeakyReLU, add, channel concat/slice, average pool. */
import type { Shape } from '../tensor';

export function leakyRelu(x: Float32Array, slope: number): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : x[i] * slope;
  return y;
}

export function leakyReluGrad(dy: Float32Array, y: Float32Array, slope: number): Float32Array {
  const dx = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : dy[i] * slope;
  return dx;
}

/** [n, ca+cb, ...] from [n, ca, ...] and [n, cb, ...]. */
export function concatChannels(a: Float32Array, as: Shape, b: Float32Array, bs: Shape): Float32Array {
  const n = as[0];
  const blockA = a.length / n;
  const blockB = b.length / n;
  const out = new Float32Array(a.length + b.length);
  for (let i = 0; i < n; i++) {
    out.set(a.subarray(i * blockA, (i + 1) * blockA), i * (blockA + blockB));
    out.set(b.subarray(i * blockB, (i + 1) * blockB), i * (blockA + blockB) + blockA);
  }
  void bs;
  return out;
}

export function sliceChannels(x: Float32Array, xs: Shape, start: number, count: number): Float32Array {
  const [n, c] = xs;
  const vol = x.length / (n * c);
  const out = new Float32Array(n * count * vol);
  for (let i = 0; i < n; i++)
    out.set(x.subarray((i * c + start) * vol, (i * c + start + count) * vol), i * count * vol);
  return out;
}

/** Average pooling, kernel = stride k, floor division of the extent (torch's default). */
export function avgPool(x: Float32Array, xs: Shape, k: readonly number[]): { y: Float32Array; ys: number[] } {
  const [N, C, D, H, W] = xs;
  const ys = [N, C, Math.floor(D / k[0]), Math.floor(H / k[1]), Math.floor(W / k[2])];
  const y = new Float32Array(N * C * ys[2] * ys[3] * ys[4]);
  const inv = 1 / (k[0] * k[1] * k[2]);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++)
    for (let z = 0; z < ys[2]; z++)
      for (let r = 0; r < ys[3]; r++)
        for (let q = 0; q < ys[4]; q++) {
          let s = 0;
          for (let a = 0; a < k[0]; a++)
            for (let b = 0; b < k[1]; b++) {
              const row = ((nc * D + z * k[0] + a) * H + r * k[1] + b) * W + q * k[2];
              for (let e = 0; e < k[2]; e++) s += x[row + e];
            }
          y[o++] = s * inv;
        }
  return { y, ys };
}

export function avgPoolGrad(dy: Float32Array, k: readonly number[], xs: Shape): Float32Array {
  const [N, C, D, H, W] = xs;
  const Do = Math.floor(D / k[0]);
  const Ho = Math.floor(H / k[1]);
  const Wo = Math.floor(W / k[2]);
  const dx = new Float32Array(N * C * D * H * W);
  const inv = 1 / (k[0] * k[1] * k[2]);
  let o = 0;
  for (let nc = 0; nc < N * C; nc++)
    for (let z = 0; z < Do; z++)
      for (let r = 0; r < Ho; r++)
        for (let q = 0; q < Wo; q++) {
          const g = dy[o++] * inv;
          for (let a = 0; a < k[0]; a++)
            for (let b = 0; b < k[1]; b++) {
              const row = ((nc * D + z * k[0] + a) * H + r * k[1] + b) * W + q * k[2];
              for (let e = 0; e < k[2]; e++) dx[row + e] = g;
            }
        }
  return dx;
}
