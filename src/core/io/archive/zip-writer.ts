import { crc32 } from './crc32';

/**
 * A minimal zip writer: stored (uncompressed) entries, optional data alignment as torch.save uses (64 bytes,
 * padded through the local header's extra field), ZIP64 when offsets or sizes pass 4 GiB. Enough to write
 * torch checkpoints and zipped results folders that Python's zipfile and torch.load read.
 */
export interface ZipInput {
  name: string;
  data: Uint8Array;
}

const enc = new TextEncoder();

/**
 * MS-DOS date and time (local fields, 2-second resolution) as zip stores them. Years before 1980 cannot
 * be written; zeros are not a valid date (month 0, day 0), which unzip tools report as damage.
 */
export function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  const before = d.getFullYear() < 1980;
  return {
    date: ((year - 1980) << 9) | ((before ? 1 : d.getMonth() + 1) << 5) | (before ? 1 : d.getDate()),
    time: before ? 0 : (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
  };
}

/** The default stamp: 1980-01-01 00:00, the earliest valid one, so that equal inputs give equal bytes. */
const DOS_EPOCH = new Date(1980, 0, 1, 0, 0, 0);

export function writeZip(
  files: ZipInput[],
  options: { align?: number; modified?: Date } = {},
): Uint8Array<ArrayBuffer> {
  const align = options.align ?? 1;
  const stamp = dosDateTime(options.modified ?? DOS_EPOCH);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const crc = crc32(f.data);
    const big = f.data.length >= 0xffffffff || offset >= 0xffffffff;
    const zip64Len = big ? 20 : 0;
    // Pad the extra field so the data starts on an `align` boundary (id 0xcafe, torch's choice of tag).
    const headerEnd = offset + 30 + name.length + zip64Len;
    let pad = (align - (headerEnd % align)) % align;
    if (pad > 0 && pad < 4) pad += align;
    const lh = new Uint8Array(30 + name.length + zip64Len + pad);
    const dv = new DataView(lh.buffer);
    dv.setUint32(0, 0x04034b50, true);
    dv.setUint16(4, big ? 45 : 20, true);
    dv.setUint16(6, 0x0800, true); // UTF-8 names
    dv.setUint16(8, 0, true);
    dv.setUint16(10, stamp.time, true);
    dv.setUint16(12, stamp.date, true);
    dv.setUint32(14, crc, true);
    dv.setUint32(18, big ? 0xffffffff : f.data.length, true);
    dv.setUint32(22, big ? 0xffffffff : f.data.length, true);
    dv.setUint16(26, name.length, true);
    dv.setUint16(28, zip64Len + pad, true);
    lh.set(name, 30);
    let e = 30 + name.length;
    if (big) {
      dv.setUint16(e, 0x0001, true);
      dv.setUint16(e + 2, 16, true);
      dv.setBigUint64(e + 4, BigInt(f.data.length), true);
      dv.setBigUint64(e + 12, BigInt(f.data.length), true);
      e += 20;
    }
    if (pad) {
      dv.setUint16(e, 0xcafe, true);
      dv.setUint16(e + 2, pad - 4, true);
    }
    parts.push(lh, f.data);

    const cd = new Uint8Array(46 + name.length + (big ? 28 : 0));
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, big ? 45 : 20, true);
    cv.setUint16(6, big ? 45 : 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(12, stamp.time, true);
    cv.setUint16(14, stamp.date, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, big ? 0xffffffff : f.data.length, true);
    cv.setUint32(24, big ? 0xffffffff : f.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, big ? 28 : 0, true);
    cv.setUint32(42, big ? 0xffffffff : offset, true);
    cd.set(name, 46);
    if (big) {
      const x = 46 + name.length;
      cv.setUint16(x, 0x0001, true);
      cv.setUint16(x + 2, 24, true);
      cv.setBigUint64(x + 4, BigInt(f.data.length), true);
      cv.setBigUint64(x + 12, BigInt(f.data.length), true);
      cv.setBigUint64(x + 20, BigInt(offset), true);
    }
    central.push(cd);
    offset += lh.length + f.data.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const needs64 = files.length >= 0xffff || cdOffset + cdSize >= 0xffffffff;
  const tail: Uint8Array[] = [];
  if (needs64) {
    const z = new Uint8Array(56 + 20);
    const zv = new DataView(z.buffer);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setUint16(12, 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(files.length), true);
    zv.setBigUint64(32, BigInt(files.length), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(cdOffset), true);
    zv.setUint32(56, 0x07064b50, true);
    zv.setBigUint64(64, BigInt(cdOffset + cdSize), true);
    zv.setUint32(72, 1, true);
    tail.push(z);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, needs64 ? 0xffff : files.length, true);
  ev.setUint16(10, needs64 ? 0xffff : files.length, true);
  ev.setUint32(12, needs64 ? 0xffffffff : cdSize, true);
  ev.setUint32(16, needs64 ? 0xffffffff : cdOffset, true);
  tail.push(end);
  const all = [...parts, ...central, ...tail];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
