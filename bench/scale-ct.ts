/**
 * The scale benchmark's full-resolution CT: TotalSegmentator's 3 mm example CT (../shared/data) upsampled
 * trilinearly (voxel centres aligned, edges clamped) to 0.78 × 0.78 × 1.5 mm — a clinical CT's grid,
 * ~470 × 390 × 224 voxels — written as int16 NIfTI with the matching affine.
 */
import fs from 'node:fs';
import { writeNifti } from '../src/core/io/volume/nifti-writer';
import { readVolume } from '../src/core/io/volume/read-volume';
import type { Volume } from '../src/core/io/volume/volume';

export const FULL_SPACING = [0.78, 0.78, 1.5];

export async function writeFullResolutionCt(source: string, target: string): Promise<number[]> {
  const v = await readVolume(new Uint8Array(fs.readFileSync(source)), source);
  const [ni, nj, nk] = v.shape;
  const ratio = FULL_SPACING.map((t, d) => t / v.spacing[d]);
  const shape = v.shape.slice(0, 3).map((n, d) => Math.round(n / ratio[d]));
  const [mi, mj, mk] = shape;
  const taps = (m: number, n: number, r: number) => {
    const lo = new Int32Array(m);
    const w = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      const c = Math.min(n - 1, Math.max(0, (j + 0.5) * r - 0.5));
      lo[j] = Math.min(n - 2, Math.floor(c));
      w[j] = c - lo[j];
    }
    return { lo, w };
  };
  const ti = taps(mi, ni, ratio[0]);
  const tj = taps(mj, nj, ratio[1]);
  const tk = taps(mk, nk, ratio[2]);
  const src = v.data;
  const out = new Int16Array(mi * mj * mk);
  const at = (i: number, j: number, k: number) => src[(k * nj + j) * ni + i] as number;
  let o = 0;
  for (let k = 0; k < mk; k++)
    for (let j = 0; j < mj; j++)
      for (let i = 0; i < mi; i++, o++) {
        const [i0, j0, k0] = [ti.lo[i], tj.lo[j], tk.lo[k]];
        const [a, b, c] = [ti.w[i], tj.w[j], tk.w[k]];
        const lerp = (jj: number, kk: number) => at(i0, jj, kk) * (1 - a) + at(i0 + 1, jj, kk) * a;
        const y0 = lerp(j0, k0) * (1 - b) + lerp(j0 + 1, k0) * b;
        const y1 = lerp(j0, k0 + 1) * (1 - b) + lerp(j0 + 1, k0 + 1) * b;
        out[o] = Math.round(y0 * (1 - c) + y1 * c);
      }
  // voxel (0,0,0) of the new grid sits at old voxel coordinate (r - 1) / 2 per axis
  const A = v.affine;
  const affine = A.map((row, r) =>
    r < 3
      ? [
          row[0] * ratio[0],
          row[1] * ratio[1],
          row[2] * ratio[2],
          row[3] +
            (row[0] * (ratio[0] - 1)) / 2 +
            (row[1] * (ratio[1] - 1)) / 2 +
            (row[2] * (ratio[2] - 1)) / 2,
        ]
      : [...row],
  );
  const like: Pick<Volume, 'affine' | 'spacing' | 'source'> = {
    affine,
    spacing: FULL_SPACING,
    source: { ...v.source, nifti: undefined },
  };
  fs.writeFileSync(target, await writeNifti({ data: out, shape, like, datatype: 'int16' }));
  return shape;
}

if (process.argv[1]?.endsWith('scale-ct.ts')) {
  const [src, dst] = process.argv.slice(2);
  console.log(await writeFullResolutionCt(src, dst));
}
