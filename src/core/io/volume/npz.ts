import { writeZip } from '../archive/zip-writer';
import { writeNpy } from './npy';
import type { VoxelArray } from './volume';

/** numpy's .npz: a zip of .npy arrays (stored entries; numpy.load reads them as savez writes them). */
export function writeNpz(arrays: Record<string, { data: VoxelArray; shape: readonly number[] }>): Uint8Array {
  return writeZip(
    Object.entries(arrays).map(([name, a]) => ({ name: `${name}.npy`, data: writeNpy(a.data, a.shape) })),
  );
}
