import { PREPAD, splinePoles, splineStart, splineWeights } from './spline';

/**
 * Precomputed taps of a 1-D resampling along one axis: for every output index, `taps` input positions
 * and weights. The source coordinate of output j is (j + 0.5) * in/out - 0.5, which is what both
 * scipy.ndimage.zoom(grid_mode=True) and nnU-Net's map_coordinates grid for separate-z compute.
 *
 * Positions index a *line buffer*: for splines of order > 1 the line is the input padded by `padLo`
 * / `padHi` edge copies (scipy pads by 12 in mode 'nearest') and prefiltered; otherwise it is the
 * input itself. Positions outside the line are clamped, as scipy's 'nearest' mode maps them.
 */
export interface AxisKernel {
  inLen: number;
  outLen: number;
  order: number;
  taps: number;
  /** length of the line buffer the positions index */
  lineLen: number;
  /** edge copies before the first / after the last input row in the line buffer */
  padLo: number;
  padHi: number;
  /** prefilter the line buffer with a spline of this order first (0 = none) */
  prefilter: number;
  /** outLen × taps */
  index: Int32Array;
  weight: Float64Array;
}

/** Kernel for the whole axis: every output, the full (padded) line. */
export function axisKernel(inLen: number, outLen: number, order: number): AxisKernel {
  return restrictedKernel(inLen, outLen, order, 0, outLen, 0, inLen);
}

/**
 * Kernel for outputs [j0, j1) computed from input rows [lo, hi) only (a slab). At a true end of the
 * axis (lo = 0, hi = inLen) the line gets scipy's edge padding; at a cut it gets none, the halo rows
 * stand in for it (see inputRange).
 */
export function restrictedKernel(
  inLen: number,
  outLen: number,
  order: number,
  j0: number,
  j1: number,
  lo: number,
  hi: number,
): AxisKernel {
  const spline = order > 1;
  const pad = spline ? PREPAD : 0;
  const padLo = spline && lo === 0 ? PREPAD : 0;
  const padHi = spline && hi === inLen ? PREPAD : 0;
  const fullLen = inLen + 2 * pad;
  const lineLen = padLo + (hi - lo) + padHi;
  const taps = order + 1;
  const m = j1 - j0;
  const index = new Int32Array(m * taps);
  const weight = new Float64Array(m * taps);
  const w = new Float64Array(taps);
  const scale = inLen / outLen;
  for (let j = j0; j < j1; j++) {
    const cc = (j + 0.5) * scale - 0.5 + pad;
    const start = splineStart(cc, order);
    splineWeights(cc, order, w);
    const o = (j - j0) * taps;
    for (let t = 0; t < taps; t++) {
      // position on the full padded line, clamped as scipy's 'nearest' boundary does
      let p = start + t;
      if (p < 0) p = 0;
      else if (p > fullLen - 1) p = fullLen - 1;
      // row of the input it stands for, then its place in this slab's line buffer
      let q = p - pad - lo + padLo;
      if (q < 0 || q >= lineLen) {
        if (w[t] !== 0) throw new Error(`slab [${lo}, ${hi}) lacks input row ${p - pad} for output ${j}`);
        q = q < 0 ? 0 : lineLen - 1;
      }
      index[o + t] = q;
      weight[o + t] = w[t];
    }
  }
  return {
    inLen,
    outLen: m,
    order,
    taps,
    lineLen,
    padLo,
    padHi,
    prefilter: spline ? order : 0,
    index,
    weight,
  };
}

/** Rows beyond the support that make a cut line's prefilter agree with the whole line (|z|^h < 1e-12). */
export function prefilterHalo(order: number): number {
  if (order < 2) return 0;
  const z = Math.abs(splinePoles(order)[0]);
  return Math.ceil(Math.log(1e-12) / Math.log(z));
}

/** Input rows [lo, hi) needed for outputs [j0, j1), halo for the prefilter included. */
export function inputRange(
  inLen: number,
  outLen: number,
  order: number,
  j0: number,
  j1: number,
): [number, number] {
  if (j1 <= j0) return [0, 0];
  const scale = inLen / outLen;
  // one row of margin: adding scipy's pad before floor() can move the start by one
  const first = splineStart((j0 + 0.5) * scale - 0.5, order) - 1;
  const last = splineStart((j1 - 0.5) * scale - 0.5, order) + order + 1;
  const halo = prefilterHalo(order);
  return [Math.max(0, first - halo), Math.min(inLen, last + 1 + halo)];
}
