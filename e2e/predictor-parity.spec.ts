import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVolume } from '../src/core/io/volume/read-volume';
import { expect, openApp, savedLabelMap, TMP, test } from './fixtures';

// One predictor behind the page and the CLI: the same results folder and scan give the same labels, with the
// cross-validation postprocessing.json applied in both (asked for in both, as nnUNetv2_apply_postprocessing).
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CASE = path.join(ROOT, 'tests/fixtures/inference/ct3d_folds');
const MODEL = path.join(CASE, 'Dataset910_SynthCT/nnUNetTrainer__nnUNetPlans__3d_fullres');
const SCAN = path.join(CASE, 'input/synthct_100_0000.nii.gz');

/**
 * `tessera predict` on the browser's own runtime (onnxruntime-web wasm), no TTA (the page's default), so page and
 * CLI differ only in who calls the predictor. Returns the output folder and the folds it used.
 */
function cliPredict(input: string, model: string, outName: string, ...extra: string[]) {
  const out = path.join(TMP, outName);
  fs.rmSync(out, { recursive: true, force: true });
  const log = execFileSync(
    process.execPath,
    [path.join(ROOT, 'bin/tessera.mjs'), 'predict', '-i', input, '-o', out, '-m', model].concat(
      ['--backend', 'wasm', '--disable-tta'],
      extra,
    ),
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return { out, folds: (JSON.parse(log) as { folds: string[] }).folds };
}

test('the page (inference worker) and `tessera predict` give identical labels, postprocessing included', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const run = cliPredict(path.join(CASE, 'input'), MODEL, 'parity-cli', '--postprocessing');
  expect(run.folds).toEqual(['0', '1', '2']);
  const cli = await readVolume(
    new Uint8Array(fs.readFileSync(path.join(run.out, 'synthct_100.nii.gz'))),
    'cli',
  );

  await openApp(page);
  await page.getByTestId('file-input').setInputFiles(SCAN);
  await expect(page.getByTestId('scan-list')).toContainText('synthct_100_0000.nii.gz');
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-folder-input').setInputFiles(MODEL);
  await expect(page.getByTestId('model-list')).toContainText('folds 0, 1, 2');
  await page.getByTestId('crossval-postprocessing').check();
  await page.getByTestId('backend').selectOption('wasm');
  await page.getByTestId('segment').click();
  await expect(page.getByTestId('segment-timing')).toContainText('on wasm', { timeout: 600_000 });
  await expect(page.getByTestId('segment-timing')).toContainText('postprocessed');

  const onPage = await savedLabelMap(page, 'parity-page.nii.gz');
  expect(onPage.shape).toEqual(cli.shape);
  let differ = 0;
  let foreground = 0;
  for (let i = 0; i < cli.data.length; i++) {
    if (onPage.data[i] !== cli.data[i]) differ++;
    if (cli.data[i] !== 0) foreground++;
  }
  expect(foreground).toBeGreaterThan(0);
  expect(differ).toBe(0);
});

test('a two-channel model segments in the page: channels matched by name, labels equal to the CLI', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const dir = path.join(ROOT, 'tests/fixtures/inference/mr2d');
  const model = path.join(dir, 'Dataset911_Synth2D/nnUNetTrainer__nnUNetPlans__2d');
  const run = cliPredict(path.join(dir, 'input'), model, 'parity-cli-2ch', '-f', '0');
  const cli = await readVolume(
    new Uint8Array(fs.readFileSync(path.join(run.out, 'synth2d_100.nii.gz'))),
    'cli',
  );

  await openApp(page);
  // the second channel first: the page matches files to channels by nnU-Net's suffix, not by load order
  await page.getByTestId('file-input').setInputFiles(path.join(dir, 'input/synth2d_100_0001.nii.gz'));
  await page.getByTestId('file-input').setInputFiles(path.join(dir, 'input/synth2d_100_0000.nii.gz'));
  await expect(page.getByTestId('scan-list')).toContainText('synth2d_100_0000.nii.gz');
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-folder-input').setInputFiles(model);
  await expect(page.getByTestId('channel-choice')).toBeVisible();
  await expect(page.getByTestId('channel-0').locator('option:checked')).toHaveText('synth2d_100_0000.nii.gz');
  await expect(page.getByTestId('channel-1').locator('option:checked')).toHaveText('synth2d_100_0001.nii.gz');
  await page.getByTestId('backend').selectOption('wasm');
  await page.locator('label.checkbox', { hasText: /^1$/ }).locator('input').uncheck();
  await page.getByTestId('segment').click();
  await expect(page.getByTestId('segment-timing')).toContainText('on wasm', { timeout: 600_000 });
  const onPage = await savedLabelMap(page, 'parity-page-2ch.nii.gz');
  let differ = 0;
  for (let i = 0; i < cli.data.length; i++) if (onPage.data[i] !== cli.data[i]) differ++;
  expect(cli.data.some((v) => v !== 0)).toBe(true);
  expect(differ).toBe(0);
});
