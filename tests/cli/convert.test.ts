import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeZip } from '../../src/core/io/archive/zip-writer';
import { readVolume } from '../../src/core/io/volume/read-volume';
import { compare, DICOM, dcm2niix } from '../core/io/dicom/dicom-helpers';
import { runCli } from '../helpers/cli';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-convert-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const readNii = async (f: string) => readVolume(new Uint8Array(fs.readFileSync(f)), f);

/** ct_axial, ct_sagittal and MR_small in one folder (and one zip): three series. */
function multiSeriesFolder(): string {
  const dir = path.join(tmp, 'multi');
  if (fs.existsSync(dir)) return dir;
  for (const s of ['ct_axial', 'ct_sagittal'])
    fs.cpSync(path.join(DICOM, s), path.join(dir, s), { recursive: true });
  fs.copyFileSync(path.join(DICOM, 'pydicom', 'MR_small.dcm'), path.join(dir, 'MR_small.dcm'));
  return dir;
}

describe('tessera convert', () => {
  it('a series folder (oblique, names without extension) gives dcm2niix’s volume in world space', async () => {
    const out = path.join(tmp, 'oblique.nii.gz');
    const r = await runCli('convert', path.join(DICOM, 'ct_oblique'), '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const d = compare(await readNii(out), await dcm2niix('ct_oblique'));
    expect(d.voxels).toBe(0);
    expect(d.affine).toBeLessThan(1e-3);
  });

  it('a JPEG 2000 series with blank UIDs', async () => {
    const out = path.join(tmp, 'j2k.nii');
    expect((await runCli('convert', path.join(DICOM, 'ct_j2k_blank_uids'), '-o', out)).code).toBe(0);
    const d = compare(await readNii(out), await dcm2niix('ct_j2k_blank_uids'));
    expect(d).toMatchObject({ voxels: 0 });
    expect(d.affine).toBeLessThan(1e-3);
  });

  it('several series: refused without --series, one file each into a folder, --series N picks', async () => {
    const dir = multiSeriesFolder();
    const refused = await runCli('convert', dir, '-o', path.join(tmp, 'x.nii.gz'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /holds 3 series; choose one with --series N .*2: CT “fixture ct_axial” 48×40×10/,
    );
    const folder = path.join(tmp, 'each');
    expect((await runCli('convert', dir, '-o', folder)).code).toBe(0);
    expect(fs.readdirSync(folder).sort()).toEqual([
      '001_MR.nii.gz',
      '002_CT_fixture_ct_axial.nii.gz',
      '003_CT_sagittal.nii.gz',
    ]);
    const sag = compare(
      await readNii(path.join(folder, '003_CT_sagittal.nii.gz')),
      await dcm2niix('ct_sagittal'),
    );
    expect(sag.voxels).toBe(0);
    const zip = path.join(tmp, 'multi.zip');
    const entries = [
      ...fs.readdirSync(path.join(dir, 'ct_axial')).map((f) => ({
        name: `ct_axial/${f}`,
        data: new Uint8Array(fs.readFileSync(path.join(dir, 'ct_axial', f))),
      })),
      { name: 'MR_small.dcm', data: new Uint8Array(fs.readFileSync(path.join(dir, 'MR_small.dcm'))) },
    ];
    fs.writeFileSync(zip, writeZip(entries));
    const out = path.join(tmp, 'from-zip.nii.gz');
    expect((await runCli('convert', zip, '--series', '2', '-o', out)).code).toBe(0);
    expect(compare(await readNii(out), await dcm2niix('ct_axial')).voxels).toBe(0);
  });

  it('bad input: exit 2 and one line naming the file', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const cases: [string, RegExp][] = [
      [path.join(DICOM, 'bad_truncated'), /bad_truncated\/IM0000: the DICOM file is truncated/],
      [empty, /empty: no files found/],
      [path.join(DICOM, 'pydicom', 'rtplan.dcm'), /rtplan\.dcm: this is an RT Plan, not an image/],
      [path.join(DICOM, 'pydicom', 'test-SR.dcm'), /test-SR\.dcm: this is a Comprehensive SR, not an image/],
      [path.join(DICOM, 'bad_mixed_size'), /the slices differ in size/],
    ];
    for (const [input, message] of cases) {
      const r = await runCli('convert', input, '-o', path.join(tmp, 'bad.nii.gz'));
      expect(r.code, input).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('tessera info on DICOM', () => {
  it('prints the header of the largest series and lists every series', async () => {
    const r = await runCli('info', multiSeriesFolder());
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.format).toBe('DICOM');
    expect(info.shape).toEqual([48, 40, 10]);
    expect(info.dicom_series).toHaveLength(3);
    expect(JSON.stringify(info)).not.toMatch(/Fixture\^Tessera|TESSERA-0001/);
  });
});
