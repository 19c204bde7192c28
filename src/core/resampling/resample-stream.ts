import type { Shape3 } from '../preprocessing/crop';
import { type AxisKernel, axisKernel } from './axis-kernel';
import { resampleAxis } from './resample-axis';
import { clipBounds, resampleDataSlab, wholeSlab } from './resample-data';
import { canResampleExactly, resampleLinearExact } from './resample-linear-exact';
import type { ResampleSpec } from './resample-plan';
import { PREPAD, prefilterLines } from './spline';

/**
 * Image resampling in little memory: the input (which the caller gives up) becomes its own z-spline
 * coefficients in place, then the output is produced in z-slabs of a few dozen rows, each from just
 * the coefficient rows its taps touch. No full-size intermediate array exists: peak memory is the
 * input, the output and one slab. Same arithmetic as the separable passes of resample-data.ts.
 *
 * Covers the 3-D case and separate-z along axis 0 with order_z ≤ 1 (the plans' defaults); anything
 * else, and linear kernels, go to the whole-volume paths.
 */
export function resampleDataStreaming(
  owned: { data: Float32Array | null },
  spec: ResampleSpec,
  bounds?: Float64Array,
): Float32Array {
  if (!owned.data) throw new Error('resampleDataStreaming: no data');
  const b = bounds ?? clipBounds(owned.data, spec);
  const sep = spec.axis;
  if (canResampleExactly(spec))
    return resampleLinearExact(take(owned), spec, wholeSlab(spec), b, Math.fround);
  if (sep !== null && (sep !== 0 || spec.orderZ > 1))
    return resampleDataSlab(take(owned), spec, wholeSlab(spec), b);
  const input = take(owned);
  const [n0, n1, n2] = spec.inShape;
  const [m0, m1, m2] = spec.outShape;
  const zOrder = sep === 0 ? spec.orderZ : spec.order;
  const kz = n0 === m0 ? null : axisKernel(n0, m0, zOrder);
  const pads = kz?.prefilter ? prefilterZInPlace(input, spec.inShape, zOrder) : null;
  const inPlane = [1, 2]
    .filter((a) => spec.inShape[a] !== spec.outShape[a])
    .sort((a, c) => spec.outShape[a] / spec.inShape[a] - spec.outShape[c] / spec.inShape[c] || c - a)
    .map((a) => ({ axis: a, k: axisKernel(spec.inShape[a], spec.outShape[a], spec.order) }));
  const inPlaneSize = n1 * n2;
  const outPlane = m1 * m2;
  const out = new Float32Array(m0 * outPlane);
  // slabs of about 1/16 of the output (at most SLAB_VOXELS): their buffers stay small next to the volume
  const slabVoxels = Math.min(SLAB_VOXELS, Math.ceil((m0 * outPlane) / 16));
  const rowsPerSlab = Math.max(1, Math.floor(slabVoxels / Math.max(inPlaneSize, outPlane)));
  // three buffers reused by every slab: its input rows and the two ends of each pass
  const zSpan = kz ? Math.ceil((rowsPerSlab * n0) / m0) + 2 * PAD_ROWS + 2 : rowsPerSlab;
  const biggest = Math.max(zSpan, rowsPerSlab) * Math.max(inPlaneSize, outPlane, n1 * m2, m1 * n2);
  const scratch = [new Float32Array(biggest), new Float32Array(biggest)];
  const gather = new Float32Array(zSpan * inPlaneSize);
  let turn = 0;
  const next = () => scratch[turn++ % 2];

  for (let j0 = 0; j0 < m0; j0 += rowsPerSlab) {
    const j1 = Math.min(m0, j0 + rowsPerSlab);
    // coefficient rows the slab's z taps touch (rows < 0 or ≥ n0 are the padding's)
    const offset = kz?.prefilter ? PREPAD : 0;
    let rMin = j0;
    let rMax = j1 - 1;
    if (kz) {
      rMin = Number.POSITIVE_INFINITY;
      rMax = Number.NEGATIVE_INFINITY;
      for (let t = j0 * kz.taps; t < j1 * kz.taps; t++) {
        if (kz.weight[t] === 0 && kz.taps > 1) continue;
        rMin = Math.min(rMin, kz.index[t] - offset);
        rMax = Math.max(rMax, kz.index[t] - offset);
      }
    }
    const rows = rMax - rMin + 1;
    let slab: Float32Array =
      gather.length >= rows * inPlaneSize
        ? gather.subarray(0, rows * inPlaneSize)
        : new Float32Array(rows * inPlaneSize);
    for (let r = rMin; r <= rMax; r++)
      slab.set(rowOf(input, pads, r, n0, inPlaneSize), (r - rMin) * inPlaneSize);
    let shape: Shape3 = [rows, n1, n2];
    let source = Int32Array.from({ length: rows }, (_, i) => rMin + i);
    const zKernel = kz ? sliceKernel(kz, j0, j1, offset + rMin, rows) : null;
    const runZ = () => {
      if (!zKernel) return;
      if (zKernel.taps === 1) source = Int32Array.from(zKernel.index, (i) => source[i]);
      slab = resampleAxis(slab, shape, 0, zKernel, next());
      shape = [j1 - j0, shape[1], shape[2]];
    };
    // z first when it shrinks the slab (or only picks slices), last when it grows it
    const zFirst =
      zKernel !== null && (zKernel.taps === 1 || j1 - j0 <= rows) && !(sep === 0 && spec.orderZ > 0);
    if (zFirst) runZ();
    for (const { axis, k } of inPlane) {
      slab = resampleAxis(slab, shape, axis, k, next());
      shape = shape.map((d, a) => (a === axis ? k.outLen : d)) as Shape3;
    }
    if (sep === null) {
      if (!zFirst) runZ();
      clip(slab, 0, slab.length, b[0], b[1]);
    } else {
      // separate-z: each slice clipped to its own input slice's range, then z (linear or nearest)
      for (let r = 0; r < shape[0]; r++)
        clip(slab, r * outPlane, (r + 1) * outPlane, b[2 * source[r]], b[2 * source[r] + 1]);
      if (!zFirst) runZ();
    }
    out.set(slab, j0 * outPlane);
  }
  return out;
}

/** Output voxels per slab: big enough to stream well, small next to any volume worth streaming. */
const SLAB_VOXELS = 1 << 21;

function take(owned: { data: Float32Array | null }): Float32Array {
  const d = owned.data!;
  owned.data = null;
  return d;
}

/** Spline rows a tap can reach beyond each end of the axis (order 5 reaches 3). */
const PAD_ROWS = 3;

interface PadRows {
  /** rows -1, -2, -3 (index 0 is row -1) */
  before: Float32Array[];
  /** rows n, n+1, n+2 */
  after: Float32Array[];
}

/**
 * Prefilter along z in place (scipy's 12-row edge padding included): afterwards `data` holds the
 * z-spline coefficients of its rows, and the padding's first coefficient rows are returned.
 */
function prefilterZInPlace(data: Float32Array, shape: Shape3, order: number): PadRows {
  const [n0, n1, n2] = shape;
  const plane = n1 * n2;
  const lineLen = n0 + 2 * PREPAD;
  const width = Math.max(16, Math.min(plane, Math.floor((1 << 21) / 8 / lineLen)));
  const buf = new Float64Array(lineLen * width);
  const acc = new Float64Array(width);
  const pads: PadRows = {
    before: Array.from({ length: PAD_ROWS }, () => new Float32Array(plane)),
    after: Array.from({ length: PAD_ROWS }, () => new Float32Array(plane)),
  };
  for (let q0 = 0; q0 < plane; q0 += width) {
    const w = Math.min(width, plane - q0);
    for (let p = 0; p < lineLen; p++) {
      const r = Math.min(n0 - 1, Math.max(0, p - PREPAD));
      const from = r * plane + q0;
      for (let q = 0; q < w; q++) buf[p * w + q] = data[from + q];
    }
    prefilterLines(buf, lineLen, w, order, acc);
    for (let r = 0; r < n0; r++) {
      const to = r * plane + q0;
      const from = (r + PREPAD) * w;
      for (let q = 0; q < w; q++) data[to + q] = buf[from + q];
    }
    for (let k = 0; k < PAD_ROWS; k++) {
      const lo = (PREPAD - 1 - k) * w;
      const hi = (PREPAD + n0 + k) * w;
      for (let q = 0; q < w; q++) {
        pads.before[k][q0 + q] = buf[lo + q];
        pads.after[k][q0 + q] = buf[hi + q];
      }
    }
  }
  return pads;
}

function rowOf(data: Float32Array, pads: PadRows | null, r: number, n0: number, plane: number): Float32Array {
  if (r >= 0 && r < n0) return data.subarray(r * plane, (r + 1) * plane);
  if (!pads) throw new Error(`row ${r} outside the volume`);
  const k = r < 0 ? -r - 1 : r - n0;
  if (k >= PAD_ROWS) throw new Error(`row ${r} beyond the spline padding`);
  return r < 0 ? pads.before[k] : pads.after[k];
}

/** The taps of outputs [j0, j1) of a whole-axis kernel, re-indexed to a slab whose row 0 is `first`. */
function sliceKernel(k: AxisKernel, j0: number, j1: number, first: number, rows: number): AxisKernel {
  const index = k.index.slice(j0 * k.taps, j1 * k.taps);
  const weight = k.weight.slice(j0 * k.taps, j1 * k.taps);
  for (let t = 0; t < index.length; t++) {
    const i = index[t] - first;
    // a zero-weight tap outside the slab (a clamped edge tap) reads any row
    index[t] = weight[t] === 0 && (i < 0 || i >= rows) ? 0 : i;
  }
  return { ...k, outLen: j1 - j0, lineLen: rows, padLo: 0, padHi: 0, prefilter: 0, index, weight };
}

function clip(a: Float32Array, from: number, to: number, lo: number, hi: number): void {
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v < lo) a[i] = lo;
    else if (v > hi) a[i] = hi;
  }
}
