/**
 * Transposed convolution with kernel = stride and no padding, on the CPU. Every output voxel receives
 * exactly one input voxel (the kernel tiles the output), so forward and both gradients are plain
 * per-tap products; float64 accumulation over channels.
 */
import type { Shape } from '../tensor';

interface Dims {
  N: number;
  Ci: number;
  Co: number;
  D: number;
  H: number;
  W: number;
  s: readonly number[];
}

function dims(xs: Shape, co: number, s: readonly number[]): Dims {
  return { N: xs[0], Ci: xs[1], Co: co, D: xs[2], H: xs[3], W: xs[4], s };
}

/** Calls f(inIndex, outIndex) for every input voxel of one (tap) offset. */
function forEachTap(
  d: Dims,
  a: number,
  c: number,
  e: number,
  f: (inIdx: number, outIdx: number) => void,
): void {
  const [sd, sh, sw] = d.s;
  const Ho = d.H * sh;
  const Wo = d.W * sw;
  for (let z = 0; z < d.D; z++)
    for (let y = 0; y < d.H; y++) {
      const inRow = (z * d.H + y) * d.W;
      const outRow = ((z * sd + a) * Ho + y * sh + c) * Wo + e;
      for (let x = 0; x < d.W; x++) f(inRow + x, outRow + x * sw);
    }
}

export function convTransposeForward(
  x: Float32Array,
  xs: Shape,
  w: Float32Array,
  b: Float32Array | null,
  co: number,
  s: readonly number[],
): Float32Array {
  const d = dims(xs, co, s);
  const taps = s[0] * s[1] * s[2];
  const inVol = d.D * d.H * d.W;
  const outVol = inVol * taps;
  const y = new Float32Array(d.N * d.Co * outVol);
  const acc = new Float64Array(outVol);
  for (let n = 0; n < d.N; n++)
    for (let o = 0; o < d.Co; o++) {
      acc.fill(b ? b[o] : 0);
      for (let i = 0; i < d.Ci; i++) {
        const xBase = (n * d.Ci + i) * inVol;
        for (let a = 0; a < s[0]; a++)
          for (let c = 0; c < s[1]; c++)
            for (let e = 0; e < s[2]; e++) {
              const wv = w[((i * d.Co + o) * s[0] + a) * s[1] * s[2] + c * s[2] + e];
              forEachTap(d, a, c, e, (ii, oi) => {
                acc[oi] += wv * x[xBase + ii];
              });
            }
      }
      y.set(acc, (n * d.Co + o) * outVol);
    }
  return y;
}

export function convTransposeGradInput(
  dy: Float32Array,
  xs: Shape,
  w: Float32Array,
  co: number,
  s: readonly number[],
): Float32Array {
  const d = dims(xs, co, s);
  const inVol = d.D * d.H * d.W;
  const outVol = inVol * s[0] * s[1] * s[2];
  const dx = new Float32Array(d.N * d.Ci * inVol);
  const acc = new Float64Array(inVol);
  for (let n = 0; n < d.N; n++)
    for (let i = 0; i < d.Ci; i++) {
      acc.fill(0);
      for (let o = 0; o < d.Co; o++) {
        const yBase = (n * d.Co + o) * outVol;
        for (let a = 0; a < s[0]; a++)
          for (let c = 0; c < s[1]; c++)
            for (let e = 0; e < s[2]; e++) {
              const wv = w[((i * d.Co + o) * s[0] + a) * s[1] * s[2] + c * s[2] + e];
              forEachTap(d, a, c, e, (ii, oi) => {
                acc[ii] += wv * dy[yBase + oi];
              });
            }
      }
      dx.set(acc, (n * d.Ci + i) * inVol);
    }
  return dx;
}

export function convTransposeGradWeight(
  x: Float32Array,
  xs: Shape,
  dy: Float32Array,
  co: number,
  s: readonly number[],
  dw: Float32Array,
  db: Float32Array | null,
): void {
  const d = dims(xs, co, s);
  const inVol = d.D * d.H * d.W;
  const outVol = inVol * s[0] * s[1] * s[2];
  if (db)
    for (let o = 0; o < d.Co; o++) {
      let t = 0;
      for (let n = 0; n < d.N; n++) {
        const base = (n * d.Co + o) * outVol;
        for (let v = 0; v < outVol; v++) t += dy[base + v];
      }
      db[o] = t;
    }
  for (let i = 0; i < d.Ci; i++)
    for (let o = 0; o < d.Co; o++)
      for (let a = 0; a < s[0]; a++)
        for (let c = 0; c < s[1]; c++)
          for (let e = 0; e < s[2]; e++) {
            let t = 0;
            for (let n = 0; n < d.N; n++) {
              const xBase = (n * d.Ci + i) * inVol;
              const yBase = (n * d.Co + o) * outVol;
              forEachTap(d, a, c, e, (ii, oi) => {
                t += x[xBase + ii] * dy[yBase + oi];
              });
            }
            dw[((i * d.Co + o) * s[0] + a) * s[1] * s[2] + c * s[2] + e] = t;
          }
}
