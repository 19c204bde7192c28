import type { Shape3 } from '../preprocessing/crop';
import type { AxisKernel } from './axis-kernel';
import { prefilterLines } from './spline';

/**
 * One separable pass: resample a C-order (z, y, x) float32 array along one axis with a precomputed
 * kernel. Lines are prefiltered in float64 buffers (never a float64 copy of the volume); the
 * innermost axis goes line by line, the outer axes in blocks of columns so that memory is read row
 * by row. Returns the new array (in `scratch` when given and large enough); its shape is `shape` with
 * `shape[axis]` replaced by kernel.outLen.
 */
export function resampleAxis(
  src: Float32Array,
  shape: Shape3,
  axis: number,
  k: AxisKernel,
  scratch?: Float32Array,
): Float32Array {
  const n = shape[axis];
  if (k.lineLen !== k.padLo + n + k.padHi) throw new Error('kernel does not fit the array');
  let outer = 1;
  for (let a = 0; a < axis; a++) outer *= shape[a];
  let inner = 1;
  for (let a = axis + 1; a < 3; a++) inner *= shape[a];
  const size = outer * k.outLen * inner;
  // a caller streaming slabs passes a reusable buffer (garbage would pile up faster than it is collected)
  const dst = scratch && scratch.length >= size ? scratch.subarray(0, size) : new Float32Array(size);
  if (inner === 1) resampleLines(src, dst, outer, n, k);
  else resampleColumns(src, dst, outer, n, inner, k);
  return dst;
}

/** Innermost axis: one contiguous line at a time. */
function resampleLines(src: Float32Array, dst: Float32Array, outer: number, n: number, k: AxisKernel): void {
  const m = k.outLen;
  const { index, weight, taps, padLo, lineLen } = k;
  const line = new Float64Array(lineLen);
  const acc = new Float64Array(1);
  for (let o = 0; o < outer; o++) {
    const base = o * n;
    if (k.prefilter) {
      const first = src[base];
      const last = src[base + n - 1];
      for (let p = 0; p < padLo; p++) line[p] = first;
      for (let r = 0; r < n; r++) line[padLo + r] = src[base + r];
      for (let p = padLo + n; p < lineLen; p++) line[p] = last;
      prefilterLines(line, lineLen, 1, k.prefilter, acc);
      interpolateLine(line, 0, dst, o * m, m, index, weight, taps);
    } else {
      interpolateLine(src, base, dst, o * m, m, index, weight, taps);
    }
  }
}

function interpolateLine(
  line: Float64Array | Float32Array,
  base: number,
  dst: Float32Array,
  out: number,
  m: number,
  index: Int32Array,
  weight: Float64Array,
  taps: number,
): void {
  if (taps === 1) {
    for (let j = 0; j < m; j++) dst[out + j] = line[base + index[j]];
  } else if (taps === 2) {
    for (let j = 0, t = 0; j < m; j++, t += 2)
      dst[out + j] = weight[t] * line[base + index[t]] + weight[t + 1] * line[base + index[t + 1]];
  } else if (taps === 4) {
    for (let j = 0, t = 0; j < m; j++, t += 4)
      dst[out + j] =
        weight[t] * line[base + index[t]] +
        weight[t + 1] * line[base + index[t + 1]] +
        weight[t + 2] * line[base + index[t + 2]] +
        weight[t + 3] * line[base + index[t + 3]];
  } else {
    for (let j = 0, t = 0; j < m; j++, t += taps) {
      let s = 0;
      for (let u = 0; u < taps; u++) s += weight[t + u] * line[base + index[t + u]];
      dst[out + j] = s;
    }
  }
}

/**
 * The z pass (axis 0) for columns [c0, c1) of the (y, x) plane only, read from `src` and written into
 * the same columns of `dst` (shape[0] → k.outLen rows): workers split the z pass of one shared array
 * this way, without copying their columns out.
 */
export function resampleZColumns(
  src: Float32Array,
  shape: Shape3,
  k: AxisKernel,
  c0: number,
  c1: number,
  dst: Float32Array,
): void {
  resampleColumns(src, dst, 1, shape[0], shape[1] * shape[2], k, c0, c1);
}

/** Bytes of float64 line buffer per block: large enough to stream, small enough to stay in cache. */
const BLOCK_BYTES = 1 << 21;

/** Outer axis: rows of `inner` values, processed in column blocks so every read is sequential. */
function resampleColumns(
  src: Float32Array,
  dst: Float32Array,
  outer: number,
  n: number,
  inner: number,
  k: AxisKernel,
  c0 = 0,
  c1 = inner,
): void {
  const m = k.outLen;
  const { index, weight, taps, padLo, lineLen } = k;
  if (!k.prefilter) {
    // no prefilter: read the input rows directly, whole rows (of the column range) at a time
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < m; j++) {
        const from = o * n * inner + c0;
        const to = (o * m + j) * inner + c0;
        combineRows(src, from, inner, index, weight, j * taps, taps, dst, to, c1 - c0);
      }
    return;
  }
  const width = Math.max(16, Math.min(c1 - c0, Math.floor(BLOCK_BYTES / 8 / lineLen)));
  const buf = new Float64Array(lineLen * width);
  const acc = new Float64Array(width);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let q0 = c0; q0 < c1; q0 += width) {
      const w = Math.min(width, c1 - q0);
      for (let p = 0; p < lineLen; p++) {
        let r = p - padLo;
        if (r < 0) r = 0;
        else if (r > n - 1) r = n - 1;
        const from = base + r * inner + q0;
        const to = p * w;
        for (let q = 0; q < w; q++) buf[to + q] = src[from + q];
      }
      prefilterLines(buf, lineLen, w, k.prefilter, acc);
      for (let j = 0; j < m; j++)
        combineRows(buf, 0, w, index, weight, j * taps, taps, dst, (o * m + j) * inner + q0, w);
    }
  }
}

/** dst[out + q] = Σ_t weight_t · rows[base + index_t · stride + q], q < width. */
function combineRows(
  rows: Float64Array | Float32Array,
  base: number,
  stride: number,
  index: Int32Array,
  weight: Float64Array,
  t: number,
  taps: number,
  dst: Float32Array,
  out: number,
  width: number,
): void {
  if (taps === 1) {
    const a = base + index[t] * stride;
    for (let q = 0; q < width; q++) dst[out + q] = rows[a + q];
  } else if (taps === 2) {
    const a = base + index[t] * stride;
    const b = base + index[t + 1] * stride;
    const wa = weight[t];
    const wb = weight[t + 1];
    for (let q = 0; q < width; q++) dst[out + q] = wa * rows[a + q] + wb * rows[b + q];
  } else if (taps === 4) {
    const a = base + index[t] * stride;
    const b = base + index[t + 1] * stride;
    const c = base + index[t + 2] * stride;
    const d = base + index[t + 3] * stride;
    const wa = weight[t];
    const wb = weight[t + 1];
    const wc = weight[t + 2];
    const wd = weight[t + 3];
    for (let q = 0; q < width; q++)
      dst[out + q] = wa * rows[a + q] + wb * rows[b + q] + wc * rows[c + q] + wd * rows[d + q];
  } else {
    for (let q = 0; q < width; q++) {
      let s = 0;
      for (let u = 0; u < taps; u++) s += weight[t + u] * rows[base + index[t + u] * stride + q];
      dst[out + q] = s;
    }
  }
}
