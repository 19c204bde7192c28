/**
 * A zipped raw dataset as a DatasetSource, on the project's zip reader (io/zip-reader: central directory
 * only up front, ZIP64, every entry CRC-checked). Each file is sliced out and inflated when asked for, so
 * a multi-gigabyte zip picked in the browser is never held in memory as a whole.
 */
import { type ByteSource, blobSource, bytesSource } from '../io/archive/byte-source';
import { openZip, readZipEntry } from '../io/archive/zip-reader';
import {
  type BlobLike,
  type DatasetSource,
  findDatasetRoot,
  normalizePath,
  notListed,
  relativeTo,
} from './source';

type Bytes = Uint8Array | BlobLike;

export async function openZipSource(data: Bytes, name: string): Promise<DatasetSource> {
  const source: ByteSource =
    data instanceof Uint8Array ? bytesSource(data, name) : blobSource(data as Blob, name);
  const zip = await openZip(source);
  // entry names as normalised paths → the zip's own names
  const names = new Map<string, string>();
  for (const entry of zip.entries.keys()) if (!entry.endsWith('/')) names.set(normalizePath(entry), entry);
  const root = findDatasetRoot([...names.keys()], name);
  const rel = relativeTo([...names.keys()], root);
  return {
    name,
    list: () => [...rel.keys()],
    async read(path) {
      const full = rel.get(normalizePath(path));
      const entry = full === undefined ? undefined : names.get(full);
      if (!entry) throw notListed(name, path);
      return readZipEntry(zip, entry);
    },
  };
}
