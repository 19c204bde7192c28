import { TesseraError } from '../../errors';

/**
 * Random access to the bytes of a file without loading it: a browser File/Blob is read slice by slice,
 * so a 500 MB checkpoint or a zipped results folder is never held whole (let alone twice) in memory.
 * A Uint8Array (Node, tests) is just viewed.
 */
export interface ByteSource {
  /** The file as the user knows it, for error messages. */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or a TesseraError naming the file when they are not there. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

function checkRange(name: string, size: number, offset: number, length: number) {
  if (!(offset >= 0 && length >= 0 && offset + length <= size))
    throw new TesseraError(
      'truncated-data',
      name,
      `needs bytes ${offset}–${offset + length} but the file has ${size} bytes (truncated?)`,
    );
}

export function bytesSource(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length) {
      checkRange(name, bytes.length, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A File or Blob (browser, or Node's fs.openAsBlob). */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkRange(name, blob.size, offset, length);
      const buf = await blob.slice(offset, offset + length).arrayBuffer();
      if (buf.byteLength !== length)
        throw new TesseraError('truncated-data', name, 'the file changed or was cut short while reading');
      return new Uint8Array(buf);
    },
  };
}

/** A byte range of another source (a stored file inside a zip), under its own name. */
export function subSource(parent: ByteSource, offset: number, length: number, name: string): ByteSource {
  checkRange(parent.name, parent.size, offset, length);
  return {
    name,
    size: length,
    read(o, l) {
      checkRange(name, length, o, l);
      return parent.read(offset + o, l);
    },
  };
}
