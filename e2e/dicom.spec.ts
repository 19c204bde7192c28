import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseDicomInstance } from '../src/core/io/dicom/dicom-instance';
import { readDicomVolume } from '../src/core/io/dicom/read-dicom';
import { readSegOverImage } from '../src/core/io/dicom/seg-reader';
import { expect, openApp, TMP, test } from './fixtures';

const DICOM = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../tests/fixtures/dicom');
const ROOT = path.resolve(DICOM, '../../..');

function seriesFolder(name: string, series: string[]): string {
  const dir = path.join(TMP, name);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const s of series) fs.cpSync(path.join(DICOM, s), path.join(dir, s), { recursive: true });
  return dir;
}

test('clinician flow: drop a DICOM folder → pick the series → segment → Save as DICOM-SEG → the file parses', async ({
  page,
  requests,
}) => {
  test.setTimeout(600_000);
  execFileSync('node', [path.join(ROOT, 'scripts/ensure-dicom-tools.mjs')], { stdio: 'inherit' });
  await openApp(page);
  await page
    .getByTestId('dicom-folder-input')
    .setInputFiles(seriesFolder('study', ['tsct_000', 'ct_sagittal']));
  const picker = page.getByTestId('dicom-picker');
  await expect(picker).toContainText('study: 2 series');
  await expect(picker).toContainText('CT “abdomen CT 3 mm” 122×101×30, 3×3 mm, 30 files');
  await expect(picker).not.toContainText('Fixture^Tessera');
  // The largest series is preselected.
  await expect(page.getByTestId('dicom-series-1')).toBeChecked();
  await page.getByTestId('dicom-open-series').click();
  await expect(page.getByTestId('scan-list')).toContainText('study #1');
  await expect(picker).toHaveCount(0);

  await page.getByRole('tab', { name: 'Segment' }).click();
  await expect(page.getByTestId('model-list')).toContainText('3d_fullres_tiny');
  await page.getByTestId('backend').selectOption('wasm');
  await page.getByTestId('segment').click();
  await expect(page.getByTestId('segment-timing')).toContainText('on wasm', { timeout: 300_000 });
  await expect(page.getByTestId('save-nifti')).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByTestId('save-dicom-seg').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('study_1_seg.dcm');
  const saved = path.join(TMP, 'study_seg.dcm');
  await file.saveAs(saved);
  const bytes = new Uint8Array(fs.readFileSync(saved));
  const image = await readDicomVolume(
    fs.readdirSync(path.join(DICOM, 'tsct_000')).map((f) => ({
      name: f,
      bytes: new Uint8Array(fs.readFileSync(path.join(DICOM, 'tsct_000', f))),
    })),
    'tsct_000',
  );
  const seg = readSegOverImage(await parseDicomInstance(bytes, saved), image);
  expect(
    seg.segments
      .map((s) => s.label)
      .every((l) => ['spleen', 'kidney_right', 'kidney_left', 'liver'].includes(l)),
  ).toBe(true);
  expect(seg.segments.length).toBeGreaterThan(0);
  const findings = execFileSync('dciodvfy', [saved], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    .split('\n')
    .filter((l) => /^(Error|Warning)/.test(l));
  expect(findings).toEqual([]);
  const pydicom = JSON.parse(
    execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/fixtures/read_dicom_seg.py'), saved], {
      encoding: 'utf8',
    }),
  );
  expect(pydicom.referenced_series).toBe(image.source.dicom?.seriesUid);
  // Nothing left the page.
  expect(
    requests.filter(
      (u) => !u.startsWith('http://127.0.0.1') && !u.startsWith('blob:') && !u.startsWith('data:'),
    ),
  ).toEqual([]);
});

test('a DICOM drop with nothing readable is one banner, and the loaded scan stays', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('dicom-folder-input').setInputFiles(seriesFolder('ct', ['ct_axial']));
  await expect(page.getByTestId('scan-list')).toContainText('ct');
  const broken = path.join(TMP, 'broken');
  fs.rmSync(broken, { recursive: true, force: true });
  fs.mkdirSync(broken, { recursive: true });
  for (const f of ['rtplan.dcm', 'test-SR.dcm', 'MR_truncated.dcm'])
    fs.copyFileSync(path.join(DICOM, 'pydicom', f), path.join(broken, f));
  await page.getByTestId('dicom-folder-input').setInputFiles(broken);
  const banners = page.getByTestId('banner-error');
  await expect(banners).toHaveCount(1);
  await expect(banners.first()).toContainText('broken: no DICOM image series among 3 file(s)');
  await expect(page.getByTestId('scan-list')).toContainText('ct');
  // A series with slices of two sizes: one banner naming the fault.
  await page.getByTestId('dicom-folder-input').setInputFiles(seriesFolder('mixed', ['bad_mixed_size']));
  await expect(banners.last()).toContainText('the slices differ in size');
});
