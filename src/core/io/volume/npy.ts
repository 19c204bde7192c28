import { TesseraError } from '../../errors';
import { halfToFloat } from '../../pycompat/float16';
import type { DataType, VoxelArray } from './volume';
import { allocate, datatypeOf } from './volume';

/**
 * NumPy .npy arrays (format v1–v3), the format of nnU-Net's preprocessed data and reference arrays.
 *
 * Axis convention: nnU-Net's arrays are C-order (c, z, y, x) = (c, k, j, i) of the NIfTI voxel array, with
 * spacing reversed, so a NIfTI buffer (i fastest) *is* the C-order (z, y, x) array: no reordering is
 * needed between the two, only the shape is read backwards.
 */
export interface NpyArray {
  data: VoxelArray | Float16ArrayLike;
  /** C order, slowest axis first */
  shape: number[];
  /** numpy descr, e.g. '<f4' */
  dtype: string;
}

/** float16 arrays are widened to float32 on read; the original dtype stays in `dtype`. */
export type Float16ArrayLike = Float32Array;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { type: DataType | 'float16' | 'int64' | 'uint64' | 'bool'; bytes: number }> = {
  f2: { type: 'float16', bytes: 2 },
  f4: { type: 'float32', bytes: 4 },
  f8: { type: 'float64', bytes: 8 },
  i1: { type: 'int8', bytes: 1 },
  u1: { type: 'uint8', bytes: 1 },
  b1: { type: 'bool', bytes: 1 },
  i2: { type: 'int16', bytes: 2 },
  u2: { type: 'uint16', bytes: 2 },
  i4: { type: 'int32', bytes: 4 },
  u4: { type: 'uint32', bytes: 4 },
  i8: { type: 'int64', bytes: 8 },
  u8: { type: 'uint64', bytes: 8 },
};

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && MAGIC.every((b, i) => bytes[i] === b);
}

export function readNpy(bytes: Uint8Array, name = 'array.npy'): NpyArray {
  if (!isNpy(bytes)) throw new TesseraError('bad-magic', name, 'not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, headerStart + headerLen),
  );
  const descr = header.match(/'descr'\s*:\s*'([^']+)'/)?.[1];
  const fortran = header.match(/'fortran_order'\s*:\s*(True|False)/)?.[1];
  const shapeText = header.match(/'shape'\s*:\s*\(([^)]*)\)/)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new TesseraError('bad-header', name, `unreadable .npy header: ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const order = descr[0];
  const kind = DESCR[descr.slice(1)];
  if (!kind) throw new TesseraError('unsupported-datatype', name, `.npy dtype '${descr}' is not supported`);
  const littleEndian = order !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = headerStart + headerLen;
  if (offset + count * kind.bytes > bytes.length) {
    throw new TesseraError(
      'truncated-data',
      name,
      `the header promises ${count * kind.bytes} bytes but the file has ${bytes.length - offset}`,
    );
  }
  const data = decode(
    new DataView(bytes.buffer, bytes.byteOffset + offset, count * kind.bytes),
    count,
    kind.type,
    littleEndian,
  );
  const out: NpyArray = { data, shape, dtype: descr };
  if (fortran === 'True') out.data = fortranToC(out.data as VoxelArray, shape);
  return out;
}

function decode(dv: DataView, count: number, type: string, le: boolean): VoxelArray {
  switch (type) {
    case 'float16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le));
      return out;
    }
    case 'bool':
    case 'uint8':
      return new Uint8Array(dv.buffer.slice(dv.byteOffset, dv.byteOffset + count));
    case 'int8':
      return new Int8Array(dv.buffer.slice(dv.byteOffset, dv.byteOffset + count));
    case 'int64':
    case 'uint64': {
      const values = new Float64Array(count);
      let fits = true;
      for (let i = 0; i < count; i++) {
        const v = Number(type === 'int64' ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le));
        values[i] = v;
        if (v > 2147483647 || v < -2147483648) fits = false;
      }
      return fits ? Int32Array.from(values) : values;
    }
  }
  const out = allocate(type as DataType, count);
  const getter = {
    int16: (i: number) => dv.getInt16(2 * i, le),
    uint16: (i: number) => dv.getUint16(2 * i, le),
    int32: (i: number) => dv.getInt32(4 * i, le),
    uint32: (i: number) => dv.getUint32(4 * i, le),
    float32: (i: number) => dv.getFloat32(4 * i, le),
    float64: (i: number) => dv.getFloat64(8 * i, le),
  }[type as 'int16'];
  for (let i = 0; i < count; i++) out[i] = getter(i);
  return out;
}

function fortranToC(data: VoxelArray, shape: number[]): VoxelArray {
  const out = allocate(datatypeOf(data), data.length);
  const n = shape.length;
  const cStrides = new Array(n).fill(1);
  for (let d = n - 2; d >= 0; d--) cStrides[d] = cStrides[d + 1] * shape[d + 1];
  const idx = new Array(n).fill(0);
  for (let f = 0; f < data.length; f++) {
    let c = 0;
    for (let d = 0; d < n; d++) c += idx[d] * cStrides[d];
    out[c] = data[f];
    for (let d = 0; d < n; d++) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

const WRITE_DESCR: Record<DataType, string> = {
  uint8: '|u1',
  int8: '|i1',
  uint16: '<u2',
  int16: '<i2',
  uint32: '<u4',
  int32: '<i4',
  float32: '<f4',
  float64: '<f8',
};

/** Write a C-order array as .npy v1 (little-endian), readable by numpy.load. */
export function writeNpy(data: VoxelArray, shape: readonly number[]): Uint8Array {
  const descr = WRITE_DESCR[datatypeOf(data)];
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
