import type { Shape3 } from '../preprocessing/crop';
import { roundHalfEven } from '../pycompat/numpy-compat';

/** nnU-Net's ANISO_THRESHOLD: max/min spacing above this resamples the low-resolution axis on its own. */
export const ANISO_THRESHOLD = 3;

/** The keyword arguments nnU-Net stores in the plans (`resampling_fn_*_kwargs`). */
export interface ResampleKwargs {
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
}

/** Everything one resampling needs, decided once per case (and shared by all slabs and channels). */
export interface ResampleSpec {
  inShape: Shape3;
  outShape: Shape3;
  isSeg: boolean;
  order: number;
  orderZ: number;
  /** the low-resolution axis resampled on its own with orderZ, or null for one 3-D resampling */
  axis: 0 | 1 | 2 | null;
}

export { roundHalfEven };

/** compute_new_shape: round(old_spacing / new_spacing * old_shape) per axis. */
export function computeNewShape(
  oldShape: readonly number[],
  oldSpacing: readonly number[],
  newSpacing: readonly number[],
): number[] {
  return oldShape.map((n, i) => roundHalfEven((oldSpacing[i] / newSpacing[i]) * n));
}

function anisotropic(spacing: readonly number[]): boolean {
  return Math.max(...spacing) / Math.min(...spacing) > ANISO_THRESHOLD;
}

/** Axes whose spacing equals the largest (nnU-Net's get_lowres_axis). */
function lowresAxes(spacing: readonly number[]): number[] {
  const max = Math.max(...spacing);
  return spacing.map((s, i) => (max / s === 1 ? i : -1)).filter((i) => i >= 0);
}

/** determine_do_sep_z_and_axis: which axis (if any) is resampled separately. */
export function separateZAxis(
  forceSeparateZ: boolean | null,
  currentSpacing: readonly number[],
  newSpacing: readonly number[],
): 0 | 1 | 2 | null {
  let axes: number[] | null = null;
  if (forceSeparateZ !== null) {
    if (forceSeparateZ) axes = lowresAxes(currentSpacing);
  } else if (anisotropic(currentSpacing)) axes = lowresAxes(currentSpacing);
  else if (anisotropic(newSpacing)) axes = lowresAxes(newSpacing);
  // two or three axes tied for coarsest: nothing to single out
  if (axes?.length !== 1) return null;
  return axes[0] as 0 | 1 | 2;
}

/** resample_data_or_seg_to_shape's decisions for one case. */
export function planResample(
  inShape: Shape3,
  outShape: readonly number[],
  currentSpacing: readonly number[],
  newSpacing: readonly number[],
  kwargs: ResampleKwargs,
): ResampleSpec {
  return {
    inShape: [...inShape],
    outShape: [outShape[0], outShape[1], outShape[2]],
    isSeg: kwargs.is_seg,
    order: kwargs.order,
    orderZ: kwargs.order_z,
    axis: separateZAxis(kwargs.force_separate_z ?? null, currentSpacing, newSpacing),
  };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** A z-slab of work: output rows [j0, j1) computed from input rows [lo, hi). */
export interface Slab {
  /** input rows along z held by the slab array */
  lo: number;
  hi: number;
  /** output rows along z to produce */
  j0: number;
  j1: number;
}
