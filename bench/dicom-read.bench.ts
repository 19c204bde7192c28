// Reading speed of the DICOM reader per encoding (tests/fixtures/dicom), on this machine's CPU:
// parse + decode + geometry, best of 5 runs. `npx tsx bench/dicom-read.bench.ts`
import fs from 'node:fs';
import path from 'node:path';
import { readDicomVolume } from '../src/core/io/dicom/read-dicom';

const DICOM = path.resolve(import.meta.dirname, '../tests/fixtures/dicom');
const series = [
  'ct_axial',
  'ct_implicit',
  'ct_deflated',
  'ct_rle',
  'ct_jpeg_lossless',
  'ct_jpegls',
  'ct_j2k_blank_uids',
  'ct_j2k_lossy',
  'ct_enhanced',
  'tsct_000',
];
for (const name of series) {
  const dir = path.join(DICOM, name);
  const files = fs
    .readdirSync(dir)
    .map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(path.join(dir, f))) }));
  const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
  await readDicomVolume(files, name); // codec load (wasm compile) is not counted
  let best = Number.POSITIVE_INFINITY;
  let shape: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const v = await readDicomVolume(files, name);
    best = Math.min(best, performance.now() - t0);
    shape = v.shape;
  }
  const voxels = shape.reduce((a, b) => a * b, 1);
  console.log(
    `${name.padEnd(18)} ${shape.join('×').padEnd(12)} ${(bytes / 1024).toFixed(0).padStart(5)} KiB  ${best.toFixed(1).padStart(7)} ms  ${((voxels / best) * 1e-3).toFixed(1).padStart(6)} Mvox/s`,
  );
}
