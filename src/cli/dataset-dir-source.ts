import fs from 'node:fs/promises';
import path from 'node:path';
import {
  type DatasetSource,
  findDatasetRoot,
  isJunkPath,
  notListed,
  relativeTo,
} from '../core/dataset/source';
import { TesseraError } from '../core/errors';
import { readFileBytes } from './node-files';

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TesseraError('not-found', dir, 'no such directory');
    if (code === 'ENOTDIR') throw new TesseraError('bad-argument', dir, 'is a file, not a dataset directory');
    throw new TesseraError('bad-argument', path.join(dir, rel), `cannot be listed (${code ?? String(e)})`);
  }
  for (const e of entries) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(dir, p, out);
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
}

/** A raw dataset directory on disk (the folder holding dataset.json, or a folder wrapping it). */
export async function directorySource(dir: string): Promise<DatasetSource> {
  const all: string[] = [];
  await walk(dir, '', all);
  const files = all.filter((p) => !isJunkPath(p));
  const root = findDatasetRoot(files, dir);
  const rel = relativeTo(files, root);
  return {
    name: dir,
    list: () => [...rel.keys()],
    async read(p) {
      const full = rel.get(p);
      if (full === undefined) throw notListed(dir, p);
      return readFileBytes(path.join(dir, full));
    },
  };
}
