/**
 * The folders conversions read and the raw dataset they write, independent of where they live: a
 * directory on disk (CLI), folders dropped into the page, or a zip being built.
 */
import { TesseraError } from '../errors';
import { type BlobLike, isJunkPath, normalizePath } from './source';

export interface FileTree {
  /** what the user gave (folder path or name), for messages */
  name: string;
  /** every file, as '/'-separated paths relative to the tree's root */
  list(): string[];
  read(path: string): Promise<Uint8Array>;
  /** every folder, empty ones included, where the source knows them (a directory on disk) */
  folders?(): string[];
}

/** Receives the output: paths are relative to nnUNet_raw (`Dataset001_X/imagesTr/a_0000.nii.gz`). */
export interface FileSink {
  file(path: string, bytes: Uint8Array): Promise<void>;
  /** an (possibly empty) folder nnU-Net's converter creates; a zip may leave it out */
  folder(path: string): Promise<void>;
}

/** Dropped files (`webkitRelativePath`-style paths) under one root folder, e.g. 'images/'. */
export function blobTree(entries: readonly { path: string; file: BlobLike }[], name: string): FileTree {
  const byPath = new Map(entries.map((e) => [normalizePath(e.path), e.file]));
  return {
    name,
    list: () => [...byPath.keys()],
    async read(path) {
      const file = byPath.get(normalizePath(path));
      if (!file) throw new TesseraError('not-found', `${name}/${path}`, 'is not among the dropped files');
      return new Uint8Array(await file.arrayBuffer());
    },
  };
}

/** The files directly inside `folder` ('' = the root), names only, sorted as Python's sorted(). */
export function filesDirectlyIn(tree: FileTree, folder: string): string[] {
  const prefix = folder ? `${folder}/` : '';
  const out: string[] = [];
  for (const p of tree.list()) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length);
    if (rest && !rest.includes('/')) out.push(rest);
  }
  return out.sort(byCodePoint);
}

/** True when some listed file lies under `folder`. */
export function hasFolder(tree: FileTree, folder: string): boolean {
  if (tree.folders?.().includes(folder)) return true;
  const prefix = `${folder}/`;
  return tree.list().some((p) => p.startsWith(prefix));
}

/** Python's sorted() on str (code-point order; UTF-16 order agrees for the names datasets use). */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** macOS AppleDouble (`._x`), hidden files and archive clutter: never a volume. */
export function isJunkName(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return base.startsWith('.') || isJunkPath(path);
}
