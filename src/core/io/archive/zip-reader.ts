import { TesseraError } from '../../errors';
import type { ByteSource } from './byte-source';
import { subSource } from './byte-source';
import { crc32 } from './crc32';
import { inflateRaw } from './gzip';

/**
 * Zip archives read through the central directory, entry by entry (random access): torch checkpoints
 * (`archive/data.pkl`, `archive/data/N`, stored uncompressed and 64-byte aligned) and zipped nnU-Net results
 * folders. Stored and deflated entries, ZIP64. Every entry read is CRC-checked, so a damaged download is an
 * error, never silently wrong weights.
 */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  source: ByteSource;
  entries: Map<string, ZipEntry>;
}

const EOCD_SIG = 0x06054b50;
const EOCD64_LOCATOR_SIG = 0x07064b50;
const EOCD64_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u64 = (dv: DataView, at: number) => dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 2 ** 32;

export function isZip(head: Uint8Array): boolean {
  return head.length >= 4 && view(head).getUint32(0, true) === LFH_SIG;
}

export async function openZip(source: ByteSource): Promise<ZipArchive> {
  const name = source.name;
  const bad = (detail: string) => new TesseraError('bad-header', name, detail);
  if (source.size < 22) throw new TesseraError('truncated-data', name, 'is too short to be a zip archive');
  const tailLen = Math.min(source.size, 22 + 0xffff + 20);
  const tailStart = source.size - tailLen;
  const tail = await source.read(tailStart, tailLen);
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    const head = await source.read(0, 4);
    throw isZip(head)
      ? new TesseraError('truncated-data', name, 'the zip archive is truncated (no end-of-archive record)')
      : new TesseraError('bad-magic', name, 'is not a zip archive');
  }
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tv.getUint32(loc, true) !== EOCD64_LOCATOR_SIG) throw bad('ZIP64 locator missing');
    const e64 = u64(tv, loc + 8);
    const rec = view(await source.read(e64, 56));
    if (rec.getUint32(0, true) !== EOCD64_SIG) throw bad('ZIP64 end record missing');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (cdOffset + cdSize > source.size)
    throw new TesseraError(
      'truncated-data',
      name,
      'the zip archive is truncated (central directory cut off)',
    );
  const cd = await source.read(cdOffset, cdSize);
  const dv = view(cd);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || dv.getUint32(p, true) !== CDH_SIG)
      throw bad('the zip central directory is corrupt');
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let localHeaderOffset = dv.getUint32(p + 42, true);
    const entryName = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: the 64-bit values of whichever fields are saturated, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) {
          size = u64(dv, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(dv, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(dv, q);
      }
      e += 4 + len;
    }
    if (flags & 1) throw new TesseraError('unsupported-format', name, `entry ${entryName} is encrypted`);
    entries.set(entryName, { name: entryName, method, crc32: crc, compressedSize, size, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return { source, entries };
}

/** Where an entry's (compressed) data starts: after its local header, whose extra field may differ. */
async function dataOffset(zip: ZipArchive, entry: ZipEntry): Promise<number> {
  const h = view(await zip.source.read(entry.localHeaderOffset, 30));
  if (h.getUint32(0, true) !== LFH_SIG)
    throw new TesseraError('bad-header', zip.source.name, `entry ${entry.name}: local header is corrupt`);
  const start = entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
  if (start + entry.compressedSize > zip.source.size)
    throw new TesseraError(
      'truncated-data',
      zip.source.name,
      `entry ${entry.name} is cut off (truncated archive)`,
    );
  return start;
}

export function zipEntry(zip: ZipArchive, name: string): ZipEntry {
  const e = zip.entries.get(name);
  if (!e) throw new TesseraError('not-found', zip.source.name, `has no entry ${name}`);
  return e;
}

/** An entry's bytes, inflated if needed, CRC-checked. */
export async function readZipEntry(zip: ZipArchive, name: string): Promise<Uint8Array> {
  const entry = zipEntry(zip, name);
  const at = await dataOffset(zip, entry);
  const raw = await zip.source.read(at, entry.compressedSize);
  const label = `${zip.source.name} (${name})`;
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size)
      throw new TesseraError('bad-header', label, 'stored entry sizes differ');
    data = raw;
  } else if (entry.method === 8) data = await inflateRaw(raw, entry.size, label);
  else
    throw new TesseraError(
      'unsupported-format',
      label,
      `zip compression method ${entry.method} is not supported`,
    );
  if (crc32(data) !== entry.crc32)
    throw new TesseraError(
      'bad-header',
      label,
      'CRC mismatch: the archive is damaged (incomplete download?)',
    );
  return data;
}

/**
 * A stored (uncompressed) entry as a ByteSource of its own, without reading it: a checkpoint inside a zipped
 * results folder is then read slice by slice too. Deflated entries are inflated into memory.
 */
export async function zipEntrySource(zip: ZipArchive, name: string): Promise<ByteSource> {
  const entry = zipEntry(zip, name);
  if (entry.method !== 0) {
    const bytes = await readZipEntry(zip, name);
    return {
      name,
      size: bytes.length,
      read: async (o, l) => {
        if (o < 0 || o + l > bytes.length)
          throw new TesseraError('truncated-data', name, `needs bytes ${o}–${o + l} of ${bytes.length}`);
        return bytes.subarray(o, o + l);
      },
    };
  }
  return subSource(zip.source, await dataOffset(zip, entry), entry.size, name);
}
