import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';
import { blobSource } from '../core/io/archive/byte-source';
import { type FileSet, fileSetFromFiles, fileSetFromZip } from '../core/model/bundle/file-set';

/**
 * A directory (walked recursively) or a .zip on disk as a FileSet. Files are opened as Blobs backed by the
 * file (fs.openAsBlob), so a large checkpoint is read slice by slice, exactly as in the browser.
 */
export async function openFileSet(target: string): Promise<FileSet> {
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(target);
  } catch {
    throw new TesseraError('not-found', target, 'no such file or directory');
  }
  if (stat.isFile()) return fileSetFromZip(blobSource(await fs.openAsBlob(target), target));
  const files: { path: string; file: Blob }[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(full, `${rel}${e.name}/`);
      else if (e.isFile()) files.push({ path: `${rel}${e.name}`, file: await fs.openAsBlob(full) });
    }
  };
  await walk(target, '');
  return fileSetFromFiles(target.replace(/\/+$/, ''), files);
}
