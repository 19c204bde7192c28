import { TesseraError } from '../../errors';
import { type ByteSource, blobSource, bytesSource } from '../../io/archive/byte-source';
import { openZip, readZipEntry, zipEntrySource } from '../../io/archive/zip-reader';

/**
 * What the user handed us as a model: a dropped folder (files with relative paths), a zip of one, or a
 * directory on disk (CLI). Files are opened lazily as ByteSources, so nothing is read until needed and a
 * checkpoint is read slice by slice.
 */
export interface FileSet {
  /** The drop / zip / directory as the user knows it, for messages. */
  readonly name: string;
  /** Relative paths with '/' separators. */
  readonly paths: string[];
  size(path: string): number;
  open(path: string): Promise<ByteSource>;
}

const normalize = (p: string) => p.replace(/\\/g, '/').replace(/^\.?\/+/, '');

export function fileSetFromFiles(name: string, files: { path: string; file: Blob | Uint8Array }[]): FileSet {
  const byPath = new Map(files.map((f) => [normalize(f.path), f.file]));
  return {
    name,
    paths: [...byPath.keys()],
    size: (p) => {
      const f = byPath.get(p);
      return f instanceof Uint8Array ? f.length : (f?.size ?? 0);
    },
    async open(p) {
      const f = byPath.get(p);
      if (!f) throw new TesseraError('not-found', `${name}/${p}`, 'is missing');
      const label = `${name}/${p}`;
      return f instanceof Uint8Array ? bytesSource(f, label) : blobSource(f, label);
    },
  };
}

/** A zipped results folder / bundle: entries are read on demand (stored .pth entries slice by slice). */
export async function fileSetFromZip(source: ByteSource): Promise<FileSet> {
  const zip = await openZip(source);
  const paths = [...zip.entries.keys()].filter((p) => !p.endsWith('/') && !p.startsWith('__MACOSX/'));
  return {
    name: source.name,
    paths: paths.map(normalize),
    size: (p) => zip.entries.get(p)?.size ?? 0,
    async open(p) {
      if (!zip.entries.has(p)) throw new TesseraError('not-found', `${source.name}/${p}`, 'is missing');
      const entry = zip.entries.get(p)!;
      // Small files are simplest read whole (and CRC-checked); large stored ones stay on disk.
      const label = `${source.name}/${p}`;
      if (entry.method !== 0 || entry.size < 1 << 20) return bytesSource(await readZipEntry(zip, p), label);
      const sub = await zipEntrySource(zip, p);
      return { ...sub, name: label };
    },
  };
}

export async function readText(files: FileSet, path: string): Promise<string> {
  const src = await files.open(path);
  return new TextDecoder().decode(await src.read(0, src.size));
}

export async function readJsonFile(files: FileSet, path: string): Promise<unknown> {
  const text = await readText(files, path);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError(
      'bad-header',
      `${files.name}/${path}`,
      `is not valid JSON (${(e as Error).message})`,
    );
  }
}
