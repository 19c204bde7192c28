/**
 * NibabelIOWithReorient's view of a volume: `img.as_reoriented(io_orientation(img.affine))`, i.e. the
 * voxel axes permuted and flipped so they run along R, A, S, with the zooms permuted alike. The axis
 * choice is nibabel's greedy one (largest component of each normalised affine column, rows used once);
 * nibabel first takes the polar part of the 3×3 by SVD, which only matters for strongly sheared affines.
 */
import type { Volume, VoxelArray } from './volume';

export interface Orientation {
  /** world axis (0 = R, 1 = A, 2 = S) each voxel axis maps to */
  axis: [number, number, number];
  /** +1 or -1 per voxel axis */
  sign: [number, number, number];
}

export function ioOrientation(affine: readonly (readonly number[])[]): Orientation {
  const cols = [0, 1, 2].map((c) => {
    const v = [affine[0][c], affine[1][c], affine[2][c]];
    const n = Math.hypot(v[0], v[1], v[2]) || 1;
    return v.map((x) => x / n);
  });
  const used = [false, false, false];
  const axis: number[] = [];
  const sign: number[] = [];
  for (const col of cols) {
    let best = -1;
    for (let r = 0; r < 3; r++)
      if (!used[r] && (best < 0 || Math.abs(col[r]) > Math.abs(col[best]))) best = r;
    used[best] = true;
    axis.push(best);
    sign.push(col[best] < 0 ? -1 : 1);
  }
  return { axis: axis as Orientation['axis'], sign: sign as Orientation['sign'] };
}

export function isIdentityOrientation(o: Orientation): boolean {
  return o.axis.every((a, i) => a === i) && o.sign.every((s) => s === 1);
}

/** The 3-D part of `data` (i fastest, `shape` (i, j, k)) reoriented to RAS; returns new shape and zooms. */
export function reorientToRas(
  data: ArrayLike<number>,
  shape: readonly number[],
  zooms: readonly number[],
  o: Orientation,
): { data: Float32Array; shape: number[]; zooms: number[] } {
  const outShape = [0, 0, 0];
  const outZooms = [0, 0, 0];
  for (let a = 0; a < 3; a++) {
    outShape[o.axis[a]] = shape[a];
    outZooms[o.axis[a]] = zooms[a];
  }
  const out = new Float32Array(shape[0] * shape[1] * shape[2]);
  const outStride = [1, outShape[0], outShape[0] * outShape[1]];
  // per input axis: where a step lands in the output, and where index 0 lands
  const step = [0, 1, 2].map((a) => o.sign[a] * outStride[o.axis[a]]);
  let base = 0;
  for (let a = 0; a < 3; a++) if (o.sign[a] < 0) base += (shape[a] - 1) * outStride[o.axis[a]];
  let src = 0;
  for (let k = 0; k < shape[2]; k++)
    for (let j = 0; j < shape[1]; j++) {
      let dst = base + j * step[1] + k * step[2];
      for (let i = 0; i < shape[0]; i++, dst += step[0]) out[dst] = data[src++];
    }
  return { data: out, shape: outShape, zooms: outZooms };
}

/** A Volume as NibabelIOWithReorient reads it (3-D part only; voxels as float32, as nnU-Net casts). */
export function reorientedVolume(v: Volume): Volume {
  const o = ioOrientation(v.affine);
  if (isIdentityOrientation(o)) return v;
  const r = reorientToRas(v.data, v.shape, v.spacing, o);
  return { ...v, data: r.data as VoxelArray, datatype: 'float32', shape: r.shape, spacing: r.zooms };
}
