import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { expect, SHARED, test } from './fixtures';

// A server of our own, so that the test can stop it: the page must then work from its service worker.
const PORT = Number(process.env.TESSERA_E2E_PORT ?? 4317) + 1;
const URL_ = `http://127.0.0.1:${PORT}/tessera/`;

function startServer(): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['scripts/serve-dist.mjs', String(PORT), '--base', '/tessera/'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    server.stdout?.once('data', () => resolve(server));
    server.once('exit', (code) => reject(new Error(`serve-dist exited with ${code}`)));
  });
}

test('offline: after one visit, every mode works with the server stopped; what is missing fails at once', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const server = await startServer();
  try {
    await page.goto(URL_);
    await expect
      .poll(() => page.evaluate(() => self.crossOriginIsolated).catch(() => false), { timeout: 60_000 })
      .toBe(true);
    // the whole manifest is cached at install, not only what this visit fetched
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const version = await (await (await caches.open('tessera-meta')).match('version'))?.text();
            if (!version) return -1;
            const m = await (await fetch('precache-manifest.json')).json();
            const cache = await caches.open(`tessera-precache-${version}`);
            return m.files.length - (await cache.keys()).length;
          }),
        { timeout: 120_000 },
      )
      .toBe(0);
  } finally {
    server.kill();
  }
  await new Promise((r) => server.once('exit', r));
  // the server is gone: nothing answers on its port
  await expect(fetch(URL_)).rejects.toThrow();

  await page.reload();
  await expect(page.getByTestId('demo-ct')).toBeVisible({ timeout: 30_000 });

  // View: the demo CT
  await page.getByTestId('demo-ct').click();
  await expect(page.getByTestId('label-table')).toContainText('liver', { timeout: 60_000 });

  // Plan: a dropped dataset is fingerprinted (the dataset and planning workers come from the cache)
  await page.getByRole('tab', { name: 'Plan' }).click();
  await page
    .getByTestId('dataset-folder-input')
    .setInputFiles(path.join(SHARED, 'reference/raw/Dataset001_TSAbdomenCT'));
  await expect(page.getByTestId('fingerprint')).toContainText('3 cases', { timeout: 120_000 });

  // Fine-tune: prepared and timed (the training worker and the model come from the cache)
  await page.getByRole('tab', { name: 'Fine-tune' }).click();
  await page
    .getByTestId('finetune-cases')
    .locator('li', { hasText: 'ts_example_ct_sm' })
    .first()
    .locator('input')
    .check();
  await page.getByTestId('ft-patch').fill('16,32,32');
  await page.getByTestId('ft-backend').selectOption('cpu');
  await page.getByTestId('ft-prepare').click();
  await expect(page.getByTestId('ft-estimate')).toBeVisible({ timeout: 180_000 });

  // Segment: the brain demo scan and its model
  await page.getByRole('tab', { name: 'Segment' }).click();
  await page.getByTestId('model-list').getByText('MeshNet').click();
  await page.getByTestId('load-model-demo').click();
  await expect(page.getByTestId('scan-list')).toContainText('brainchop_t1_crop.nii.gz', { timeout: 120_000 });
  await expect(page.getByTestId('banner-error')).toHaveCount(0);

  // something that was never cached: an answer within a second, not a spinner
  const missing = await page.evaluate(async () => {
    const t0 = performance.now();
    const r = await fetch('demo/not-shipped.nii.gz');
    return { status: r.status, ms: performance.now() - t0, text: await r.text() };
  });
  expect(missing.status).toBe(504);
  expect(missing.text).toBe('not-shipped.nii.gz is not available offline');
  expect(missing.ms).toBeLessThan(1000);
});
