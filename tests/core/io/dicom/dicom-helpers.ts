import fs from 'node:fs';
import path from 'node:path';
import type { NamedBytes } from '../../../../src/core/io/dicom/read-dicom';
import { readVolume } from '../../../../src/core/io/volume/read-volume';
import type { Volume } from '../../../../src/core/io/volume/volume';
import { FIXTURES } from '../../../helpers/fixtures';

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
