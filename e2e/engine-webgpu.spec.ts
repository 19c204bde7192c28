import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, test } from './fixtures';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(HERE, '../tests/fixtures/engine/ds-bd-2ch-4st');

test('engine kernels and a training-step fixture on Chromium WebGPU match the CPU twin', async ({ page }) => {
  test.setTimeout(600_000);
  const bundle = await build({
    entryPoints: [path.join(HERE, 'engine-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
  });
  const script = bundle.outputFiles[0].text;
  // A same-origin page of its own (the app's CSP does not apply to it).
  await page.route('**/__engine__/**', (route) => {
    const url = route.request().url();
    if (url.endsWith('check.js')) return route.fulfill({ contentType: 'text/javascript', body: script });
    return route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><script src="check.js"></script>',
    });
  });
  await page.goto('__engine__/index.html');
  await page.waitForFunction(() => 'tesseraEngineChecks' in globalThis);
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(FIXTURE))
    files[f] = fs.readFileSync(path.join(FIXTURE, f)).toString('base64');
  const r = await page.evaluate(
    (fx) =>
      (
        globalThis as unknown as {
          tesseraEngineChecks: (f: Record<string, string>) => Promise<{
            adapter: string;
            kernels: { name: string; relErr: number }[];
            report: Record<string, number | boolean>;
          }>;
        }
      ).tesseraEngineChecks(fx),
    files,
  );
  console.info(`Chromium WebGPU adapter: ${r.adapter}`);
  expect(r.kernels.length).toBeGreaterThan(30);
  for (const k of r.kernels) expect(k.relErr, k.name).toBeLessThan(1e-5);
  expect(r.report.max_rel_err_loss).toBeLessThan(1e-5);
  expect(r.report.max_rel_err_grad).toBeLessThan(1e-3);
  expect(r.report.max_rel_err_weights).toBeLessThan(1e-4);
  expect(r.report.parameters_without_gradient_match).toBe(true);
});
