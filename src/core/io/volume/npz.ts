import { TesseraError } from '../../errors';
import { bytesSource } from '../archive/byte-source';
import { openZip, readZipEntry } from '../archive/zip-reader';
import { writeZip } from '../archive/zip-writer';
import { type NpyArray, readNpy, writeNpy } from './npy';
import type { VoxelArray } from './volume';

/** numpy's .npz: a zip of .npy arrays (stored entries; numpy.load reads them as savez writes them). */
export function writeNpz(arrays: Record<string, { data: VoxelArray; shape: readonly number[] }>): Uint8Array {
  return writeZip(
    Object.entries(arrays).map(([name, a]) => ({ name: `${name}.npy`, data: writeNpy(a.data, a.shape) })),
  );
}

/** One array of an .npz (savez or savez_compressed), by name. */
export async function readNpzArray(bytes: Uint8Array, file: string, name: string): Promise<NpyArray> {
  const zip = await openZip(bytesSource(bytes, file));
  if (!zip.entries.has(`${name}.npy`))
    throw new TesseraError(
      'bad-argument',
      file,
      `holds no array '${name}' (has ${[...zip.entries.keys()].join(', ')})`,
    );
  return readNpy(await readZipEntry(zip, `${name}.npy`), `${file} (${name})`);
}
