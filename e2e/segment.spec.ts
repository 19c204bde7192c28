import fs from 'node:fs';
import path from 'node:path';
import { readVolume } from '../src/core/io/volume/read-volume';
import { expect, loadDemo, openApp, SHARED, TMP, test } from './fixtures';

const TINY = path.join(
  SHARED,
  'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

async function segmentWith(
  page: import('@playwright/test').Page,
  backend: 'wasm' | 'webgpu',
  kernels?: 'tessera' | 'onnxruntime',
): Promise<string> {
  await page.getByTestId('backend').selectOption(backend);
  if (kernels) await page.getByTestId('gpu-kernels').selectOption(kernels);
  await page.getByTestId('segment').click();
  const on = kernels === 'tessera' ? 'on webgpu (Tessera kernels)' : `on ${backend}:`;
  await expect(page.getByTestId('segment-timing')).toContainText(on, { timeout: 600_000 });
  console.log(await page.getByTestId('segment-timing').textContent());
  return (await page.getByTestId('label-table').textContent()) ?? '';
}

test('clinician flow: demo CT → Segment → labels with names and mL → the same on WebGPU (both kernels) and wasm → Save as NIfTI', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await loadDemo(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await expect(page.getByTestId('model-list')).toContainText('3d_fullres_tiny');
  await expect(page.getByTestId('tile-estimate')).toContainText('1 network evaluation');
  const onWasm = await segmentWith(page, 'wasm');
  expect(onWasm).toContain('liver');
  // the built-in CT model is a demonstration: said beside its numbers
  await expect(page.getByTestId('demo-note')).toContainText('volumes are not measurements');
  expect(onWasm).toContain('spleen');
  await expect(page.getByTestId('label-list')).toContainText('segmentation');
  // voxel counts, mL and mean HU per label: identical on both backends, with either kernels on WebGPU
  const onOrtGpu = await segmentWith(page, 'webgpu', 'onnxruntime');
  expect(onOrtGpu).toEqual(onWasm);
  const onTesseraGpu = await segmentWith(page, 'webgpu', 'tessera');
  expect(onTesseraGpu).toEqual(onWasm);

  const download = page.waitForEvent('download');
  await page.getByTestId('save-nifti').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('ts_example_ct_sm_seg.nii.gz');
  const saved = path.join(TMP, file.suggestedFilename());
  await file.saveAs(saved);
  const labels = await readVolume(new Uint8Array(fs.readFileSync(saved)), 'saved');
  const ct = await readVolume(
    new Uint8Array(fs.readFileSync(path.join(SHARED, 'data/volumes/ct/ts_example_ct_sm.nii.gz'))),
    'ct',
  );
  expect(labels.shape).toEqual(ct.shape);
  expect(labels.affine).toEqual(ct.affine);
  expect(labels.source.nifti?.sformCode).toBe(ct.source.nifti?.sformCode);
  const liver = Array.from(labels.data).filter((v) => v === 4).length;
  expect(onWasm).toContain(liver.toLocaleString('en-US'));
});

test('MeshNet (ONNX + model card) segments the brain T1 into grey and white matter', async ({ page }) => {
  test.setTimeout(600_000);
  await openApp(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-list').getByText('MeshNet').click();
  await page.getByTestId('load-model-demo').click();
  await expect(page.getByTestId('scan-list')).toContainText('brainchop_t1_crop.nii.gz', { timeout: 120_000 });
  const table = await segmentWith(page, 'wasm');
  expect(table).toContain('White Matter');
  expect(table).toContain('Grey Matter');
  // a plausible adult brain: both tissues between 300 and 1000 mL
  const ml = await page
    .locator('[data-testid=label-table] tr[data-ml]')
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-ml'))));
  expect(ml).toHaveLength(2);
  for (const v of ml) expect(v).toBeGreaterThan(300);
  for (const v of ml) expect(v).toBeLessThan(1000);
});

test('researcher flow: an nnU-Net results folder is imported, listed with its folds and labels, and kept after a reload', async ({
  page,
}) => {
  await openApp(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-folder-input').setInputFiles(TINY);
  await expect(page.getByTestId('model-list')).toContainText('imported');
  await expect(page.getByTestId('model-list')).toContainText('folds 0 · 4 labels');
  await page.reload();
  await expect.poll(() => page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await expect(page.getByTestId('model-list')).toContainText('imported');
});

test('a broken model bundle gives an error naming the missing file', async ({ page }) => {
  const broken = path.join(TMP, 'broken_results');
  fs.rmSync(broken, { recursive: true, force: true });
  fs.mkdirSync(path.join(broken, 'fold_0'), { recursive: true });
  fs.copyFileSync(path.join(TINY, 'dataset.json'), path.join(broken, 'dataset.json'));
  fs.copyFileSync(
    path.join(TINY, 'fold_0/checkpoint_final.pth'),
    path.join(broken, 'fold_0/checkpoint_final.pth'),
  );
  await openApp(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-folder-input').setInputFiles(broken);
  await expect(page.getByTestId('banner-error')).toContainText('plans.json');
  await expect(page.getByTestId('banner-error')).toContainText('missing');
});

test('when WebGPU cannot run a model, the page says so and finishes on wasm', async ({ page }) => {
  test.setTimeout(600_000);
  // PyTorch's own export of the tiny model: its ConvTranspose3d nodes do not run on onnxruntime-web's WebGPU EP.
  const dir = path.join(TMP, 'convtranspose_bundle');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(TINY, 'fold_0/model.onnx'), path.join(dir, 'model.onnx'));
  const card = {
    format: 'tessera-model-card',
    version: 1,
    name: 'tiny CT (torch.onnx export)',
    model: 'model.onnx',
    input: { name: 'input', channels: 1, axis_order: 'zyx', shape: [32, 112, 128], conform: null },
    preprocessing: { kind: 'ct', mean: 38.56986999511719, std: 20.277849197387695, lower: -37, upper: 78 },
    output: { name: 'logits', kind: 'logits', activation: 'softmax', decision: 'argmax' },
    inference: { mode: 'sliding-window', patch_size: [32, 112, 128], step_size: 0.5, gaussian: true },
    labels: ['background', 'spleen', 'kidney_right', 'kidney_left', 'liver'].map((name, value) => ({
      value,
      name,
      color: [40 * value, 200 - 30 * value, 120],
    })),
  };
  fs.writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(card));
  await loadDemo(page);
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page
    .getByTestId('model-file-input')
    .setInputFiles([path.join(dir, 'model-card.json'), path.join(dir, 'model.onnx')]);
  await expect(page.getByTestId('model-list')).toContainText('tiny CT (torch.onnx export)');
  await page.getByTestId('backend').selectOption('webgpu');
  await page.getByTestId('segment').click();
  await expect(page.getByTestId('banner-info')).toContainText('retried on wasm', { timeout: 540_000 });
  await expect(page.getByTestId('segment-timing')).toContainText('on wasm', { timeout: 120_000 });
  await expect(page.getByTestId('label-table')).toContainText('liver');
});
