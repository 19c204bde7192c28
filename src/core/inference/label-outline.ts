import type { VoxelArray } from '../io/volume/volume';

/**
 * The border voxels of each label: a labelled voxel stays when one of its 6 face neighbours (or the volume's
 * edge) has another value; every interior voxel becomes 0. Drawn instead of the filled map, it shows the
 * outline of each structure with the anatomy inside left visible. `shape` is the file order (i fastest).
 */
export function labelOutline(labels: VoxelArray, shape: readonly number[]): Uint8Array | Uint16Array {
  const [nx, ny, nz] = [shape[0], shape[1] ?? 1, shape[2] ?? 1];
  const plane = nx * ny;
  const out = labels instanceof Uint16Array ? new Uint16Array(labels.length) : new Uint8Array(labels.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const row = z * plane + y * nx;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        const v = labels[i];
        if (v === 0) continue;
        const edge =
          x === 0 ||
          x === nx - 1 ||
          labels[i - 1] !== v ||
          labels[i + 1] !== v ||
          (ny > 1 && (y === 0 || y === ny - 1 || labels[i - nx] !== v || labels[i + nx] !== v)) ||
          (nz > 1 && (z === 0 || z === nz - 1 || labels[i - plane] !== v || labels[i + plane] !== v));
        if (edge) out[i] = v;
      }
    }
  return out;
}
