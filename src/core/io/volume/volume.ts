import { TesseraError } from '../../errors';

/**
 * The volume every stage passes around: voxels + shape + spacing + affine, plain data that crosses
 * postMessage (the voxel buffer is transferred, never copied).
 *
 * Axis convention. `shape` and `spacing` are in the file's own order (i, j, k[, t]), i fastest in `data`.
 * nnU-Net works on C-order arrays (c, z, y, x) = (c, k, j, i): the very same buffer, read with the shape
 * reversed. So `zyxShape(v)` and `zyxSpacing(v)` give nnU-Net's view without touching a voxel.
 */
export type DataType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** 4×4 row-major matrix mapping voxel (i, j, k, 1) to RAS+ millimetres, as nibabel's `img.affine`. */
export type Affine = number[][];

/** The NIfTI header fields that must survive a round trip so a written label map stays aligned. */
export interface NiftiGeometry {
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffset: [number, number, number];
  /** pixdim[0]: -1 or 1 (0 read as 1) */
  qfac: number;
  /** srow_x, srow_y, srow_z */
  srow: number[][];
  /** pixdim[1..7] */
  pixdim: number[];
  xyztUnits: number;
}

export interface Volume {
  /** File name as the user gave it (no directories). */
  name: string;
  data: VoxelArray;
  datatype: DataType;
  /** (i, j, k) or (i, j, k, t); a 4th axis holds time points or channels. */
  shape: number[];
  /** Same order as shape: mm for i, j, k; the 4th is the file's own unit (e.g. TR). */
  spacing: number[];
  affine: Affine;
  /** Where it came from, for the header panel and `tessera info`. */
  source: VolumeSource;
}

export interface VolumeSource {
  format: 'NIfTI-1' | 'NIfTI-2' | 'NRRD' | 'npy' | 'DICOM';
  /** Data type on disk (before scl_slope/scl_inter). */
  datatypeOnDisk: string;
  littleEndian: boolean;
  compressed: boolean;
  sclSlope?: number;
  sclInter?: number;
  intentCode?: number;
  description?: string;
  /** NIfTI only: geometry to write back unchanged. */
  nifti?: NiftiGeometry;
  /** DICOM only: what a derived object (a DICOM-SEG) must reference. */
  dicom?: DicomSourceInfo;
}

/** The source series of a volume read from DICOM, as plain data (it crosses postMessage). */
export interface DicomSourceInfo {
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  /** One per slice k of the volume: the instance (and frame, 1-based, for multi-frame files) it came from. */
  slices: { sopClassUid: string; sopInstanceUid: string; frameNumber: number | null }[];
  /** Patient and study attributes a derived object copies verbatim: tag (8 hex digits), VR, raw value. */
  patientStudy: { tag: string; vr: string; value: string }[];
}

export const BYTES_PER: Record<DataType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** The largest ArrayBuffer browsers reliably allocate (and NiiVue can texture). */
export const MAX_VOLUME_BYTES = 2 ** 31 - 1;

export function allocate(datatype: DataType, length: number): VoxelArray {
  switch (datatype) {
    case 'uint8':
      return new Uint8Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint32':
      return new Uint32Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
  }
}

export function datatypeOf(a: VoxelArray): DataType {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

export function voxelCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** nnU-Net's (z, y, x) shape of the 3-D part. */
export function zyxShape(v: Pick<Volume, 'shape'>): [number, number, number] {
  return [v.shape[2] ?? 1, v.shape[1] ?? 1, v.shape[0]];
}

/** nnU-Net's (z, y, x) spacing: pixdim reversed. */
export function zyxSpacing(v: Pick<Volume, 'spacing'>): [number, number, number] {
  return [v.spacing[2] ?? 1, v.spacing[1] ?? 1, v.spacing[0]];
}

/** Number of volumes along the 4th axis (1 for 3-D). */
export function frameCount(v: Pick<Volume, 'shape'>): number {
  return v.shape.length > 3 ? v.shape.slice(3).reduce((a, b) => a * b, 1) : 1;
}

/** A view of frame t (no copy). */
export function frame(v: Volume, t: number): VoxelArray {
  const n = voxelCount(v.shape.slice(0, 3));
  return v.data.subarray(t * n, (t + 1) * n) as VoxelArray;
}

export function minMax(a: ArrayLike<number>): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** Same grid: shape (3-D part), and affine within a tolerance of a thousandth of a voxel. */
export function sameGrid(
  a: Pick<Volume, 'shape' | 'affine'>,
  b: Pick<Volume, 'shape' | 'affine'>,
  tol = 1e-3,
): boolean {
  for (let d = 0; d < 3; d++) if ((a.shape[d] ?? 1) !== (b.shape[d] ?? 1)) return false;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) {
      const scale = c < 3 ? Math.max(1e-6, Math.hypot(a.affine[0][c], a.affine[1][c], a.affine[2][c])) : 1;
      if (Math.abs(a.affine[r][c] - b.affine[r][c]) > tol * scale) return false;
    }
  return true;
}

/** A label map must lie on its image's grid; anything else would be drawn (and counted) in the wrong place. */
export function assertLabelGrid(image: Volume, label: Volume): void {
  if (sameGrid(image, label)) return;
  const fmt = (v: Volume) =>
    `${v.shape.slice(0, 3).join('×')} at ${v.spacing
      .slice(0, 3)
      .map((s) => +s.toFixed(4))
      .join('×')} mm`;
  const what =
    image.shape.slice(0, 3).join() === label.shape.slice(0, 3).join()
      ? 'its affine (position/orientation)'
      : 'its grid';
  throw new TesseraError(
    'grid-mismatch',
    label.name,
    `${what} does not match the image ${image.name}: ${fmt(label)} vs ${fmt(image)}`,
  );
}

/** A typed view of `length` voxels of `datatype` at `byteOffset` in `buffer` (no copy). */
export function typedView(
  buffer: ArrayBufferLike,
  byteOffset: number,
  datatype: DataType,
  length: number,
): VoxelArray {
  switch (datatype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

export function isIntegerType(t: DataType): boolean {
  return t !== 'float32' && t !== 'float64';
}
