import fs from 'node:fs/promises';
import path from 'node:path';
import type { FileSink, FileTree } from '../core/dataset/file-tree';
import { TesseraError } from '../core/errors';
import { readFileBytes, writeFileBytes } from './node-files';

/** A directory on disk as a FileTree: every file and folder below it, read on demand. */
export async function directoryTree(dir: string): Promise<FileTree> {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = async (rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new TesseraError('not-found', dir, 'no such directory');
      if (code === 'ENOTDIR') throw new TesseraError('bad-argument', dir, 'is a file, not a directory');
      throw new TesseraError('bad-argument', path.join(dir, rel), `cannot be listed (${code ?? String(e)})`);
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        folders.push(p);
        await walk(p);
      } else if (e.isFile() || e.isSymbolicLink()) files.push(p);
    }
  };
  await walk('');
  const name = dir.replace(/[/\\]+$/, '') || dir;
  return {
    name,
    list: () => files,
    folders: () => folders,
    read: (p) => readFileBytes(path.join(dir, p)),
  };
}

/** Writes under `root` (nnUNet_raw). */
export function directorySink(root: string): FileSink {
  return {
    file: (p, bytes) => writeFileBytes(path.join(root, p), bytes),
    async folder(p) {
      await fs.mkdir(path.join(root, p), { recursive: true });
    },
  };
}

/** The folder names directly in `dir` ([] when it does not exist yet). */
export async function folderNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
