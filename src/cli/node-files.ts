import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../core/errors';
import { readVolume } from '../core/io/volume/read-volume';
import type { Volume } from '../core/io/volume/volume';

/** Read a whole file, turning fs errors into one-line messages that name the path. */
export async function readFileBytes(file: string): Promise<Uint8Array> {
  try {
    const buf = await fs.readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TesseraError('not-found', file, 'no such file');
    if (code === 'EISDIR') throw new TesseraError('bad-argument', file, 'is a directory, not a file');
    if (code === 'EACCES') throw new TesseraError('bad-argument', file, 'permission denied');
    throw new TesseraError('bad-argument', file, `cannot be read (${code ?? String(e)})`);
  }
}

export async function readVolumeFile(file: string): Promise<Volume> {
  // Named by the path as given, so an error points at the very file on the command line.
  return readVolume(await readFileBytes(file), file);
}

export async function writeFileBytes(file: string, bytes: Uint8Array): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
  } catch (e) {
    throw new TesseraError(
      'bad-argument',
      file,
      `cannot be written (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}
