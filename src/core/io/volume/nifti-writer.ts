import { TesseraError } from '../../errors';
import { gzip } from '../archive/gzip';
import { affineToQuaternion } from './affine';
import type { Affine, DataType, NiftiGeometry, Volume, VoxelArray } from './volume';
import { allocate, datatypeOf } from './volume';

const CODE: Record<DataType, number> = {
  uint8: 2,
  int16: 4,
  int32: 8,
  float32: 16,
  float64: 64,
  int8: 256,
  uint16: 512,
  uint32: 768,
};

/** NIFTI_INTENT_LABEL: NiiVue (and FSL) treat such a file as a label map. */
export const INTENT_LABEL = 1002;

export interface NiftiWriteOptions {
  /** Voxels in file order (i fastest); converted (rounded, clamped) to `datatype` when that differs. */
  data: VoxelArray;
  /** (i, j, k[, t]) */
  shape: readonly number[];
  /** The volume whose grid this one shares: its qform/sform codes and matrices are kept as they are. */
  like: Pick<Volume, 'affine' | 'spacing' | 'source'>;
  datatype?: DataType;
  intentCode?: number;
  description?: string;
  /** .nii.gz (default) or plain .nii */
  compress?: boolean;
}

/**
 * Write a NIfTI-1 file on the grid of `like`. When `like` came from a NIfTI, every geometry field
 * (qform/sform codes, quaternion, offsets, srow, pixdim, units) is copied verbatim so a label map opens
 * aligned with its image in NiiVue, ITK-SNAP, 3D Slicer and nibabel alike; otherwise both forms are
 * written from the affine (scanner-anatomical code).
 */
export async function writeNifti(o: NiftiWriteOptions): Promise<Uint8Array> {
  const datatype = o.datatype ?? datatypeOf(o.data);
  const expected = o.shape.reduce((a, b) => a * b, 1);
  if (o.data.length !== expected) {
    throw new TesseraError(
      'bad-argument',
      'NIfTI writer',
      `data has ${o.data.length} voxels but shape ${o.shape.join('×')} needs ${expected}`,
    );
  }
  const data = datatypeOf(o.data) === datatype ? o.data : convert(o.data, datatype);
  const geometry = o.like.source.nifti ?? geometryFromAffine(o.like.affine, o.like.spacing);
  const header = new ArrayBuffer(352);
  const dv = new DataView(header);
  const le = true;
  dv.setInt32(0, 348, le);
  dv.setUint8(38, 'r'.charCodeAt(0));
  dv.setInt16(40, o.shape.length, le);
  for (let d = 0; d < 7; d++) dv.setInt16(42 + 2 * d, o.shape[d] ?? 1, le);
  dv.setInt16(68, o.intentCode ?? 0, le);
  dv.setInt16(70, CODE[datatype], le);
  dv.setInt16(72, 8 * data.BYTES_PER_ELEMENT, le);
  dv.setFloat32(76, geometry.qfac < 0 ? -1 : 1, le);
  for (let d = 0; d < 7; d++) dv.setFloat32(80 + 4 * d, geometry.pixdim[d] ?? 1, le);
  dv.setFloat32(108, 352, le);
  dv.setFloat32(112, 1, le);
  dv.setFloat32(116, 0, le);
  dv.setUint8(123, geometry.xyztUnits);
  const descrip = (o.description ?? 'Tessera').slice(0, 79);
  for (let i = 0; i < descrip.length; i++) dv.setUint8(148 + i, descrip.charCodeAt(i) & 0x7f);
  dv.setInt16(252, geometry.qformCode, le);
  dv.setInt16(254, geometry.sformCode, le);
  dv.setFloat32(256, geometry.quaternB, le);
  dv.setFloat32(260, geometry.quaternC, le);
  dv.setFloat32(264, geometry.quaternD, le);
  for (let i = 0; i < 3; i++) dv.setFloat32(268 + 4 * i, geometry.qoffset[i], le);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, geometry.srow[r][c], le);
  const magic = 'n+1\0';
  for (let i = 0; i < 4; i++) dv.setUint8(344 + i, magic.charCodeAt(i));
  const out = new Uint8Array(352 + data.byteLength);
  out.set(new Uint8Array(header), 0);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352);
  return o.compress === false ? out : gzip(out);
}

/** Both forms from an affine (NRRD or npy sources): sform verbatim, qform its nearest rotation. */
export function geometryFromAffine(affine: Affine, spacing: readonly number[]): NiftiGeometry {
  const q = affineToQuaternion(affine);
  const pixdim = [q.zooms[0], q.zooms[1], q.zooms[2], ...spacing.slice(3)];
  while (pixdim.length < 7) pixdim.push(1);
  return {
    qformCode: 1,
    sformCode: 1,
    quaternB: q.quatern[0],
    quaternC: q.quatern[1],
    quaternD: q.quatern[2],
    qoffset: q.qoffset,
    qfac: q.qfac,
    srow: affine.slice(0, 3).map((r) => r.slice(0, 4)),
    pixdim,
    xyztUnits: 2, // mm
  };
}

const RANGE: Partial<Record<DataType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

function convert(src: VoxelArray, datatype: DataType): VoxelArray {
  const out = allocate(datatype, src.length);
  const range = RANGE[datatype];
  if (!range) {
    out.set(src);
    return out;
  }
  const [lo, hi] = range;
  for (let i = 0; i < src.length; i++) {
    const v = Math.round(src[i]);
    out[i] = v < lo ? lo : Math.min(v, hi);
  }
  return out;
}
