import { TesseraError } from '../../errors';
import { gunzip } from '../archive/gzip';
import type { Affine, DataType, Volume, VoxelArray } from './volume';
import { allocate, datatypeOf, MAX_VOLUME_BYTES } from './volume';

export function looksLikeNrrd(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 4)) === 'NRRD';
}

const TYPES: Record<string, DataType | 'int64' | 'uint64'> = {
  'signed char': 'int8',
  int8: 'int8',
  int8_t: 'int8',
  uchar: 'uint8',
  'unsigned char': 'uint8',
  uint8: 'uint8',
  uint8_t: 'uint8',
  short: 'int16',
  'short int': 'int16',
  'signed short': 'int16',
  'signed short int': 'int16',
  int16: 'int16',
  int16_t: 'int16',
  ushort: 'uint16',
  'unsigned short': 'uint16',
  'unsigned short int': 'uint16',
  uint16: 'uint16',
  uint16_t: 'uint16',
  int: 'int32',
  'signed int': 'int32',
  int32: 'int32',
  int32_t: 'int32',
  uint: 'uint32',
  'unsigned int': 'uint32',
  uint32: 'uint32',
  uint32_t: 'uint32',
  longlong: 'int64',
  'long long': 'int64',
  'long long int': 'int64',
  'signed long long': 'int64',
  'signed long long int': 'int64',
  int64: 'int64',
  int64_t: 'int64',
  ulonglong: 'uint64',
  'unsigned long long': 'uint64',
  'unsigned long long int': 'uint64',
  uint64: 'uint64',
  uint64_t: 'uint64',
  float: 'float32',
  double: 'float64',
};

const BYTES: Record<string, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

/** Sign flips that take each NRRD world space to RAS+. */
const SPACES: Record<string, [number, number, number]> = {
  'right-anterior-superior': [1, 1, 1],
  ras: [1, 1, 1],
  'left-anterior-superior': [-1, 1, 1],
  las: [-1, 1, 1],
  'left-posterior-superior': [-1, -1, 1],
  lps: [-1, -1, 1],
  'scanner-xyz': [1, 1, 1],
  '3d-right-handed': [1, 1, 1],
};

/**
 * Read a single-file NRRD (attached data; raw, gzip or ASCII encoding). The world frame named by `space`
 * is mapped to RAS+ so the affine means the same as a NIfTI one; a non-spatial first axis (kinds
 * vector/list/...) becomes the 4th axis, as channels.
 */
export async function readNrrd(bytes: Uint8Array, name: string): Promise<Volume> {
  const headerEnd = findHeaderEnd(bytes);
  if (!headerEnd)
    throw new TesseraError(
      'bad-header',
      name,
      'the NRRD header has no blank line ending it (file truncated?)',
    );
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, headerEnd.at));
  const lines = text.split(/\r?\n/);
  if (!/^NRRD000\d/.test(lines[0]))
    throw new TesseraError('bad-magic', name, 'not a NRRD file: it does not start with NRRD000x');
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (!line || line.startsWith('#')) continue;
    const kv = line.indexOf(':=');
    if (kv >= 0) continue; // key/value pairs carry no geometry
    const sep = line.indexOf(': ');
    if (sep < 0)
      throw new TesseraError(
        'bad-header',
        name,
        `the NRRD header line '${line.slice(0, 60)}' is not 'field: value'`,
      );
    fields.set(line.slice(0, sep).trim().toLowerCase(), line.slice(sep + 2).trim());
  }
  const need = (k: string): string => {
    const v = fields.get(k);
    if (v === undefined) throw new TesseraError('bad-header', name, `the NRRD header has no '${k}' field`);
    return v;
  };
  if (fields.has('data file') || fields.has('datafile')) {
    throw new TesseraError(
      'unsupported-format',
      name,
      "detached NRRD ('data file') is not supported: save it as a single .nrrd",
    );
  }
  const typeName = need('type').toLowerCase();
  const type = TYPES[typeName];
  if (!type) throw new TesseraError('unsupported-datatype', name, `NRRD type '${typeName}' is not supported`);
  const dimension = Number(need('dimension'));
  const sizes = need('sizes').split(/\s+/).map(Number);
  if (sizes.length !== dimension || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new TesseraError(
      'bad-header',
      name,
      `NRRD sizes '${fields.get('sizes')}' do not match dimension ${dimension}`,
    );
  }
  const encoding = (fields.get('encoding') ?? 'raw').toLowerCase();
  const littleEndian = (fields.get('endian') ?? 'little').toLowerCase() !== 'big';
  const kinds = (fields.get('kinds') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((k) => k.toLowerCase());
  const count = sizes.reduce((a, b) => a * b, 1);
  const elem = BYTES[type];
  if (count * Math.min(elem, 4) > MAX_VOLUME_BYTES) {
    throw new TesseraError(
      'too-large',
      name,
      `the volume is ${sizes.join('×')}, over the 2 GiB a browser buffer can hold`,
    );
  }
  let payload = bytes.subarray(headerEnd.at + headerEnd.skip);
  const lineSkip = Number(fields.get('line skip') ?? 0);
  const byteSkip = Number(fields.get('byte skip') ?? 0);
  if (encoding === 'gzip' || encoding === 'gz') payload = await gunzip(payload, name);
  else if (encoding === 'bzip2' || encoding === 'bz2')
    throw new TesseraError(
      'unsupported-format',
      name,
      'bzip2-encoded NRRD is not supported; re-save with gzip or raw encoding',
    );
  else if (encoding !== 'raw' && encoding !== 'ascii' && encoding !== 'text' && encoding !== 'txt')
    throw new TesseraError('unsupported-format', name, `NRRD encoding '${encoding}' is not supported`);
  for (let s = 0; s < lineSkip; s++) {
    const nl = payload.indexOf(10);
    payload = payload.subarray(nl + 1);
  }
  let data: VoxelArray;
  if (encoding === 'ascii' || encoding === 'text' || encoding === 'txt') {
    const values = new TextDecoder('latin1')
      .decode(payload)
      .trim()
      .split(/[\s,]+/)
      .map(Number);
    if (values.length < count) throw truncated(name, count, values.length, 'values');
    data = toTyped(values.slice(0, count), type);
  } else {
    const skip = byteSkip === -1 ? payload.length - count * elem : byteSkip;
    if (skip < 0 || skip + count * elem > payload.length)
      throw truncated(name, count * elem, payload.length - Math.max(0, skip), 'bytes');
    data = decodeBinary(payload, skip, count, type, littleEndian);
  }

  // Spatial axes are the ones with a space direction (not 'none'); others (vector, list, time) go last.
  const directions = parseDirections(fields.get('space directions'), dimension);
  const spatialAxes = directions
    .map((d, i) => (d ? i : -1))
    .filter((i) => i >= 0)
    .filter(
      (i) =>
        !['vector', 'list', 'rgb-color', 'rgba-color', 'complex', 'point', 'covariant-vector'].includes(
          kinds[i],
        ),
    );
  const spatial =
    spatialAxes.length === 3 || spatialAxes.length === 2 ? spatialAxes : firstThree(dimension, kinds);
  const other = [...Array(dimension).keys()].filter((i) => !spatial.includes(i));
  if (other.length > 0 && other.some((ax) => ax < Math.max(...spatial))) {
    data = moveAxesLast(data, sizes, spatial, other);
  }
  const shape = [...spatial.map((i) => sizes[i]), ...other.map((i) => sizes[i])];
  while (shape.length < 3) shape.splice(spatial.length, 0, 1);
  const space = (fields.get('space') ?? '').toLowerCase();
  const flip = SPACES[space] ?? [1, 1, 1];
  if (fields.has('space') && !SPACES[space]) {
    throw new TesseraError(
      'unsupported-format',
      name,
      `NRRD space '${fields.get('space')}' is not supported (RAS, LAS, LPS are)`,
    );
  }
  const origin = parseVector(fields.get('space origin')) ?? [0, 0, 0];
  const affine: Affine = [
    [0, 0, 0, flip[0] * (origin[0] ?? 0)],
    [0, 0, 0, flip[1] * (origin[1] ?? 0)],
    [0, 0, 0, flip[2] * (origin[2] ?? 0)],
    [0, 0, 0, 1],
  ];
  const spacing: number[] = [];
  const fallbackSpacings = (fields.get('spacings') ?? '').split(/\s+/).map(Number);
  spatial.forEach((axis, c) => {
    const dir = directions[axis];
    if (dir) {
      for (let r = 0; r < 3; r++) affine[r][c] = flip[r] * (dir[r] ?? 0);
      spacing.push(Math.hypot(...dir));
    } else {
      const s = Number.isFinite(fallbackSpacings[axis]) ? fallbackSpacings[axis] : 1;
      affine[c][c] = s;
      spacing.push(s);
    }
  });
  for (let c = spatial.length; c < 3; c++) {
    affine[c][c] = 1;
    spacing.push(1);
  }
  for (let i = 3; i < shape.length; i++) spacing.push(1);
  return {
    name,
    data,
    datatype: datatypeOf(data),
    shape,
    spacing,
    affine,
    source: {
      format: 'NRRD',
      datatypeOnDisk: typeName,
      littleEndian,
      compressed: encoding === 'gzip' || encoding === 'gz',
    },
  };
}

function truncated(name: string, want: number, have: number, unit: string): TesseraError {
  return new TesseraError(
    'truncated-data',
    name,
    `the header promises ${want} ${unit} of voxels but the file has only ${have}`,
  );
}

/** The blank line that ends the header: where the header text stops and how many bytes to skip. */
function findHeaderEnd(bytes: Uint8Array): { at: number; skip: number } | null {
  const limit = Math.min(bytes.length, 1 << 20);
  for (let i = 0; i < limit - 1; i++) {
    if (bytes[i] === 10 && bytes[i + 1] === 10) return { at: i, skip: 2 };
    if (bytes[i] === 10 && bytes[i + 1] === 13 && bytes[i + 2] === 10) return { at: i, skip: 3 };
  }
  return null;
}

function parseVector(s: string | undefined): number[] | null {
  if (!s) return null;
  const m = s.trim().match(/^\(([^)]*)\)$/);
  if (!m) return null;
  return m[1].split(',').map((x) => Number(x.trim()));
}

function parseDirections(s: string | undefined, dimension: number): (number[] | null)[] {
  if (!s) return Array(dimension).fill(null);
  const parts = s.match(/\([^)]*\)|none/gi) ?? [];
  const out = parts.map((p) => (p.toLowerCase() === 'none' ? null : parseVector(p)));
  while (out.length < dimension) out.push(null);
  return out;
}

function firstThree(dimension: number, kinds: string[]): number[] {
  const domain = [...Array(dimension).keys()].filter(
    (i) => !kinds[i] || ['domain', 'space', 'time'].includes(kinds[i]),
  );
  return (domain.length >= 3 ? domain : [...Array(dimension).keys()]).slice(0, Math.min(3, dimension));
}

function toTyped(values: number[], type: DataType | 'int64' | 'uint64'): VoxelArray {
  if (type === 'int64' || type === 'uint64') return Float64Array.from(values);
  const out = allocate(type, values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i];
  return out;
}

function decodeBinary(
  payload: Uint8Array,
  skip: number,
  count: number,
  type: DataType | 'int64' | 'uint64',
  le: boolean,
): VoxelArray {
  const dv = new DataView(payload.buffer, payload.byteOffset + skip, count * BYTES[type]);
  if (type === 'int64' || type === 'uint64') {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++)
      out[i] = Number(type === 'int64' ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le));
    return out;
  }
  const out = allocate(type, count);
  if (BYTES[type] === 1 || le) {
    // Copy the bytes: the result owns its buffer (transferable, aligned).
    new Uint8Array(out.buffer).set(
      new Uint8Array(payload.buffer, payload.byteOffset + skip, count * BYTES[type]),
    );
    return out;
  }
  const get = {
    int16: (i: number) => dv.getInt16(2 * i, false),
    uint16: (i: number) => dv.getUint16(2 * i, false),
    int32: (i: number) => dv.getInt32(4 * i, false),
    uint32: (i: number) => dv.getUint32(4 * i, false),
    float32: (i: number) => dv.getFloat32(4 * i, false),
    float64: (i: number) => dv.getFloat64(8 * i, false),
  }[type as 'int16'];
  for (let i = 0; i < count; i++) out[i] = get(i);
  return out;
}

/** Reorder a C-order (fastest-first in NRRD terms) array so the spatial axes come first. */
function moveAxesLast(data: VoxelArray, sizes: number[], spatial: number[], other: number[]): VoxelArray {
  const order = [...spatial, ...other];
  const strides: number[] = [];
  let s = 1;
  for (const n of sizes) {
    strides.push(s);
    s *= n;
  }
  const out = allocate(datatypeOf(data) as DataType, data.length);
  const newSizes = order.map((a) => sizes[a]);
  const idx = new Array(order.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let d = 0; d < order.length; d++) src += idx[d] * strides[order[d]];
    out[o] = data[src];
    for (let d = 0; d < order.length; d++) {
      if (++idx[d] < newSizes[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}
