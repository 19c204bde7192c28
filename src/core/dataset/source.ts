/**
 * Where a raw dataset's files come from: a folder dropped into the page, a zip, or a directory on disk
 * (the CLI). Everything above this interface is the same for all three.
 */
import { TesseraError } from '../errors';

export interface DatasetSource {
  /** what the user picked (folder or zip name), for messages */
  name: string;
  /** every file, as '/'-separated paths relative to the dataset root (the folder holding dataset.json) */
  list(): string[];
  /** the bytes of one listed file; rejects with a TesseraError naming it */
  read(path: string): Promise<Uint8Array>;
}

/** The minimum of a Blob (File) the sources need: no DOM types. */
export interface BlobLike {
  readonly size: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  slice(start?: number, end?: number): BlobLike;
}

/** 'a\\b/./c' → 'a/b/c' (no leading './' or '/'). */
export function normalizePath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** Archive and OS clutter that is never part of a dataset. */
export function isJunkPath(p: string): boolean {
  const parts = p.split('/');
  const base = parts[parts.length - 1];
  return parts.includes('__MACOSX') || base === '.DS_Store' || base === 'Thumbs.db' || base === 'desktop.ini';
}

/**
 * The dataset root inside a listing: the shallowest folder holding a dataset.json (a zip or a dropped
 * folder usually wraps everything in `Dataset001_X/`). '' when dataset.json is at the top.
 */
export function findDatasetRoot(paths: readonly string[], sourceName: string): string {
  let best: string | null = null;
  for (const p of paths) {
    if (isJunkPath(p)) continue;
    const parts = p.split('/');
    if (parts[parts.length - 1] !== 'dataset.json') continue;
    const dir = parts.slice(0, -1).join('/');
    if (best === null || dir.split('/').length < best.split('/').length || (dir === '' && best !== ''))
      best = dir;
  }
  if (best === null)
    throw new TesseraError(
      'bad-dataset',
      sourceName,
      'has no dataset.json; a raw nnU-Net dataset holds dataset.json, imagesTr/ and labelsTr/',
    );
  return best;
}

/** Paths under `root`, relative to it. */
export function relativeTo(paths: readonly string[], root: string): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = root ? `${root}/` : '';
  for (const p of paths) {
    if (isJunkPath(p) || !p.startsWith(prefix)) continue;
    out.set(p.slice(prefix.length), p);
  }
  return out;
}

export function notListed(source: string, path: string): TesseraError {
  return new TesseraError('not-found', path, `is not in ${source}`);
}

/**
 * A dropped folder (or any list of files): `{path, file}` pairs where path is the file's relative path
 * (`webkitRelativePath`, or the path from a directory-entry walk). Nothing is read until asked for.
 */
export function fileListSource(
  entries: readonly { path: string; file: BlobLike }[],
  name: string,
): DatasetSource {
  const all = entries.map((e) => ({ path: normalizePath(e.path), file: e.file }));
  const root = findDatasetRoot(
    all.map((e) => e.path),
    name,
  );
  const rel = relativeTo(
    all.map((e) => e.path),
    root,
  );
  const byPath = new Map(all.map((e) => [e.path, e.file]));
  return {
    name,
    list: () => [...rel.keys()],
    async read(path) {
      const full = rel.get(normalizePath(path));
      const file = full === undefined ? undefined : byPath.get(full);
      if (!file) throw notListed(name, path);
      return new Uint8Array(await file.arrayBuffer());
    },
  };
}
