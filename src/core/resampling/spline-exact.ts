import type { Shape3 } from '../preprocessing/crop';
import { PREPAD, prefilterLines, splineStart, splineWeights } from './spline';

/**
 * scipy.ndimage.zoom / map_coordinates (mode 'nearest', order 2..5) reproduced operation for
 * operation in float64: pad every resampled axis by 12 edge copies, prefilter axis after axis over
 * the whole padded array, then per output voxel sum the tensor-product taps in scipy's order
 * ((coefficient · w_first) · w_next …, taps in C order). Slow and memory-hungry (float64, padded,
 * (order+1)^d taps per voxel); used only where a tie at a threshold must resolve exactly as nnU-Net
 * does: label maps resampled with a spline order. Images use the fast separable path.
 *
 * `axes` are the resampled axes (ascending); the others are batch axes (nnU-Net's 2-D slices).
 */
export function exactSplineResample(
  src: Float64Array,
  shape: Shape3,
  axes: number[],
  outShape: Shape3,
  order: number,
): Float64Array {
  const resampled = [0, 1, 2].map((a) => axes.includes(a));
  const pad = resampled.map((r) => (r ? PREPAD : 0));
  const pShape = shape.map((n, a) => n + 2 * pad[a]) as Shape3;
  const coeff = new Float64Array(pShape[0] * pShape[1] * pShape[2]);
  let i = 0;
  for (let z = 0; z < pShape[0]; z++) {
    const sz = clamp(z - pad[0], shape[0]);
    for (let y = 0; y < pShape[1]; y++) {
      const sy = clamp(y - pad[1], shape[1]);
      const row = (sz * shape[1] + sy) * shape[2];
      for (let x = 0; x < pShape[2]; x++) coeff[i++] = src[row + clamp(x - pad[2], shape[2])];
    }
  }
  for (const a of axes) prefilterAxis(coeff, pShape, a, order);

  // per axis and output index: first tap (in the padded array) and weights
  const taps = order + 1;
  const starts = [0, 1, 2].map((a) => new Int32Array(outShape[a]));
  const weights = [0, 1, 2].map((a) => new Float64Array(resampled[a] ? outShape[a] * taps : 0));
  const w = new Float64Array(taps);
  for (const a of axes) {
    const scale = shape[a] / outShape[a];
    for (let j = 0; j < outShape[a]; j++) {
      const cc = (j + 0.5) * scale - 0.5 + PREPAD;
      starts[a][j] = splineStart(cc, order);
      splineWeights(cc, order, w);
      weights[a].set(w, j * taps);
    }
  }
  for (let a = 0; a < 3; a++) if (!resampled[a]) for (let j = 0; j < outShape[a]; j++) starts[a][j] = j;

  const strides = [pShape[1] * pShape[2], pShape[2], 1];
  const nt = axes.length;
  const span = axes.map(() => taps);
  const total = span.reduce((p, q) => p * q, 1);
  const ctap = new Int32Array(nt);
  const out = new Float64Array(outShape[0] * outShape[1] * outShape[2]);
  const pos = new Int32Array(3);
  let o = 0;
  for (let z = 0; z < outShape[0]; z++)
    for (let y = 0; y < outShape[1]; y++)
      for (let x = 0; x < outShape[2]; x++, o++) {
        pos[0] = z;
        pos[1] = y;
        pos[2] = x;
        let t = 0.0;
        ctap.fill(0);
        for (let h = 0; h < total; h++) {
          let idx = 0;
          for (let a = 0; a < 3; a++) {
            let p = starts[a][pos[a]];
            if (resampled[a]) p = clamp(p + ctap[axes.indexOf(a)], pShape[a]);
            idx += p * strides[a];
          }
          let c = coeff[idx];
          for (let k = 0; k < nt; k++) c *= weights[axes[k]][pos[axes[k]] * taps + ctap[k]];
          t += c;
          for (let k = nt - 1; k >= 0; k--) {
            if (++ctap[k] < span[k]) break;
            ctap[k] = 0;
          }
        }
        out[o] = t;
      }
  return out;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : Math.min(i, n - 1);
}

/** scipy spline_filter1d along one axis, in place, every line in full (no truncation). */
function prefilterAxis(c: Float64Array, shape: Shape3, axis: number, order: number): void {
  const n = shape[axis];
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= shape[a];
  let inner = 1;
  for (let a = axis + 1; a < 3; a++) inner *= shape[a];
  const line = new Float64Array(n * inner);
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    line.set(c.subarray(base, base + n * inner));
    prefilterLines(line, n, inner, order, acc, true);
    c.set(line, base);
  }
}
