import fs from 'node:fs';
import path from 'node:path';
import { canvasDiff, expect, openApp, SHARED, TMP, test } from './fixtures';

test('student flow: example dataset → plans → GPU memory slider re-plans → nnUNetPlans.json equal to nnU-Net’s', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Plan' }).click();
  await page.getByTestId('plan-preset').selectOption('Dataset001_TSAbdomenCT');
  await expect(page.getByTestId('patch-size')).toHaveText('32 × 112 × 128');
  await expect(page.getByTestId('batch-size')).toContainText('2');
  await expect(page.getByTestId('network-diagram')).toBeVisible();
  // the exported plans file is nnU-Net's, key for key
  const download = page.waitForEvent('download');
  await page.getByTestId('export-plans').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('nnUNetPlans.json');
  const saved = path.join(TMP, 'nnUNetPlans.json');
  await file.saveAs(saved);
  const ours = JSON.parse(fs.readFileSync(saved, 'utf8'));
  const theirs = JSON.parse(
    fs.readFileSync(path.join(SHARED, 'reference/Dataset001_TSAbdomenCT/nnUNetPlans.json'), 'utf8'),
  );
  expect(ours).toEqual(theirs);
  // less GPU memory: the 2-D batch shrinks here; on a large CT dataset the 3-D patch shrinks too
  await page.getByRole('button', { name: '2d', exact: true }).click();
  const batch8 = await page.getByTestId('batch-size').textContent();
  await page.getByTestId('gpu-memory').fill('2');
  await expect(page.getByTestId('gpu-memory-value')).toHaveText('2 GB');
  expect(await page.getByTestId('batch-size').textContent()).not.toEqual(batch8);
  await page.getByTestId('plan-preset').selectOption({ label: 'MSD Task03 Liver (CT, LiTS)' });
  await page.getByRole('button', { name: '3d_fullres', exact: true }).click();
  const patch2 = await page.getByTestId('patch-size').textContent();
  await page.getByTestId('gpu-memory').fill('40');
  await expect(page.getByTestId('patch-size')).not.toHaveText(patch2 ?? '');
  await page.getByTestId('planner').selectOption('nnUNetPlannerResEncL');
  await expect(page.getByTestId('gpu-memory-value')).toHaveText('24 GB');
});

test('a dropped nnU-Net dataset is fingerprinted in workers; patch box and tile grid are drawn on its first case', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Plan' }).click();
  await page
    .getByTestId('dataset-folder-input')
    .setInputFiles(path.join(SHARED, 'reference/raw/Dataset001_TSAbdomenCT'));
  await expect(page.getByTestId('fingerprint')).toContainText('3 cases', { timeout: 120_000 });
  await expect(page.getByTestId('histogram')).toBeVisible();
  await expect(page.getByTestId('fingerprint')).toContainText('0.5 % -37 · 99.5 % 78');
  await expect(page.getByTestId('patch-size')).toHaveText('32 × 112 × 128');
  await expect(page.getByTestId('tile-count')).toContainText('1 tile, 8 network evaluations with mirroring', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('label-list')).toContainText('tsct_000.nii.gz');
  const canvas = page.getByTestId('viewer-canvas');
  await page.waitForTimeout(1000);
  const withTiles = await canvas.screenshot();
  await page.getByLabel('patch box').uncheck();
  await page.getByLabel('tile grid').uncheck();
  await page.waitForTimeout(1000);
  const without = await canvas.screenshot();
  expect(await canvasDiff(page, withTiles, without)).toBeGreaterThan(500);
});
