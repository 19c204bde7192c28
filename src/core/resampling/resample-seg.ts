import type { Shape3 } from '../preprocessing/crop';
import { type AxisKernel, axisKernel, restrictedKernel } from './axis-kernel';
import { dataSlab } from './resample-data';
import type { ResampleSpec, Slab } from './resample-plan';
import { exactSplineResample } from './spline-exact';

/**
 * Label-map resampling with nnU-Net's semantics (batchgenerators resize_segmentation): every label is
 * resized as a 0/1 mask and written where the result is >= 0.5, labels in ascending order so the
 * largest passing label wins; voxels no label reaches stay 0. With separate-z, the low-resolution
 * axis then takes nearest (orderZ 0) or, per label, a linear/spline mask kept where it is > 0.5.
 *
 * Labels must come out exactly, so each mask is evaluated the way scipy does it, term by term in
 * float64 in the same order, and a tie at 0.5 resolves identically: the linear cases (the defaults)
 * directly from the corner labels, spline orders through spline-exact.ts (whole volume only).
 */
export type LabelArray = Int16Array;

/** Spline orders need the whole volume (their exact prefilter runs over full lines). */
function needsWhole(spec: ResampleSpec): boolean {
  return spec.order > 1 || (spec.axis !== null && spec.orderZ > 1);
}

/** The input rows a slab of output rows [j0, j1) needs. */
export function segSlab(spec: ResampleSpec, j0: number, j1: number): Slab {
  if (needsWhole(spec)) return { lo: 0, hi: spec.inShape[0], j0, j1 };
  return dataSlab(spec, j0, j1);
}

export function resampleSeg(labels: LabelArray, spec: ResampleSpec): LabelArray {
  return resampleSegSlab(labels, spec, { lo: 0, hi: spec.inShape[0], j0: 0, j1: spec.outShape[0] });
}

/** `input` holds rows [slab.lo, slab.hi) of the label map; the result holds output rows [slab.j0, slab.j1). */
export function resampleSegSlab(input: LabelArray, spec: ResampleSpec, slab: Slab): LabelArray {
  const { inShape, outShape } = spec;
  if (needsWhole(spec) && (slab.j0 > 0 || slab.j1 < outShape[0])) {
    const whole = resampleSegSlab(input, spec, { lo: 0, hi: inShape[0], j0: 0, j1: outShape[0] });
    const plane = outShape[1] * outShape[2];
    return whole.slice(slab.j0 * plane, slab.j1 * plane);
  }
  const shape: Shape3 = [slab.hi - slab.lo, inShape[1], inShape[2]];
  if (spec.axis === null) {
    const zk = zKernel(spec, spec.order, slab);
    if (spec.order <= 1) {
      const ks = [
        zk,
        axisKernel(inShape[1], outShape[1], spec.order),
        axisKernel(inShape[2], outShape[2], spec.order),
      ];
      return spec.order === 0 ? nearest3(input, shape, ks) : linear3(input, shape, ks);
    }
    return splineMasks(input, shape, [0, 1, 2], outShape, spec.order, true, (v) => v >= 0.5);
  }
  const sep = spec.axis;
  // stage 1: each slice across `sep` resized in-plane
  const planeSpec: ResampleSpec = {
    ...spec,
    outShape: outShape.map((d, a) => (a === sep ? inShape[a] : d)) as Shape3,
  };
  const planeSlab: Slab = sep === 0 ? { lo: slab.lo, hi: slab.hi, j0: slab.lo, j1: slab.hi } : slab;
  let planes: LabelArray;
  if (spec.order <= 1) {
    const ks = [0, 1, 2].map((a) =>
      a === sep
        ? null
        : a === 0
          ? zKernel(planeSpec, spec.order, planeSlab)
          : axisKernel(inShape[a], outShape[a], spec.order),
    );
    planes = spec.order === 0 ? nearest3(input, shape, ks) : linear3(input, shape, ks);
  } else {
    planes = splineMasks(
      input,
      shape,
      inPlaneAxes(sep),
      planeSpec.outShape,
      spec.order,
      true,
      (v) => v >= 0.5,
    );
  }
  // stage 2: the low-resolution axis (rows of `planes`: [lo, hi) when it is z, else [j0, j1))
  const mid: Shape3 = [planeSlab.j1 - planeSlab.j0, outShape[1], outShape[2]];
  if (sep !== 0) mid[sep] = inShape[sep];
  const axisSpec: ResampleSpec = { ...spec, inShape: [...mid] as Shape3, outShape: [...outShape] as Shape3 };
  axisSpec.inShape[0] = sep === 0 ? inShape[0] : outShape[0];
  const axisSlab: Slab = sep === 0 ? slab : { lo: slab.j0, hi: slab.j1, j0: slab.j0, j1: slab.j1 };
  const kernel =
    sep === 0
      ? zKernel(axisSpec, spec.orderZ, axisSlab)
      : axisKernel(inShape[sep], outShape[sep], spec.orderZ);
  if (inShape[sep] === outShape[sep]) {
    // nothing to resample along it; a z slab still drops its halo rows
    return kernel && sep === 0 ? nearest3(planes, mid, [kernel, null, null]) : planes;
  }
  if (spec.orderZ === 0)
    return nearest3(
      planes,
      mid,
      [0, 1, 2].map((a) => (a === sep ? kernel : null)),
    );
  if (spec.orderZ === 1) return linearAlong(planes, mid, sep, kernel!);
  return splineMasks(planes, mid, [0, 1, 2], outShape, spec.orderZ, false, (v) => v > 0.5);
}

/** The z kernel of a slab (identity rows when z keeps its size). */
function zKernel(spec: ResampleSpec, order: number, slab: Slab): AxisKernel | null {
  const n = spec.inShape[0];
  const m = spec.outShape[0];
  if (n === m)
    return slab.lo === slab.j0 && slab.hi === slab.j1
      ? null
      : restrictedKernel(n, m, 0, slab.j0, slab.j1, slab.lo, slab.hi);
  return restrictedKernel(n, m, order, slab.j0, slab.j1, slab.lo, slab.hi);
}

/** Identity taps for an axis left alone. */
function identity(n: number): AxisKernel {
  return axisKernel(n, n, 0);
}

/** Nearest neighbour along each axis that has a kernel (scipy order 0: floor(x + 0.5), clamped). */
function nearest3(src: LabelArray, shape: Shape3, kernels: (AxisKernel | null)[]): LabelArray {
  const [kz, ky, kx] = kernels.map((k, a) => k ?? identity(shape[a]));
  const [, ny, nx] = shape;
  const out = new Int16Array(kz.outLen * ky.outLen * kx.outLen);
  let o = 0;
  for (let z = 0; z < kz.outLen; z++) {
    const zo = kz.index[z] * ny;
    for (let y = 0; y < ky.outLen; y++) {
      const row = (zo + ky.index[y]) * nx;
      for (let x = 0; x < kx.outLen; x++) out[o++] = src[row + kx.index[x]];
    }
  }
  return out;
}

/**
 * Linear one-hot resampling, exact: for each output voxel the 2×2×2 corner labels; a label's mask
 * value is the sum of its corners' weight products ((w_z · w_y) · w_x) in scipy's corner order; the
 * largest label reaching 0.5 wins, else 0. An axis without a kernel is a two-tap axis with weights
 * (1, 0): its zero terms add nothing, exactly as scipy's 2-D sum has no such terms.
 */
function linear3(src: LabelArray, shape: Shape3, kernels: (AxisKernel | null)[]): LabelArray {
  const [, ny, nx] = shape;
  const [kz, ky, kx] = kernels.map((k, a) => twoTaps(k ?? identity(shape[a])));
  const lab = new Int32Array(8);
  const wt = new Float64Array(8);
  const out = new Int16Array(kz.outLen * ky.outLen * kx.outLen);
  const xi = kx.index;
  const xw = kx.weight;
  let o = 0;
  for (let z = 0; z < kz.outLen; z++) {
    const z0 = kz.index[2 * z] * ny;
    const z1 = kz.index[2 * z + 1] * ny;
    const wz0 = kz.weight[2 * z];
    const wz1 = kz.weight[2 * z + 1];
    for (let y = 0; y < ky.outLen; y++) {
      const y0 = ky.index[2 * y];
      const y1 = ky.index[2 * y + 1];
      const r00 = (z0 + y0) * nx;
      const r01 = (z0 + y1) * nx;
      const r10 = (z1 + y0) * nx;
      const r11 = (z1 + y1) * nx;
      const p00 = wz0 * ky.weight[2 * y];
      const p01 = wz0 * ky.weight[2 * y + 1];
      const p10 = wz1 * ky.weight[2 * y];
      const p11 = wz1 * ky.weight[2 * y + 1];
      for (let x = 0; x < kx.outLen; x++, o++) {
        const x0 = xi[2 * x];
        const x1 = xi[2 * x + 1];
        const a = src[r00 + x0];
        if (
          a === src[r00 + x1] &&
          a === src[r01 + x0] &&
          a === src[r01 + x1] &&
          a === src[r10 + x0] &&
          a === src[r10 + x1] &&
          a === src[r11 + x0] &&
          a === src[r11 + x1]
        ) {
          out[o] = a;
          continue;
        }
        const wx0 = xw[2 * x];
        const wx1 = xw[2 * x + 1];
        lab[0] = a;
        lab[1] = src[r00 + x1];
        lab[2] = src[r01 + x0];
        lab[3] = src[r01 + x1];
        lab[4] = src[r10 + x0];
        lab[5] = src[r10 + x1];
        lab[6] = src[r11 + x0];
        lab[7] = src[r11 + x1];
        wt[0] = p00 * wx0;
        wt[1] = p00 * wx1;
        wt[2] = p01 * wx0;
        wt[3] = p01 * wx1;
        wt[4] = p10 * wx0;
        wt[5] = p10 * wx1;
        wt[6] = p11 * wx0;
        wt[7] = p11 * wx1;
        out[o] = winner(lab, wt, 8, 0.5, true);
      }
    }
  }
  return out;
}

/** A one-tap (identity / nearest) kernel as two taps with weights (w, 0). */
function twoTaps(k: AxisKernel): AxisKernel {
  if (k.taps === 2) return k;
  const index = new Int32Array(2 * k.outLen);
  const weight = new Float64Array(2 * k.outLen);
  for (let j = 0; j < k.outLen; j++) {
    index[2 * j] = index[2 * j + 1] = k.index[j];
    weight[2 * j] = k.weight[j];
  }
  return { ...k, taps: 2, index, weight };
}

/** Largest label whose summed corner weight passes the threshold (>= when inclusive, else >), or 0. */
function winner(lab: Int32Array, wt: Float64Array, n: number, threshold: number, inclusive: boolean): number {
  let best = 0;
  let found = false;
  for (let i = 0; i < n; i++) {
    const l = lab[i];
    if (found && l <= best) continue;
    let seen = false;
    for (let k = 0; k < i; k++) if (lab[k] === l) seen = true;
    if (seen) continue;
    let t = 0.0;
    for (let k = 0; k < n; k++) if (lab[k] === l) t += wt[k];
    if (inclusive ? t >= threshold : t > threshold) {
      best = l;
      found = true;
    }
  }
  return best;
}

/** Separate-z with order_z 1: per label, linear along one axis, kept where the mask is > 0.5. */
function linearAlong(src: LabelArray, shape: Shape3, axis: number, k: AxisKernel): LabelArray {
  const outShape = [...shape] as Shape3;
  outShape[axis] = k.outLen;
  const [oz, oy, ox] = outShape;
  const [, ny, nx] = shape;
  const out = new Int16Array(oz * oy * ox);
  const lab = new Int32Array(2);
  const wt = new Float64Array(2);
  let o = 0;
  for (let z = 0; z < oz; z++)
    for (let y = 0; y < oy; y++)
      for (let x = 0; x < ox; x++, o++) {
        const j = axis === 0 ? z : axis === 1 ? y : x;
        for (let t = 0; t < 2; t++) {
          const i = k.index[2 * j + t];
          const [sz, sy, sx] = axis === 0 ? [i, y, x] : axis === 1 ? [z, i, x] : [z, y, i];
          lab[t] = src[(sz * ny + sy) * nx + sx];
          wt[t] = k.weight[2 * j + t];
        }
        out[o] = winner(lab, wt, 2, 0.5, false);
      }
  return out;
}

function inPlaneAxes(sep: number): number[] {
  return [0, 1, 2].filter((a) => a !== sep);
}

/**
 * Spline orders: each label's 0/1 mask through scipy's exact arithmetic, labels ascending, kept where
 * `keep` holds. With `clip`, values are first clipped to the mask's range (skimage resize), per slice
 * across the batch axis when only two axes are resampled (nnU-Net's 2-D slices).
 */
function splineMasks(
  input: LabelArray,
  shape: Shape3,
  axes: number[],
  outShape: Shape3,
  order: number,
  clip: boolean,
  keep: (v: number) => boolean,
): LabelArray {
  const labels = Array.from(new Set(input)).sort((a, b) => a - b);
  const out = new Int16Array(outShape[0] * outShape[1] * outShape[2]);
  const mask = new Float64Array(input.length);
  const batch = axes.length === 3 ? -1 : [0, 1, 2].find((a) => !axes.includes(a))!;
  for (const l of labels) {
    for (let i = 0; i < input.length; i++) mask[i] = input[i] === l ? 1 : 0;
    const r = exactSplineResample(mask, shape, axes, outShape, order);
    const bounds = clip ? maskRange(mask, shape, batch) : null;
    let i = 0;
    for (let z = 0; z < outShape[0]; z++)
      for (let y = 0; y < outShape[1]; y++)
        for (let x = 0; x < outShape[2]; x++, i++) {
          let v = r[i];
          if (bounds) {
            const s = batch === 0 ? z : batch === 1 ? y : batch === 2 ? x : 0;
            if (v < bounds[2 * s]) v = bounds[2 * s];
            else if (v > bounds[2 * s + 1]) v = bounds[2 * s + 1];
          }
          if (keep(v)) out[i] = l;
        }
  }
  return out;
}

/** [min, max] of a 0/1 mask, whole or per slice across `batch`. */
function maskRange(mask: Float64Array, shape: Shape3, batch: number): Float64Array {
  const slices = batch < 0 ? 1 : shape[batch];
  const b = new Float64Array(2 * slices);
  for (let s = 0; s < slices; s++) {
    b[2 * s] = 1;
    b[2 * s + 1] = 0;
  }
  let i = 0;
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++, i++) {
        const s = batch === 0 ? z : batch === 1 ? y : batch === 2 ? x : 0;
        const v = mask[i];
        if (v < b[2 * s]) b[2 * s] = v;
        if (v > b[2 * s + 1]) b[2 * s + 1] = v;
      }
  return b;
}
