import * as nifti from 'nifti-reader-js';
import { TesseraError } from '../../errors';
import { baseAffine, qformAffine } from './affine';
import type { Affine, DataType, NiftiGeometry, Volume, VoxelArray } from './volume';
import { allocate, datatypeOf, MAX_VOLUME_BYTES } from './volume';

/** NIfTI datatype codes → how to read one element from disk. */
interface OnDisk {
  name: string;
  bytes: number;
  /** element type after reading (before scaling) */
  target: DataType | 'int64' | 'uint64';
  /** interleaved components per voxel (RGB24 = 3, RGBA32 = 4) */
  components?: number;
}

const ON_DISK: Record<number, OnDisk> = {
  2: { name: 'uint8', bytes: 1, target: 'uint8' },
  4: { name: 'int16', bytes: 2, target: 'int16' },
  8: { name: 'int32', bytes: 4, target: 'int32' },
  16: { name: 'float32', bytes: 4, target: 'float32' },
  64: { name: 'float64', bytes: 8, target: 'float64' },
  128: { name: 'rgb24', bytes: 1, target: 'uint8', components: 3 },
  256: { name: 'int8', bytes: 1, target: 'int8' },
  512: { name: 'uint16', bytes: 2, target: 'uint16' },
  768: { name: 'uint32', bytes: 4, target: 'uint32' },
  1024: { name: 'int64', bytes: 8, target: 'int64' },
  1280: { name: 'uint64', bytes: 8, target: 'uint64' },
  2304: { name: 'rgba32', bytes: 1, target: 'uint8', components: 4 },
};

const UNSUPPORTED: Record<number, string> = {
  0: 'unknown (0)',
  1: 'binary (1-bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
};

export function looksLikeNifti(bytes: Uint8Array): boolean {
  if (bytes.length < 348) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = view.getInt32(0, true);
  const be = view.getInt32(0, false);
  return le === 348 || be === 348 || le === 540 || be === 540;
}

/**
 * Read a NIfTI-1 or NIfTI-2 single file (.nii, already gunzipped). The header is parsed by
 * nifti-reader-js; the affine is chosen as nibabel chooses it (sform when its code > 0, else qform when
 * its code > 0, else the pixdim-only base affine), which nifti-reader-js does not.
 */
export function readNifti(bytes: Uint8Array, name: string, compressed: boolean): Volume {
  if (!looksLikeNifti(bytes)) {
    throw new TesseraError(
      'bad-magic',
      name,
      'not a NIfTI file: the header size field is neither 348 (NIfTI-1) nor 540 (NIfTI-2)',
    );
  }
  const buffer = exactBuffer(bytes);
  let header: nifti.NIFTI1 | nifti.NIFTI2;
  try {
    if (!nifti.isNIFTI(buffer)) throw new Error('magic');
    header = nifti.readHeader(buffer);
  } catch {
    throw new TesseraError(
      'bad-magic',
      name,
      "not a NIfTI file: the magic string is not 'n+1'/'ni1' or 'n+2'/'ni2'",
    );
  }
  const isV2 = header instanceof nifti.NIFTI2;
  const ndim = header.dims[0];
  if (!(ndim >= 1 && ndim <= 7))
    throw new TesseraError('bad-header', name, `dim[0] is ${ndim}; it must be 1 to 7`);
  const shape: number[] = [];
  for (let d = 1; d <= ndim; d++) {
    const n = header.dims[d];
    if (!(Number.isInteger(n) && n >= 1))
      throw new TesseraError('bad-header', name, `dim[${d}] is ${n}; sizes must be positive`);
    shape.push(n);
  }
  while (shape.length < 3) shape.push(1);
  const code = header.datatypeCode;
  const disk = ON_DISK[code];
  if (!disk) {
    const what = UNSUPPORTED[code] ?? `code ${code}`;
    throw new TesseraError(
      'unsupported-datatype',
      name,
      `datatype ${what} is not supported (integer, float32/64 and RGB volumes are)`,
    );
  }
  const components = disk.components ?? 1;
  const voxels = shape.reduce((a, b) => a * b, 1);
  const diskBytes = voxels * disk.bytes * components;
  const slope = header.scl_slope;
  const inter = header.scl_inter;
  const scaled =
    Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (inter === 0 || !Number.isFinite(inter)));
  const outBytes = voxels * components * (scaled ? 4 : Math.min(disk.bytes, 8));
  if (outBytes > MAX_VOLUME_BYTES || diskBytes > MAX_VOLUME_BYTES) {
    throw new TesseraError(
      'too-large',
      name,
      `the volume is ${shape.join('×')} (${(outBytes / 2 ** 30).toFixed(2)} GiB), over the 2 GiB a browser buffer can hold`,
    );
  }
  const offset = Math.max(Math.floor(header.vox_offset), isV2 ? 544 : 352);
  if (offset + diskBytes > bytes.length) {
    throw new TesseraError(
      'truncated-data',
      name,
      `the header promises ${diskBytes} bytes of voxels after offset ${offset} but the file has only ${Math.max(0, bytes.length - offset)}`,
    );
  }
  let raw = decode(bytes, offset, voxels * components, disk, header.littleEndian);
  if (components > 1) raw = deinterleave(raw, components);
  let data: VoxelArray = raw;
  if (scaled) {
    const out = new Float32Array(raw.length);
    const b = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < raw.length; i++) out[i] = raw[i] * slope + b;
    data = out;
  }
  const pixdim = header.pixDims.slice(1, 8).map((x) => (Number.isFinite(x) ? x : 1));
  while (pixdim.length < 7) pixdim.push(1);
  const spacing = pixdim.slice(0, shape.length).map((x, i) => (i < 3 && x === 0 ? 1 : x));
  const geometry = niftiGeometry(header, bytes, isV2, pixdim);
  const finalShape = components > 1 ? [...shape, components] : shape;
  return {
    name,
    data,
    datatype: datatypeOf(data),
    shape: finalShape,
    spacing: components > 1 ? [...spacing, 1] : spacing,
    affine: chooseAffine(geometry, shape),
    source: {
      format: isV2 ? 'NIfTI-2' : 'NIfTI-1',
      datatypeOnDisk: disk.name,
      littleEndian: header.littleEndian,
      compressed,
      sclSlope: slope,
      sclInter: inter,
      intentCode: header.intent_code,
      description: header.description,
      nifti: geometry,
    },
  };
}

function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)
    return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

/** The voxels as a typed array: a zero-copy view when aligned and little-endian, else one converting pass. */
function decode(
  bytes: Uint8Array,
  offset: number,
  count: number,
  disk: OnDisk,
  littleEndian: boolean,
): VoxelArray {
  const start = bytes.byteOffset + offset;
  if (disk.target === 'int64' || disk.target === 'uint64')
    return decode64(bytes, offset, count, disk.target, littleEndian);
  const target = disk.target as DataType;
  if (disk.bytes === 1) {
    const view = new Uint8Array(bytes.buffer, start, count);
    return target === 'int8' ? new Int8Array(view.buffer, view.byteOffset, count) : view;
  }
  if (littleEndian && start % disk.bytes === 0) {
    switch (target) {
      case 'int16':
        return new Int16Array(bytes.buffer, start, count);
      case 'uint16':
        return new Uint16Array(bytes.buffer, start, count);
      case 'int32':
        return new Int32Array(bytes.buffer, start, count);
      case 'uint32':
        return new Uint32Array(bytes.buffer, start, count);
      case 'float32':
        return new Float32Array(bytes.buffer, start, count);
      case 'float64':
        return new Float64Array(bytes.buffer, start, count);
    }
  }
  const out = allocate(target, count);
  const dv = new DataView(bytes.buffer, start, count * disk.bytes);
  const le = littleEndian;
  switch (target) {
    case 'int16':
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(2 * i, le);
      break;
    case 'uint16':
      for (let i = 0; i < count; i++) out[i] = dv.getUint16(2 * i, le);
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(4 * i, le);
      break;
    case 'uint32':
      for (let i = 0; i < count; i++) out[i] = dv.getUint32(4 * i, le);
      break;
    case 'float32':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le);
      break;
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, le);
      break;
  }
  return out;
}

/** 64-bit integers (nibabel's default for integer label maps): int32 when every value fits, else float64. */
function decode64(
  bytes: Uint8Array,
  offset: number,
  count: number,
  kind: 'int64' | 'uint64',
  le: boolean,
): VoxelArray {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 8);
  const values = new Float64Array(count);
  let fits = true;
  for (let i = 0; i < count; i++) {
    const v = Number(kind === 'int64' ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le));
    values[i] = v;
    if (v > 2147483647 || v < -2147483648) fits = false;
  }
  return fits ? Int32Array.from(values) : values;
}

/** RGB(A) voxels are interleaved on disk; channels-last planes are what every stage expects. */
function deinterleave(raw: VoxelArray, components: number): VoxelArray {
  const n = raw.length / components;
  const out = new Uint8Array(raw.length);
  for (let v = 0; v < n; v++) for (let c = 0; c < components; c++) out[c * n + v] = raw[v * components + c];
  return out;
}

function niftiGeometry(
  header: nifti.NIFTI1 | nifti.NIFTI2,
  bytes: Uint8Array,
  isV2: boolean,
  pixdim: number[],
): NiftiGeometry {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = header.littleEndian;
  const srow: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) {
      row.push(isV2 ? dv.getFloat64(400 + (r * 4 + c) * 8, le) : dv.getFloat32(280 + (r * 4 + c) * 4, le));
    }
    srow.push(row);
  }
  const qfac = header.pixDims[0] < 0 ? -1 : 1;
  return {
    qformCode: header.qform_code,
    sformCode: header.sform_code,
    quaternB: header.quatern_b,
    quaternC: header.quatern_c,
    quaternD: header.quatern_d,
    qoffset: [header.qoffset_x, header.qoffset_y, header.qoffset_z],
    qfac,
    srow,
    pixdim,
    xyztUnits: header.xyzt_units,
  };
}

/** nibabel's `get_best_affine`. */
export function chooseAffine(g: NiftiGeometry, shape: readonly number[]): Affine {
  if (g.sformCode > 0) return [...g.srow.map((r) => r.slice()), [0, 0, 0, 1]];
  const zooms: [number, number, number] = [g.pixdim[0] || 1, g.pixdim[1] || 1, g.pixdim[2] || 1];
  if (g.qformCode > 0) return qformAffine([g.quaternB, g.quaternC, g.quaternD], g.qoffset, zooms, g.qfac);
  return baseAffine(shape, zooms);
}
