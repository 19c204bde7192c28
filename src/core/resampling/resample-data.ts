import type { Shape3 } from '../preprocessing/crop';
import { type AxisKernel, axisKernel, inputRange, restrictedKernel } from './axis-kernel';
import { resampleAxis } from './resample-axis';
import { canResampleExactly, resampleLinearExact } from './resample-linear-exact';
import type { ResampleSpec, Slab } from './resample-plan';

/**
 * Image (non-label) resampling with nnU-Net's semantics, separable:
 * - one 3-D resize (skimage.transform.resize, mode 'edge', no anti-aliasing = scipy zoom with
 *   grid_mode, 'nearest' boundary, spline prefilter) clipped to the channel's value range; or
 * - separate-z: each slice across the low-resolution axis resized in-plane with `order` and clipped
 *   to that slice's range, then the low-resolution axis interpolated with `orderZ` (no clipping).
 *
 * Cubic (the plans' default for images) runs as separable passes with float32 work arrays, within a
 * few float32 ulps of nnU-Net's float64; orders 0 and 1 are evaluated exactly (resample-linear-exact).
 *
 * Work is done on a z-slab: output rows [j0, j1) from input rows [lo, hi). The whole volume is the
 * slab that covers everything; workers can compute slabs independently (see dataSlab).
 */

function orderAlong(spec: ResampleSpec, axis: number): number {
  return spec.axis === axis ? spec.orderZ : spec.order;
}

/** The input rows a slab of output rows [j0, j1) needs (prefilter halo included). */
export function dataSlab(spec: ResampleSpec, j0: number, j1: number): Slab {
  const n = spec.inShape[0];
  const m = spec.outShape[0];
  if (n === m) return { lo: j0, hi: j1, j0, j1 };
  const [lo, hi] = inputRange(n, m, orderAlong(spec, 0), j0, j1);
  return { lo, hi, j0, j1 };
}

export function wholeSlab(spec: ResampleSpec): Slab {
  return { lo: 0, hi: spec.inShape[0], j0: 0, j1: spec.outShape[0] };
}

/**
 * The value range skimage clips to: [min, max] of the channel, or with separate-z one pair per
 * slice across the low-resolution axis ([min_0, max_0, min_1, max_1, ...]).
 */
export function clipBounds(channel: Float32Array, spec: ResampleSpec): Float64Array {
  const [nz, ny, nx] = spec.inShape;
  if (spec.axis === null) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < channel.length; i++) {
      const v = channel[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return Float64Array.of(lo, hi);
  }
  const count = spec.inShape[spec.axis];
  const b = new Float64Array(2 * count);
  for (let s = 0; s < count; s++) {
    b[2 * s] = Number.POSITIVE_INFINITY;
    b[2 * s + 1] = Number.NEGATIVE_INFINITY;
  }
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const s = spec.axis === 0 ? z : spec.axis === 1 ? y : x;
        const v = channel[i];
        if (v < b[2 * s]) b[2 * s] = v;
        if (v > b[2 * s + 1]) b[2 * s + 1] = v;
      }
  return b;
}

/** Resample a whole channel (a (z, y, x) float32 array of spec.inShape). */
export function resampleData(channel: Float32Array, spec: ResampleSpec, bounds?: Float64Array): Float32Array {
  return resampleDataSlab(channel, spec, wholeSlab(spec), bounds ?? clipBounds(channel, spec));
}

/**
 * Resample one slab: `input` holds rows [slab.lo, slab.hi) of the channel; the result holds output rows
 * [slab.j0, slab.j1). `bounds` come from clipBounds over the whole channel.
 */
export function resampleDataSlab(
  input: Float32Array,
  spec: ResampleSpec,
  slab: Slab,
  bounds: Float64Array,
): Float32Array {
  const { inShape, outShape } = spec;
  let shape: Shape3 = [slab.hi - slab.lo, inShape[1], inShape[2]];
  if (input.length !== shape[0] * shape[1] * shape[2]) throw new Error('slab array does not match its rows');
  // linear and nearest: scipy's own arithmetic, bit-identical results at about the same speed
  if (canResampleExactly(spec)) return resampleLinearExact(input, spec, slab, bounds, Math.fround);
  let data = input;
  // from here only `data` holds the input, so the first pass can let it go
  input = EMPTY;
  // which input slice each slice across the separate axis comes from (for its clip bounds)
  const sep = spec.axis;
  let sepSource =
    sep === null
      ? new Int32Array(0)
      : Int32Array.from({ length: shape[sep] }, (_, r) => (sep === 0 ? slab.lo + r : r));

  const kernelFor = (axis: number): AxisKernel | null => {
    const order = orderAlong(spec, axis);
    if (axis === 0) {
      if (slab.lo === slab.j0 && slab.hi === slab.j1 && inShape[0] === outShape[0]) return null;
      const order0 = inShape[0] === outShape[0] ? 0 : order;
      return restrictedKernel(inShape[0], outShape[0], order0, slab.j0, slab.j1, slab.lo, slab.hi);
    }
    return inShape[axis] === outShape[axis] ? null : axisKernel(inShape[axis], outShape[axis], order);
  };
  const run = (axis: number) => {
    const k = kernelFor(axis);
    if (!k) return;
    if (axis === sep && k.taps === 1) {
      // nearest along the separate axis only copies slices: follow them to their clip bounds
      const src = new Int32Array(k.outLen);
      for (let j = 0; j < k.outLen; j++) src[j] = sepSource[k.index[j] - k.padLo];
      sepSource = src;
    }
    data = resampleAxis(data, shape, axis, k);
    shape = shape.map((d, a) => (a === axis ? k.outLen : d)) as Shape3;
  };

  if (sep === null) {
    for (const axis of passOrder(spec, [0, 1, 2])) run(axis);
    clipAll(data, bounds[0], bounds[1]);
    return data;
  }
  const inPlane = [0, 1, 2].filter((a) => a !== sep);
  // Nearest along the separate axis only picks slices, so when it shrinks, pick before resizing.
  const pickFirst = spec.orderZ === 0 && outShape[sep] < inShape[sep];
  if (pickFirst) run(sep);
  for (const axis of passOrder(spec, inPlane)) run(axis);
  clipSlices(data, shape, sep, sepSource, bounds);
  if (!pickFirst) run(sep);
  return data;
}

const EMPTY = new Float32Array(0);

/** Shrinking axes first: later passes then touch fewer voxels. */
function passOrder(spec: ResampleSpec, axes: number[]): number[] {
  const ratio = (a: number) => spec.outShape[a] / spec.inShape[a];
  return [...axes].sort((a, b) => ratio(a) - ratio(b) || b - a);
}

function clipAll(a: Float32Array, lo: number, hi: number): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (v < lo) a[i] = lo;
    else if (v > hi) a[i] = hi;
  }
}

/** Clip each slice across `axis` to the bounds of the input slice it came from. */
function clipSlices(
  a: Float32Array,
  shape: Shape3,
  axis: number,
  source: Int32Array,
  bounds: Float64Array,
): void {
  const [nz, ny, nx] = shape;
  if (axis === 0) {
    const plane = ny * nx;
    for (let z = 0; z < nz; z++) {
      const s = source[z];
      clipAll(a.subarray(z * plane, (z + 1) * plane), bounds[2 * s], bounds[2 * s + 1]);
    }
  } else if (axis === 1) {
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        const o = (z * ny + y) * nx;
        const s = source[y];
        clipAll(a.subarray(o, o + nx), bounds[2 * s], bounds[2 * s + 1]);
      }
  } else {
    const rows = nz * ny;
    for (let r = 0; r < rows; r++)
      for (let x = 0, o = r * nx; x < nx; x++, o++) {
        const s = source[x];
        const v = a[o];
        if (v < bounds[2 * s]) a[o] = bounds[2 * s];
        else if (v > bounds[2 * s + 1]) a[o] = bounds[2 * s + 1];
      }
  }
}
