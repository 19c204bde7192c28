import type { Shape3 } from '../preprocessing/crop';
import { axisKernel } from './axis-kernel';
import { resampleAxis, resampleZColumns } from './resample-axis';
import { canResampleExactly } from './resample-linear-exact';
import type { ResampleSpec } from './resample-plan';

/**
 * The separable image resampling cut into two phases that split across workers without overlap: the
 * in-plane passes (y, x) work on any set of z rows on their own, the z pass on any set of y rows. A
 * z-slab split of the whole thing would need a prefilter halo of ~20 rows per cut (the spline's
 * recursive filter runs along the full z line), which costs more than the split gains.
 *
 * Used for spline kernels without a separate axis, or with z as the separate axis; other cases split
 * by z-slabs (their kernels are local).
 */
export function phasedSplitApplies(spec: ResampleSpec): boolean {
  return !spec.isSeg && !canResampleExactly(spec) && (spec.axis === null || spec.axis === 0);
}

/** Which phase runs first: z when it shrinks the volume (and no per-slice clip must precede it). */
export function zFirst(spec: ResampleSpec): boolean {
  return spec.axis === null && spec.outShape[0] < spec.inShape[0];
}

/**
 * Phase "in-plane": rows [firstRow, firstRow + rows) of a (rows, n1, n2) block resampled along y and x;
 * with z as the separate axis each row is then clipped to its input slice's range (`sliceBounds`), and
 * `clip` clips everything to one range (3-D resampling whose z pass already ran).
 */
export function inPlanePhase(
  block: Float32Array,
  shape: Shape3,
  spec: ResampleSpec,
  o: { firstRow: number; sliceBounds?: Float64Array; clip?: [number, number] },
): Float32Array {
  let data = block;
  let s: Shape3 = [...shape];
  const axes = [1, 2]
    .filter((a) => spec.inShape[a] !== spec.outShape[a])
    .sort((a, c) => spec.outShape[a] / spec.inShape[a] - spec.outShape[c] / spec.inShape[c] || c - a);
  for (const a of axes) {
    const k = axisKernel(spec.inShape[a], spec.outShape[a], spec.order);
    data = resampleAxis(data, s, a, k);
    s = s.map((d, i) => (i === a ? k.outLen : d)) as Shape3;
  }
  const plane = s[1] * s[2];
  if (o.sliceBounds)
    for (let r = 0; r < s[0]; r++) {
      const b = 2 * (o.firstRow + r);
      clip(data, r * plane, (r + 1) * plane, o.sliceBounds[b], o.sliceBounds[b + 1]);
    }
  if (o.clip) clip(data, 0, data.length, o.clip[0], o.clip[1]);
  return data;
}

/** Phase "z": a (n0, rows, n2') block resampled along z (full columns: no halo), optionally clipped. */
export function zPhase(
  block: Float32Array,
  shape: Shape3,
  spec: ResampleSpec,
  clipTo?: [number, number],
): Float32Array {
  const order = spec.axis === 0 ? spec.orderZ : spec.order;
  const out = resampleAxis(block, shape, 0, axisKernel(spec.inShape[0], spec.outShape[0], order));
  if (clipTo) clip(out, 0, out.length, clipTo[0], clipTo[1]);
  return out;
}

/** zPhase for plane columns [c0, c1) of a whole (n0, ny, nx) array, into the same columns of `dst`. */
export function zPhaseColumns(
  src: Float32Array,
  shape: Shape3,
  spec: ResampleSpec,
  c0: number,
  c1: number,
  dst: Float32Array,
  clipTo?: [number, number],
): void {
  const order = spec.axis === 0 ? spec.orderZ : spec.order;
  resampleZColumns(src, shape, axisKernel(spec.inShape[0], spec.outShape[0], order), c0, c1, dst);
  if (!clipTo) return;
  const plane = shape[1] * shape[2];
  for (let z = 0; z < spec.outShape[0]; z++) clip(dst, z * plane + c0, z * plane + c1, clipTo[0], clipTo[1]);
}

/** Copy rows [y0, y1) of every z plane of a (nz, ny, nx) array into a (nz, y1 - y0, nx) block. */
export function gatherRows(src: Float32Array, shape: Shape3, y0: number, y1: number): Float32Array {
  const [nz, ny, nx] = shape;
  const w = (y1 - y0) * nx;
  const out = new Float32Array(nz * w);
  for (let z = 0; z < nz; z++) out.set(src.subarray((z * ny + y0) * nx, (z * ny + y1) * nx), z * w);
  return out;
}

/** The inverse of gatherRows: write a (nz, y1 - y0, nx) block into rows [y0, y1) of a (nz, ny, nx) array. */
export function scatterRows(dst: Float32Array, shape: Shape3, y0: number, block: Float32Array): void {
  const [nz, ny, nx] = shape;
  const w = block.length / nz;
  for (let z = 0; z < nz; z++) dst.set(block.subarray(z * w, (z + 1) * w), (z * ny + y0) * nx);
}

function clip(a: Float32Array, from: number, to: number, lo: number, hi: number): void {
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v < lo) a[i] = lo;
    else if (v > hi) a[i] = hi;
  }
}
