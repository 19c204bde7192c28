import { TesseraError } from '../../errors';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflate through the platform's DecompressionStream (native zlib in browsers and Node): gzip checks the
 * CRC, so a corrupt file is an error, never silently wrong voxels. The output is sized once from
 * `sizeHint` and filled chunk by chunk, so a large volume is not held twice; with `exact` the stream must
 * produce exactly that many bytes (zip entries declare their size).
 */
async function inflate(
  bytes: Uint8Array,
  format: 'gzip' | 'deflate-raw',
  sizeHint: number,
  file: string,
  exact = false,
): Promise<Uint8Array> {
  const ds = new DecompressionStream(format);
  const writer = ds.writable.getWriter();
  // Errors surface on the reader; the writer's own promises must not go unhandled.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  let out = new Uint8Array(Math.min(Math.max(sizeHint, exact ? 0 : 1024), 2 ** 31 - 1));
  let used = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (used + value.length > out.length) {
        if (exact)
          throw new TesseraError(
            'gzip-corrupt',
            file,
            'the compressed data holds more than its declared size',
          );
        const grown = new Uint8Array(Math.min(2 ** 31 - 1, Math.max(out.length * 2, used + value.length)));
        if (grown.length < used + value.length) {
          throw new TesseraError(
            'too-large',
            file,
            'the decompressed data exceeds 2 GiB, the largest buffer a browser can hold',
          );
        }
        grown.set(out.subarray(0, used));
        out = grown;
      }
      out.set(value, used);
      used += value.length;
    }
  } catch (e) {
    if (e instanceof TesseraError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    if (/end of|truncat|EOF/i.test(msg)) {
      throw new TesseraError(
        'gzip-truncated',
        file,
        'the compressed data is truncated: the file was cut short (incomplete download or copy?)',
      );
    }
    throw new TesseraError('gzip-corrupt', file, `the compressed data is corrupt (${msg})`);
  }
  if (exact && used !== sizeHint)
    throw new TesseraError('truncated-data', file, 'the deflated data is shorter than its declared size');
  return used === out.length ? out : out.slice(0, used);
}

/** Gunzip a whole file (ISIZE, the size mod 2^32 and garbage when truncated, only sizes the first guess). */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (bytes.length < 18)
    throw new TesseraError('gzip-truncated', file, 'the gzip stream is truncated (file too short)');
  const isize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(
    bytes.length - 4,
    true,
  );
  return inflate(bytes, 'gzip', isize, file);
}

/** A raw deflate stream of a known size (a zip entry). */
export function inflateRaw(bytes: Uint8Array, size: number, file: string): Promise<Uint8Array> {
  return inflate(bytes, 'deflate-raw', size, file, true);
}

/** A raw deflate stream of unknown size (a deflated DICOM data set). */
export function inflateRawUnsized(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  return inflate(bytes, 'deflate-raw', bytes.length * 4, file);
}

/** Gzip through the platform's CompressionStream (native zlib, default level). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const cs = new CompressionStream('gzip');
  const writer = cs.writable.getWriter();
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = cs.readable.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
