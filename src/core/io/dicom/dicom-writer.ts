/**
 * A DICOM Part 10 encoder for the objects Tessera writes (DICOM-SEG): explicit VR little endian, elements
 * sorted by tag, sequences and items of undefined length. Strings are written byte for byte from their
 * char codes (values copied from a source file keep their character set).
 */
export type DicomValue = string | string[] | number | number[] | Uint8Array | DicomItem[];

export interface DicomElement {
  /** (group << 16) | element */
  tag: number;
  vr: string;
  value: DicomValue;
}

/** A data set (or a sequence item): elements in any order, sorted when encoded. */
export type DicomItem = DicomElement[];

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const UID_ROOT_TRANSFER = '1.2.840.10008.1.2.1';

export const el = (tag: number, vr: string, value: DicomValue): DicomElement => ({ tag, vr, value });

class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private ensure(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u16(v: number) {
    this.ensure(2);
    this.buf[this.length++] = v & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
  }
  u32(v: number) {
    this.u16(v & 0xffff);
    this.u16((v >>> 16) & 0xffff);
  }
  bytes(b: Uint8Array) {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function stringBytes(value: string, vr: string): Uint8Array {
  const padded = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
  const out = new Uint8Array(padded.length);
  for (let i = 0; i < padded.length; i++) out[i] = padded.charCodeAt(i) & 0xff;
  return out;
}

function valueBytes(e: DicomElement): Uint8Array {
  const v = e.value;
  if (v instanceof Uint8Array) return v.length % 2 ? Uint8Array.of(...v, 0) : v;
  const list = Array.isArray(v) ? (v as (string | number)[]) : [v];
  const numeric = (size: number, put: (dv: DataView, at: number, x: number) => void) => {
    const out = new Uint8Array(list.length * size);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < list.length; i++) put(dv, i * size, Number(list[i]));
    return out;
  };
  switch (e.vr) {
    case 'US':
      return numeric(2, (dv, at, x) => dv.setUint16(at, x, true));
    case 'SS':
      return numeric(2, (dv, at, x) => dv.setInt16(at, x, true));
    case 'UL':
      return numeric(4, (dv, at, x) => dv.setUint32(at, x, true));
    case 'SL':
      return numeric(4, (dv, at, x) => dv.setInt32(at, x, true));
    case 'FL':
      return numeric(4, (dv, at, x) => dv.setFloat32(at, x, true));
    case 'FD':
      return numeric(8, (dv, at, x) => dv.setFloat64(at, x, true));
    case 'AT':
      return numeric(4, (dv, at, x) => {
        dv.setUint16(at, x >>> 16, true);
        dv.setUint16(at + 2, x & 0xffff, true);
      });
    default:
      return stringBytes(
        list.map((x) => (typeof x === 'number' ? formatNumber(x, e.vr) : x)).join('\\'),
        e.vr,
      );
  }
}

/** DS holds at most 16 characters; IS an integer. */
export function formatNumber(x: number, vr: string): string {
  if (vr === 'IS') return String(Math.round(x));
  if (vr !== 'DS') return String(x);
  if (Object.is(x, -0) || Math.abs(x) < 1e-10) return '0';
  for (let digits = 10; digits >= 1; digits--) {
    const s = String(Number(x.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  return x.toExponential(6);
}

function writeElements(w: ByteWriter, items: DicomItem): void {
  for (const e of [...items].sort((a, b) => a.tag - b.tag)) writeElement(w, e);
}

function writeElement(w: ByteWriter, e: DicomElement): void {
  w.u16(e.tag >>> 16);
  w.u16(e.tag & 0xffff);
  w.u16(e.vr.charCodeAt(0) | (e.vr.charCodeAt(1) << 8));
  if (e.vr === 'SQ') {
    w.u16(0);
    w.u32(0xffffffff);
    for (const item of e.value as DicomItem[]) {
      w.u16(0xfffe);
      w.u16(0xe000);
      w.u32(0xffffffff);
      writeElements(w, item);
      w.u16(0xfffe);
      w.u16(0xe00d);
      w.u32(0);
    }
    w.u16(0xfffe);
    w.u16(0xe0dd);
    w.u32(0);
    return;
  }
  const bytes = valueBytes(e);
  if (LONG_VRS.has(e.vr)) {
    w.u16(0);
    w.u32(bytes.length);
  } else w.u16(bytes.length);
  w.bytes(bytes);
}

/** A Part 10 file: preamble, "DICM", the file meta group (with its length), then the data set. */
export function encodePart10(
  dataSet: DicomItem,
  meta: {
    sopClassUid: string;
    sopInstanceUid: string;
    implementationClassUid: string;
    implementationVersion: string;
  },
): Uint8Array {
  const metaWriter = new ByteWriter();
  writeElements(metaWriter, [
    el(0x00020001, 'OB', Uint8Array.of(0, 1)),
    el(0x00020002, 'UI', meta.sopClassUid),
    el(0x00020003, 'UI', meta.sopInstanceUid),
    el(0x00020010, 'UI', UID_ROOT_TRANSFER),
    el(0x00020012, 'UI', meta.implementationClassUid),
    el(0x00020013, 'SH', meta.implementationVersion),
  ]);
  const metaBytes = metaWriter.result();
  const w = new ByteWriter();
  w.bytes(new Uint8Array(128));
  w.bytes(Uint8Array.from('DICM', (c) => c.charCodeAt(0)));
  writeElement(w, el(0x00020000, 'UL', metaBytes.length));
  w.bytes(metaBytes);
  writeElements(w, dataSet);
  return w.result();
}
