import fs from 'node:fs';
import path from 'node:path';
import type { NamedBytes } from '../../../../src/core/io/dicom/read-dicom';
import { readVolume } from '../../../../src/core/io/volume/read-volume';
import type { Volume } from '../../../../src/core/io/volume/volume';
import { FIXTURES } from '../../../helpers/fixtures';
import { sharedBytes } from '../../../helpers/shared';

/** tests/fixtures/dicom (scripts/fixtures/make_dicom_fixtures.py). */
export const DICOM = path.join(FIXTURES, 'dicom');

export function dicomFiles(rel: string): NamedBytes[] {
  const p = path.join(DICOM, rel);
  const names = fs.statSync(p).isDirectory()
    ? fs
        .readdirSync(p)
        .sort()
        .map((f) => path.join(p, f))
    : [p];
  return names.map((f) => ({ name: path.basename(f), bytes: new Uint8Array(fs.readFileSync(f)) }));
}

export async function dcm2niix(name: string): Promise<Volume> {
  const f = path.join(DICOM, 'dcm2niix', `${name}.nii.gz`);
  return readVolume(new Uint8Array(fs.readFileSync(f)), f);
}

/** Largest voxel difference and largest affine entry difference (mm). */
export function compare(a: Volume, b: Volume): { voxels: number; affine: number } {
  let voxels = 0;
  for (let i = 0; i < a.data.length; i++) voxels = Math.max(voxels, Math.abs(a.data[i] - b.data[i]));
  let affine = 0;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) affine = Math.max(affine, Math.abs(a.affine[r][c] - b.affine[r][c]));
  return { voxels, affine };
}

/**
 * The TotalSegmentator label map of the fixture crop, on a fixture series' grid: the generator cut
 * ts_example_ct_sm at k 8–17, j 30–69, i 30–77 and wrote NIfTI j as DICOM rows, which the reader flips.
 */
export async function fixtureLabels(series: Volume): Promise<Uint8Array> {
  const seg = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm_seg.nii.gz'), 'seg');
  const [nx, ny] = seg.shape;
  const [cols, rows, n] = series.shape;
  const out = new Uint8Array(cols * rows * n);
  for (let k = 0; k < n; k++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        out[k * rows * cols + (rows - 1 - r) * cols + c] =
          seg.data[(k + 8) * nx * ny + (r + 30) * nx + (c + 30)];
  return out;
}

/** TotalSegmentator's names for four of the labels in the crop (shared/data/volumes/SOURCES.md); the rest stay unnamed. */
export const TOTAL_NAMES: Record<number, string> = {
  1: 'spleen',
  2: 'kidney_right',
  3: 'kidney_left',
  5: 'liver',
};
