import fs from 'node:fs';
import path from 'node:path';
import { bytesSource } from '../src/core/io/archive/byte-source';
import { openZip, readZipEntry } from '../src/core/io/archive/zip-reader';
import { readNnunetCheckpoint } from '../src/core/model/nnunet-checkpoint';
import { expect, loadDemo, TMP, test } from './fixtures';

test('researcher flow: fine-tune the demo model on the scan’s labels (matched by name), use it, segment again, export a results folder', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await loadDemo(page);
  await page.getByRole('tab', { name: 'Fine-tune' }).click();
  const cases = page.getByTestId('finetune-cases');
  await expect(cases).toContainText('by name: spleen, kidney_right, kidney_left, liver');
  // nothing is chosen for the user, and the page says why it cannot start
  await expect(page.getByTestId('ft-prepare')).toBeDisabled();
  await expect(page.getByTestId('ft-blocked-reason')).toContainText('needs training data');
  await cases.locator('input[type=checkbox]').check();
  await expect(page.getByTestId('ft-blocked-reason')).toHaveCount(0);
  await expect(page.getByTestId('ft-validation-note')).toContainText(
    'the validation case is a training case',
  );
  await page.getByTestId('ft-patch').fill('16,32,32');
  await page.getByTestId('ft-epochs').fill('2');
  await page.getByTestId('ft-iterations').fill('4');
  await page.getByTestId('ft-backend').selectOption('cpu');
  // the time is measured (one iteration) and shown before Start
  await page.getByTestId('ft-prepare').click();
  await expect(page.getByTestId('ft-estimate')).toContainText('Estimated time: about', { timeout: 300_000 });
  await page.getByTestId('ft-start').click();
  await expect(page.getByTestId('training-chart')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('ft-use')).toBeVisible({ timeout: 300_000 });
  await expect(page.getByTestId('ft-dice')).toContainText('validation pseudo-Dice per class');

  // the results folder nnU-Net reads: plans.json, dataset.json, fold_all/checkpoint_final.pth
  const download = page.waitForEvent('download');
  await page.getByTestId('ft-download').click();
  const file = await download;
  const saved = path.join(TMP, file.suggestedFilename());
  await file.saveAs(saved);
  const zip = await openZip(bytesSource(new Uint8Array(fs.readFileSync(saved)), 'results.zip'));
  const names = [...zip.entries.keys()];
  expect(names).toContain('nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/plans.json');
  expect(names).toContain('nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/dataset.json');
  expect(names).toContain('nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/model.onnx');
  // valid MS-DOS timestamps (this year), not the zero date unzip reports as damage
  const bytes = fs.readFileSync(saved);
  const dosDate = bytes.readUInt16LE(12);
  expect(1980 + (dosDate >> 9)).toBe(new Date().getFullYear());
  expect((dosDate >> 5) & 15).toBe(new Date().getMonth() + 1);
  const ckptName = names.find((n) => n.endsWith('checkpoint_final.pth'))!;
  const ckpt = await readNnunetCheckpoint(
    bytesSource(await readZipEntry(zip, ckptName), 'checkpoint_final.pth'),
  );
  expect(ckpt.configuration).toBe('3d_fullres_tiny');
  expect(ckpt.currentEpoch).toBe(2);
  expect(ckpt.weights.has('encoder.stages.0.0.convs.0.conv.weight')).toBe(true);

  await page.getByTestId('ft-use').click();
  await page.getByRole('tab', { name: 'Segment' }).click();
  await expect(page.getByTestId('model-list')).toContainText('fine-tuned');
  await page.getByTestId('backend').selectOption('wasm');
  await page.getByTestId('segment').click();
  await expect(page.getByTestId('segment-timing')).toContainText('on wasm', { timeout: 300_000 });
  await expect(page.getByTestId('label-list')).toContainText('(fine-tuned)');

  // that segmentation is listed for training as what it is, and choosing it warns
  await page.getByRole('tab', { name: 'Fine-tune' }).click();
  const output = cases.locator('li', { hasText: 'model output, uncorrected' });
  await expect(output).toHaveCount(1);
  await output.locator('input[type=checkbox]').check();
  await expect(page.getByTestId('ft-uncorrected-warning')).toContainText(
    "a model's own output, not corrected",
  );
});
