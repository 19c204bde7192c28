import fs from 'node:fs';
import path from 'node:path';
import { canvasDiff, expect, loadDemo, SHARED, TMP, test } from './fixtures';

const ANATOMICAL = path.join(SHARED, 'data/volumes/mr/nibabel_anatomical.nii');

test('the viewer as clinicians expect: outline, radiological convention, readout, units, 4-D, load time, duplicates', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await loadDemo(page);
  const canvas = page.getByTestId('viewer-canvas');
  await page.waitForTimeout(500);

  // outline mode draws outlines: the interior of each label is no longer filled
  const filled = await canvas.screenshot();
  await page.getByTestId('label-outline').check();
  await page.waitForTimeout(800);
  const outlined = await canvas.screenshot();
  expect(await canvasDiff(page, filled, outlined)).toBeGreaterThan(500);
  await page.getByTestId('label-outline').uncheck();
  await page.waitForTimeout(800);
  expect(await canvasDiff(page, filled, await canvas.screenshot())).toBeLessThan(50);

  // radiological convention by default (patient left on screen right), with a switch that mirrors the view
  await expect(page.getByTestId('radiological')).toBeChecked();
  await page.getByTestId('radiological').uncheck();
  await page.waitForTimeout(800);
  expect(await canvasDiff(page, filled, await canvas.screenshot())).toBeGreaterThan(500);
  await page.getByTestId('radiological').check();

  // the cursor readout is in HU on the CT …
  const box = (await canvas.boundingBox())!;
  // (a point in the first 2-D tile of the multiplanar layout)
  await canvas.click({ position: { x: box.width * 0.2, y: box.height * 0.25 } });
  await expect(page.getByTestId('cursor-readout')).toContainText('HU');
  // … and reset when another scan opens; that MR has no HU anywhere
  await page.getByTestId('file-input').setInputFiles(ANATOMICAL);
  await expect(page.getByTestId('scan-name')).toHaveText('nibabel_anatomical.nii');
  await expect(page.getByTestId('cursor-readout')).toHaveText('');
  await canvas.click({ position: { x: box.width * 0.25, y: box.height * 0.3 } });
  await expect(page.getByTestId('cursor-readout')).toContainText('value');
  await expect(page.getByTestId('cursor-readout')).not.toContainText('HU');
  await expect(page.getByTestId('header-panel')).not.toContainText('HU');

  // the status line's load time includes drawing, and the same file twice is told apart
  await expect(page.getByTestId('last-timing')).toHaveText(/^Loaded nibabel_anatomical\.nii in \d+\.\d\d s$/);
  await page.getByTestId('file-input').setInputFiles(ANATOMICAL);
  await expect(page.getByTestId('scan-list')).toContainText('nibabel_anatomical.nii (2)');

  // a 4-D series gets a frame control that changes the picture
  await page
    .getByTestId('file-input')
    .setInputFiles(path.join(SHARED, 'data/volumes/4d/nibabel_example4d.nii.gz'));
  await expect(page.getByTestId('frame-readout')).toHaveText(/^1\/\d+$/);
  await page.waitForTimeout(800);
  const f0 = await canvas.screenshot();
  const slider = page.getByTestId('frame');
  await slider.focus();
  await page.keyboard.press('End');
  await expect(page.getByTestId('frame-readout')).not.toHaveText(/^1\//);
  await page.waitForTimeout(800);
  expect(await canvasDiff(page, f0, await canvas.screenshot())).toBeGreaterThan(20);
});

test('nothing in the right panel is clipped at 1280×800', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await loadDemo(page);
  fs.mkdirSync(TMP, { recursive: true });
  for (const mode of ['View', 'Plan', 'Segment', 'Fine-tune']) {
    await page.getByRole('tab', { name: mode }).click();
    if (mode === 'Plan') await page.waitForTimeout(3000);
    await page.waitForTimeout(500);
    await page.screenshot({ path: path.join(TMP, `right-panel-1280x800-${mode}.png`) });
    // every text-bearing element of the right panel fits its box (no hidden overflow, no ellipsis cut)
    const clipped = await page.evaluate(() => {
      const panel = document.querySelector('.right-panel');
      if (!panel) return ['no .right-panel'];
      const out: string[] = [];
      const p = panel.getBoundingClientRect();
      for (const el of panel.querySelectorAll<HTMLElement>('*')) {
        if (!el.offsetParent || el.tagName === 'OPTION' || el.closest('svg')) continue;
        const text = (el.textContent ?? '').trim().slice(0, 60) || el.tagName;
        const style = getComputedStyle(el);
        if (
          el.scrollWidth > el.clientWidth + 1 &&
          (style.overflowX === 'hidden' || style.textOverflow === 'ellipsis')
        )
          out.push(`cut: ${text}`);
        const r = el.getBoundingClientRect();
        if (r.width > 0 && r.right > p.right + 1 && style.position !== 'fixed')
          out.push(`past the panel: ${text}`);
      }
      return out;
    });
    expect(clipped, `${mode}: ${clipped.join(' | ')}`).toEqual([]);
  }
});
