/**
 * A zipped raw dataset as a DatasetSource. Only the central directory is read up front; each file is
 * sliced out and inflated (fflate) when asked for, so a multi-gigabyte zip picked in the browser is
 * never held in memory as a whole. ZIP64 archives (over 4 GiB or 65535 entries) are supported.
 */
import { inflateSync } from 'fflate';
import { TesseraError } from '../errors';
import {
  type BlobLike,
  type DatasetSource,
  findDatasetRoot,
  normalizePath,
  notListed,
  relativeTo,
} from './source';

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

type Bytes = Uint8Array | BlobLike;

async function sliceOf(data: Bytes, start: number, end: number): Promise<Uint8Array> {
  if (data instanceof Uint8Array) return data.subarray(start, end);
  return new Uint8Array(await data.slice(start, end).arrayBuffer());
}

const sizeOf = (data: Bytes) => (data instanceof Uint8Array ? data.length : data.size);
const u16 = (v: DataView, o: number) => v.getUint16(o, true);
const u32 = (v: DataView, o: number) => v.getUint32(o, true);
const u64 = (v: DataView, o: number) => Number(v.getBigUint64(o, true));

export async function openZipSource(data: Bytes, name: string): Promise<DatasetSource> {
  const bad = (detail: string) => new TesseraError('bad-dataset', name, detail);
  const size = sizeOf(data);
  // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
  const tailStart = Math.max(0, size - 22 - 65535 - 20);
  const tail = await sliceOf(data, tailStart, size);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (u32(tv, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('is not a zip archive (no end-of-central-directory record)');
  let count = u16(tv, eocd + 10);
  let cdSize = u32(tv, eocd + 12);
  let cdOffset = u32(tv, eocd + 16);
  if (eocd >= 20 && u32(tv, eocd - 20) === 0x07064b50) {
    const z64Offset = u64(tv, eocd - 20 + 8);
    const rec = await sliceOf(data, z64Offset, z64Offset + 56);
    const rv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    if (u32(rv, 0) !== 0x06064b50) throw bad('has a corrupt ZIP64 end-of-central-directory record');
    count = u64(rv, 32);
    cdSize = u64(rv, 40);
    cdOffset = u64(rv, 48);
  }
  if (cdOffset + cdSize > size)
    throw bad('is truncated (the central directory lies past the end of the file)');
  const cd = await sliceOf(data, cdOffset, cdOffset + cdSize);
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const utf8 = new TextDecoder('utf-8');
  const entries = new Map<string, Entry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || u32(v, p) !== 0x02014b50) throw bad('has a corrupt central directory');
    const flags = u16(v, p + 8);
    const method = u16(v, p + 10);
    let compressedSize = u32(v, p + 20);
    let uncompressed = u32(v, p + 24);
    const nameLen = u16(v, p + 28);
    const extraLen = u16(v, p + 30);
    const commentLen = u16(v, p + 32);
    let localHeaderOffset = u32(v, p + 42);
    const entryName = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: 64-bit values for the fields saturated at 0xffffffff, in this order
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = u16(v, e);
      const len = u16(v, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (uncompressed === 0xffffffff) {
          uncompressed = u64(v, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(v, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(v, q);
      }
      e += 4 + len;
    }
    p = extraEnd + commentLen;
    if (entryName.endsWith('/')) continue;
    entries.set(normalizePath(entryName), {
      name: entryName,
      method,
      flags,
      compressedSize,
      size: uncompressed,
      localHeaderOffset,
    });
  }
  const root = findDatasetRoot([...entries.keys()], name);
  const rel = relativeTo([...entries.keys()], root);

  return {
    name,
    list: () => [...rel.keys()],
    async read(path) {
      const full = rel.get(normalizePath(path));
      const entry = full === undefined ? undefined : entries.get(full);
      if (!entry) throw notListed(name, path);
      const what = `${name}:${entry.name}`;
      if (entry.flags & 1) throw new TesseraError('bad-dataset', what, 'is encrypted; unzip it first');
      const head = await sliceOf(data, entry.localHeaderOffset, entry.localHeaderOffset + 30);
      const hv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      if (head.length < 30 || u32(hv, 0) !== 0x04034b50)
        throw new TesseraError('bad-dataset', what, 'has a corrupt local header in the zip');
      const start = entry.localHeaderOffset + 30 + u16(hv, 26) + u16(hv, 28);
      const raw = await sliceOf(data, start, start + entry.compressedSize);
      if (raw.length < entry.compressedSize)
        throw new TesseraError('truncated-data', what, 'is cut short in the zip (truncated archive?)');
      if (entry.method === 0) return raw;
      if (entry.method !== 8)
        throw new TesseraError(
          'unsupported-format',
          what,
          `uses zip compression method ${entry.method}; only stored and deflate are supported`,
        );
      try {
        return inflateSync(raw, { out: new Uint8Array(entry.size) });
      } catch (e) {
        throw new TesseraError('bad-dataset', what, `cannot be inflated (${(e as Error).message})`);
      }
    },
  };
}
