import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNifti } from '../src/core/io/volume/nifti-writer';
import { readVolume } from '../src/core/io/volume/read-volume';
import { expect, openApp, SHARED, TMP, test } from './fixtures';

/** images/, organ/ (NRRD masks) and tumour/ (NIfTI masks on the same grid) for two cases. */
async function makeFolders(): Promise<string> {
  const root = path.join(TMP, 'builder');
  fs.rmSync(root, { recursive: true, force: true });
  const nrrd = path.join(SHARED, 'data/volumes/nrrd');
  const image = fs.readFileSync(path.join(nrrd, 'pyradiomics_breast1_image.nrrd'));
  const organ = fs.readFileSync(path.join(nrrd, 'pyradiomics_breast1_label.nrrd'));
  const grid = await readVolume(new Uint8Array(image), 'image.nrrd');
  for (const d of ['images', 'organ', 'tumour']) fs.mkdirSync(path.join(root, d), { recursive: true });
  for (const [id, every] of [
    ['b1', 7],
    ['b2', 5],
  ] as const) {
    fs.writeFileSync(path.join(root, 'images', `${id}.nrrd`), image);
    fs.writeFileSync(path.join(root, 'organ', `${id}.nrrd`), organ);
    const mask = new Uint8Array(grid.data.length);
    for (let i = 0; i < mask.length; i++) mask[i] = i % every === 0 && i % grid.shape[0] > 20 ? 1 : 0;
    fs.writeFileSync(
      path.join(root, 'tumour', `${id}.nii.gz`),
      await writeNifti({ data: mask, shape: grid.shape, like: grid }),
    );
  }
  return root;
}

test('Dataset builder: image + organ + tumour mask folders → merged case shown → built → planned', async ({
  page,
}) => {
  const root = await makeFolders();
  await openApp(page);
  await page.getByRole('tab', { name: 'Plan' }).click();
  const input = page.getByTestId('builder-folder-input');
  for (const d of ['images', 'organ', 'tumour']) await input.setInputFiles(path.join(root, d));
  const rows = page.getByTestId('builder-folders').locator('tr');
  await expect(rows).toHaveCount(3);
  await expect(page.getByLabel('role of images')).toHaveValue('image');
  await expect(page.getByLabel('role of organ')).toHaveValue('label');
  await expect(page.getByLabel('role of tumour')).toHaveValue('label');
  await page.getByLabel('name of images').fill('MR');
  await expect(page.getByTestId('builder-problems')).not.toContainText(':');
  // one case merged in the worker, shown over its image with the label names
  await page.getByTestId('builder-case').selectOption('b2');
  await expect(page.getByTestId('label-list')).toContainText('b2.nii.gz');
  await page.getByTestId('builder-build').click();
  await expect(page.getByTestId('builder-built')).toContainText('Dataset501_MyData: 2 training cases');
  const download = page.waitForEvent('download');
  await page.getByTestId('builder-download').click();
  expect((await download).suggestedFilename()).toBe('Dataset501_MyData.zip');
  await page.getByTestId('builder-plan').click();
  await expect(page.getByTestId('fingerprint')).toContainText('2 cases', { timeout: 120_000 });
  await expect(page.getByTestId('patch-size')).toBeVisible();
});

test('Dataset builder lists a mask without image as a problem naming the file', async ({ page }) => {
  const root = await makeFolders();
  fs.rmSync(path.join(root, 'images', 'b2.nrrd'));
  await openApp(page);
  await page.getByRole('tab', { name: 'Plan' }).click();
  const input = page.getByTestId('builder-folder-input');
  for (const d of ['images', 'organ']) await input.setInputFiles(path.join(root, d));
  await expect(page.getByTestId('builder-problems')).toContainText(
    "organ/b2.nrrd: is a mask for case 'b2', which has no image",
  );
  await expect(page.getByTestId('builder-build')).toBeDisabled();
});

test('a reference label map beside a segmentation: per-label Dice and volume difference, as nnU-Net counts', async ({
  page,
}) => {
  // nnU-Net's own numbers for this pair: tests/fixtures/evaluation/labels/summary.json
  const dir = path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    '../tests/fixtures/evaluation/labels',
  );
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8').replace(/NaN/g, 'null'));
  const nnunet = summary.metric_per_case[0].metrics;
  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(path.join(dir, 'gt/case_000.nii.gz'));
  await page.getByTestId('label-input').setInputFiles(path.join(dir, 'gt/case_000.nii.gz'));
  await page.getByTestId('label-input').setInputFiles(path.join(dir, 'pred/case_000.nii.gz'));
  const table = page.getByTestId('label-comparison');
  await expect(table).toBeVisible();
  const rows = table.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  const dice = await rows.evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.dice)));
  const labels = Object.keys(nnunet)
    .filter((k) => nnunet[k].TP + nnunet[k].FP + nnunet[k].FN > 0)
    .map(Number)
    .sort((a, b) => a - b);
  expect(dice).toEqual(labels.map((k) => nnunet[String(k)].Dice));
});
