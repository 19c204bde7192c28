import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import { readVolume } from '../src/core/io/volume/read-volume';
import type { Volume } from '../src/core/io/volume/volume';

export const SHARED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../shared');
export const TMP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-results/files');

/** A copy of a shared file cut to `bytes` (a download that broke off). */
export function truncatedCopy(rel: string, bytes: number): string {
  fs.mkdirSync(TMP, { recursive: true });
  const out = path.join(TMP, `truncated_${path.basename(rel)}`);
  fs.writeFileSync(out, fs.readFileSync(path.join(SHARED, rel)).subarray(0, bytes));
  return out;
}

/** Every request the page makes, so tests can assert none leaves the origin. */
export const test = base.extend<{ requests: string[] }>({
  requests: async ({ page }, use) => {
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await use(urls);
  },
});

export { expect };

/** Pixels of the viewer canvas that differ between two captures (robust to antialiasing noise). */
export async function canvasDiff(page: Page, a: Buffer, b: Buffer): Promise<number> {
  return page.evaluate(
    async ([x, y]) => {
      const load = async (b64: string) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height);
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        return ctx.getImageData(0, 0, img.width, img.height).data;
      };
      const [p, q] = await Promise.all([load(x), load(y)]);
      let n = 0;
      for (let i = 0; i < p.length; i += 4) {
        if (Math.abs(p[i] - q[i]) + Math.abs(p[i + 1] - q[i + 1]) + Math.abs(p[i + 2] - q[i + 2]) > 30) n++;
      }
      return n;
    },
    [a.toString('base64'), b.toString('base64')] as const,
  );
}

/**
 * Open the app and wait until it has settled: on a first visit the service worker makes the page
 * cross-origin isolated and reloads it once.
 */
export async function openApp(page: Page): Promise<void> {
  await page.goto('./');
  await expect
    .poll(() => page.evaluate(() => self.crossOriginIsolated).catch(() => false), { timeout: 30_000 })
    .toBe(true);
  await expect(page.getByTestId('demo-ct')).toBeVisible();
}

export async function loadDemo(page: Page): Promise<void> {
  await openApp(page);
  await page.getByTestId('demo-ct').click();
  await expect(page.getByTestId('scan-list')).toContainText('ts_example_ct_sm.nii.gz');
  await expect(page.getByTestId('label-table')).toContainText('liver');
}

/** The active label map as the user saves it (Save as NIfTI), written to TMP/`file` and read back. */
export async function savedLabelMap(page: Page, file: string): Promise<Volume> {
  const download = page.waitForEvent('download');
  await page.getByTestId('save-nifti').click();
  const saved = path.join(TMP, file);
  await (await download).saveAs(saved);
  return readVolume(new Uint8Array(fs.readFileSync(saved)), 'page');
}
