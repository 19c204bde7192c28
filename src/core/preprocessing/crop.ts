/**
 * nnU-Net's crop to the nonzero region (preprocessing/cropping/cropping.py semantics): the mask is the OR
 * over channels of `data != 0` with holes filled (scipy `binary_fill_holes`, 6-connected background), the
 * bounding box is [start, stop) per axis in (z, y, x), and label voxels that are 0 outside the mask
 * become -1.
 *
 * Arrays here are C-order (z, y, x) planes: a NIfTI buffer read as is (see io/volume.ts).
 */
import type { VoxelArray } from '../io/volume/volume';

export type Shape3 = [number, number, number];
/** [[z0, z1], [y0, y1], [x0, x1]], stops exclusive, as nnU-Net's `bbox_used_for_cropping`. */
export type BBox3 = [[number, number], [number, number], [number, number]];

/** OR over channels of `value != 0`, holes filled. One byte per voxel (1 = inside). */
export function nonzeroMask(channels: ArrayLike<number>[], shape: Shape3): Uint8Array {
  const n = shape[0] * shape[1] * shape[2];
  const mask = new Uint8Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) if (ch[i] !== 0) mask[i] = 1;
  fillHoles(mask, shape);
  return mask;
}

/**
 * scipy.ndimage.binary_fill_holes with its default (cross) structure: every background voxel not
 * 6-connected to the border becomes foreground. Breadth-first from the border through background;
 * the queue is a ring buffer because the frontier is a surface, far smaller than the volume.
 */
export function fillHoles(mask: Uint8Array, shape: Shape3): void {
  const [nz, ny, nx] = shape;
  const sy = nx;
  const sz = nx * ny;
  // 0 = background not yet reached, 1 = foreground, 2 = background reached from the border
  const OUT = 2;
  let cap = 1 << 20;
  let queue = new Int32Array(cap);
  let head = 0;
  let size = 0;
  const push = (i: number) => {
    if (mask[i] !== 0) return;
    mask[i] = OUT;
    if (size === cap) {
      const grown = new Int32Array(cap * 2);
      for (let k = 0; k < size; k++) grown[k] = queue[(head + k) % cap];
      queue = grown;
      head = 0;
      cap *= 2;
    }
    queue[(head + size) % cap] = i;
    size++;
  };
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const row = z * sz + y * sy;
      if (z === 0 || z === nz - 1 || y === 0 || y === ny - 1) {
        for (let x = 0; x < nx; x++) push(row + x);
      } else {
        push(row);
        push(row + nx - 1);
      }
    }
  while (size > 0) {
    const i = queue[head];
    head = (head + 1) % cap;
    size--;
    const x = i % nx;
    const y = ((i - x) / nx) % ny;
    const z = (i - x - y * sy) / sz;
    if (x > 0) push(i - 1);
    if (x < nx - 1) push(i + 1);
    if (y > 0) push(i - sy);
    if (y < ny - 1) push(i + sy);
    if (z > 0) push(i - sz);
    if (z < nz - 1) push(i + sz);
  }
  for (let i = 0; i < mask.length; i++) mask[i] = mask[i] === OUT ? 0 : 1;
}

/** Bounding box of the nonzero voxels; the whole volume when the mask is empty (nothing to crop to). */
export function bboxOfMask(mask: Uint8Array, shape: Shape3): BBox3 {
  const [nz, ny, nx] = shape;
  let z0 = nz;
  let z1 = -1;
  let y0 = ny;
  let y1 = -1;
  let x0 = nx;
  let x1 = -1;
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (!mask[i]) continue;
        if (z < z0) z0 = z;
        if (z > z1) z1 = z;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
      }
  if (z1 < 0)
    return [
      [0, nz],
      [0, ny],
      [0, nx],
    ];
  return [
    [z0, z1 + 1],
    [y0, y1 + 1],
    [x0, x1 + 1],
  ];
}

export function bboxShape(b: BBox3): Shape3 {
  return [b[0][1] - b[0][0], b[1][1] - b[1][0], b[2][1] - b[2][0]];
}

/** Copy the box out of a (z, y, x) array into a new array of the same type. */
export function cropArray<
  T extends { length: number; subarray(a: number, b: number): T; set(a: ArrayLike<number>, o: number): void },
>(src: T, shape: Shape3, bbox: BBox3, make: (n: number) => T): T {
  const [, ny, nx] = shape;
  const [cz, cy, cx] = bboxShape(bbox);
  const out = make(cz * cy * cx);
  let o = 0;
  for (let z = bbox[0][0]; z < bbox[0][1]; z++)
    for (let y = bbox[1][0]; y < bbox[1][1]; y++) {
      const start = (z * ny + y) * nx + bbox[2][0];
      out.set(src.subarray(start, start + cx), o);
      o += cx;
    }
  return out;
}

/** Paste a cropped (z, y, x) array back into a full-size one at the box (inverse of cropArray). */
export function pasteArray<T extends VoxelArray>(dst: T, shape: Shape3, bbox: BBox3, src: T): void {
  const [, ny, nx] = shape;
  const cx = bbox[2][1] - bbox[2][0];
  let o = 0;
  for (let z = bbox[0][0]; z < bbox[0][1]; z++)
    for (let y = bbox[1][0]; y < bbox[1][1]; y++) {
      dst.set(src.subarray(o, o + cx), (z * ny + y) * nx + bbox[2][0]);
      o += cx;
    }
}

export interface CropResult {
  /** cropped channels, float32 */
  data: Float32Array[];
  /** cropped seg: the label map's values, -1 where it is 0 outside the mask; or 0/-1 when no label given */
  seg: Int16Array;
  bbox: BBox3;
  shapeBefore: Shape3;
  shapeAfter: Shape3;
  /** number of voxels inside the (filled) mask, whole volume */
  maskVoxels: number;
}

/** crop_to_nonzero(data, seg): data channels and an optional label map, all (z, y, x) of `shape`. */
export function cropToNonzero(
  channels: ArrayLike<number>[],
  shape: Shape3,
  label?: ArrayLike<number>,
): CropResult {
  const mask = nonzeroMask(channels, shape);
  const bbox = bboxOfMask(mask, shape);
  const after = bboxShape(bbox);
  const data = channels.map((ch) => {
    const f = ch instanceof Float32Array ? ch : Float32Array.from(ch);
    return cropArray(f, shape, bbox, (n) => new Float32Array(n));
  });
  const maskCrop = cropArray(mask, shape, bbox, (n) => new Uint8Array(n));
  const seg = new Int16Array(maskCrop.length);
  if (label) {
    const l = label instanceof Int16Array ? label : Int16Array.from(label);
    const lc = cropArray(l, shape, bbox, (n) => new Int16Array(n));
    for (let i = 0; i < seg.length; i++) seg[i] = lc[i] === 0 && !maskCrop[i] ? -1 : lc[i];
  } else {
    for (let i = 0; i < seg.length; i++) seg[i] = maskCrop[i] ? 0 : -1;
  }
  let maskVoxels = 0;
  for (let i = 0; i < mask.length; i++) maskVoxels += mask[i];
  return { data, seg, bbox, shapeBefore: [...shape], shapeAfter: after, maskVoxels };
}
