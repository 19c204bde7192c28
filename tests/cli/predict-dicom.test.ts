import { execFileSync, execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomInstance } from '../../src/core/io/dicom/dicom-instance';
import { readDicomVolume } from '../../src/core/io/dicom/read-dicom';
import { readSegOverImage } from '../../src/core/io/dicom/seg-reader';
import { readVolume } from '../../src/core/io/volume/read-volume';
import type { Volume } from '../../src/core/io/volume/volume';
import { DICOM, dicomFiles } from '../core/io/dicom/dicom-helpers';
import { runCli } from '../helpers/cli';
import { REFERENCE } from '../helpers/shared';

const ROOT = path.resolve(__dirname, '../..');
const MODEL = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const NIFTI = path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT/imagesTr/tsct_000_0000.nii.gz');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-predict-dicom-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => {
  execSync(`node ${path.join(ROOT, 'scripts/ensure-dicom-tools.mjs')}`, { stdio: 'inherit' });
});

const read = async (f: string) => readVolume(new Uint8Array(fs.readFileSync(f)), f);

/** Share of voxels of `a` whose world position holds the same label in `b` (nearest voxel). */
function worldAgreement(a: Volume, b: Volume): number {
  const [nx, ny, nz] = a.shape;
  const B = b.affine;
  // b's affine is diagonal-free in general: invert the 3×3 part once.
  const m = B.slice(0, 3).map((r) => r.slice(0, 3));
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const inv = [
    [
      m[1][1] * m[2][2] - m[1][2] * m[2][1],
      m[0][2] * m[2][1] - m[0][1] * m[2][2],
      m[0][1] * m[1][2] - m[0][2] * m[1][1],
    ],
    [
      m[1][2] * m[2][0] - m[1][0] * m[2][2],
      m[0][0] * m[2][2] - m[0][2] * m[2][0],
      m[0][2] * m[1][0] - m[0][0] * m[1][2],
    ],
    [
      m[1][0] * m[2][1] - m[1][1] * m[2][0],
      m[0][1] * m[2][0] - m[0][0] * m[2][1],
      m[0][0] * m[1][1] - m[0][1] * m[1][0],
    ],
  ].map((r) => r.map((x) => x / det));
  let same = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const w = [0, 1, 2].map(
          (r) => a.affine[r][0] * i + a.affine[r][1] * j + a.affine[r][2] * k + a.affine[r][3] - B[r][3],
        );
        const v = inv.map((r) => Math.round(r[0] * w[0] + r[1] * w[1] + r[2] * w[2]));
        const bi = v[0] + b.shape[0] * (v[1] + b.shape[1] * v[2]);
        if (a.data[i + nx * (j + ny * k)] === b.data[bi]) same++;
      }
  return same / (nx * ny * nz);
}

describe('tessera predict on DICOM series', () => {
  it('the DICOM fixture is the reference NIfTI scan, voxel for voxel in world space', async () => {
    const image = await readDicomVolume(dicomFiles('tsct_000'), 'tsct_000');
    expect(worldAgreement(image, await read(NIFTI))).toBe(1);
  });

  it('one case per series folder; DICOM-SEG out (valid, referencing its series) equal to the NIfTI route', async () => {
    const input = path.join(tmp, 'in');
    for (const s of ['tsct_000', 'ct_axial'])
      fs.cpSync(path.join(DICOM, s), path.join(input, s), { recursive: true });
    const segOut = path.join(tmp, 'seg');
    const r = await runCli(
      'predict',
      '-i',
      input,
      '-o',
      segOut,
      '-m',
      MODEL,
      '--output-type',
      'dicom-seg',
      '--threads',
      '1',
      '--disable-tta',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 case\(s\)/);
    // The small crop holds nothing the tiny model finds: no SEG, and a line saying so.
    expect(r.stderr).toMatch(/ct_axial: no label found, so no DICOM-SEG written/);
    expect(fs.existsSync(path.join(segOut, 'ct_axial.dcm'))).toBe(false);
    const segFile = path.join(segOut, 'tsct_000.dcm');
    const findings = execFileSync('dciodvfy', [segFile], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split('\n')
      .filter((l) => /^(Error|Warning)/.test(l));
    expect(findings).toEqual([]);
    const image = await readDicomVolume(dicomFiles('tsct_000'), 'tsct_000');
    const back = JSON.parse(
      execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/fixtures/read_dicom_seg.py'), segFile], {
        encoding: 'utf8',
      }),
    );
    expect(back.referenced_series).toBe(image.source.dicom?.seriesUid);
    const names = ['spleen', 'kidney_right', 'kidney_left', 'liver'];
    expect(back.segments.length).toBeGreaterThan(0);
    for (const s of back.segments) expect(names).toContain(s.label);

    // The same series with NIfTI output equals the NIfTI route on dcm2niix's conversion of it (what nnU-Net
    // would be given), voxel for voxel.
    const niiOut = path.join(tmp, 'nii');
    expect(
      (
        await runCli(
          'predict',
          '-i',
          path.join(input, 'tsct_000'),
          '-o',
          niiOut,
          '-m',
          MODEL,
          '--threads',
          '1',
          '--disable-tta',
        )
      ).code,
    ).toBe(0);
    const fromDicom = await read(path.join(niiOut, 'tsct_000.nii.gz'));
    const refIn = path.join(tmp, 'ref-in');
    fs.mkdirSync(refIn);
    fs.copyFileSync(
      path.join(DICOM, 'dcm2niix', 'tsct_000.nii.gz'),
      path.join(refIn, 'tsct_000_0000.nii.gz'),
    );
    const refOut = path.join(tmp, 'ref');
    expect(
      (await runCli('predict', '-i', refIn, '-o', refOut, '-m', MODEL, '--threads', '1', '--disable-tta'))
        .code,
    ).toBe(0);
    const fromDcm2niix = await read(path.join(refOut, 'tsct_000.nii.gz'));
    expect(
      Buffer.compare(Buffer.from(fromDicom.data as Uint8Array), Buffer.from(fromDcm2niix.data as Uint8Array)),
    ).toBe(0);
    expect(worldAgreement(fromDicom, fromDcm2niix)).toBe(1);

    // The SEG read back over its series is the NIfTI output, label for label.
    const seg = readSegOverImage(
      await parseDicomInstance(new Uint8Array(fs.readFileSync(segFile)), segFile),
      image,
    );
    const numberToLabel = [0, ...back.segments.map((s: { label: string }) => names.indexOf(s.label) + 1)];
    const labels = Uint8Array.from(seg.labels.data, (n) => numberToLabel[n]);
    expect(Buffer.compare(Buffer.from(labels), Buffer.from(fromDicom.data as Uint8Array))).toBe(0);
  }, 240_000);

  it('--output-type dicom-seg on NIfTI input, and a bad --output-type, are one-line errors', async () => {
    const refIn = path.join(tmp, 'nifti-only');
    fs.mkdirSync(refIn, { recursive: true });
    fs.copyFileSync(NIFTI, path.join(refIn, 'tsct_000_0000.nii.gz'));
    const bad = await runCli(
      'predict',
      '-i',
      refIn,
      '-o',
      path.join(tmp, 'x'),
      '-m',
      MODEL,
      '--output-type',
      'rtstruct',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--output-type must be nifti or dicom-seg/);
    const r = await runCli(
      'predict',
      '-i',
      refIn,
      '-o',
      path.join(tmp, 'y'),
      '-m',
      MODEL,
      '--output-type',
      'dicom-seg',
      '--disable-tta',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output-type dicom-seg needs DICOM input/);
  }, 120_000);
});
