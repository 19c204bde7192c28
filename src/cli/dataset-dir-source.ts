import path from 'node:path';
import {
  type DatasetSource,
  findDatasetRoot,
  isJunkPath,
  notListed,
  relativeTo,
} from '../core/dataset/source';
import { directoryTree } from './node-file-tree';
import { readFileBytes } from './node-files';

/** A raw dataset directory on disk (the folder holding dataset.json, or a folder wrapping it). */
export async function directorySource(dir: string): Promise<DatasetSource> {
  // the one directory walk of the CLI (node-file-tree.ts)
  const files = (await directoryTree(dir)).list().filter((p) => !isJunkPath(p));
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
