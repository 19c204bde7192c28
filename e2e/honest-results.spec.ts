import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { expect, loadDemo, openApp, SHARED, TMP, test } from './fixtures';

test('a CT model on a brain MR: a warning the user can override; the demonstration model says so', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-list').getByText('MeshNet').click();
  await page.getByTestId('load-model-demo').click();
  await expect(page.getByTestId('scan-list')).toContainText('brainchop_t1_crop.nii.gz', { timeout: 120_000 });
  // MeshNet on its own T1: nothing to warn about
  await expect(page.getByTestId('segment')).toBeEnabled();
  await expect(page.getByTestId('scan-model-warning')).toHaveCount(0);

  await page.getByTestId('model-list').getByText('tiny abdominal CT').click();
  await expect(page.getByTestId('model-demo-note')).toContainText('volumes are not measurements');
  const warning = page.getByTestId('scan-model-warning');
  await expect(warning).toContainText('trained on CT, but this scan is not in Hounsfield units');
  await expect(page.getByTestId('segment')).toBeDisabled();
  await expect(page.getByTestId('segment-disabled-reason')).toContainText('does not fit the model');
  await page.getByTestId('run-anyway').check();
  await expect(page.getByTestId('segment')).toBeEnabled();
});

test('an all-background label map says "no structure found" instead of an empty table', async ({ page }) => {
  await loadDemo(page);
  // the demo's own label map with every voxel set to background
  const seg = zlib.gunzipSync(
    fs.readFileSync(path.join(SHARED, 'data/volumes/ct/ts_example_ct_sm_seg.nii.gz')),
  );
  const offset = seg.readFloatLE(108);
  seg.fill(0, offset);
  fs.mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, 'empty_seg.nii.gz');
  fs.writeFileSync(file, zlib.gzipSync(seg));
  await page.getByTestId('label-input').setInputFiles(file);
  await expect(page.getByTestId('no-structure')).toContainText('No structure found');
  await expect(page.getByTestId('label-table')).toHaveCount(0);
});
