import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { bytesSource } from '../src/core/io/archive/byte-source';
import { exportCheckpointToOnnx } from '../src/core/model/export-onnx';
import { networkSpecFromPlans } from '../src/core/model/network-spec';
import { readNnunetCheckpoint } from '../src/core/model/nnunet-checkpoint';

/**
 * ONNX exported from nnU-Net checkpoints, run by onnxruntime-web's WebGPU build in Chromium (SwiftShader here)
 * with `disable_cpu_ep_fallback` — session creation fails if any node would run on the CPU — and compared
 * with the wasm EP in the same page. The page and its files are served by the test itself (no app needed).
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist');
const ORIGIN = 'http://127.0.0.1:9';
const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

const MODELS = [
  {
    name: 'shared 3d_fullres_tiny',
    dir: path.resolve(
      ROOT,
      '../shared/reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
    ),
    configuration: '3d_fullres_tiny',
    checkpoint: 'fold_0/checkpoint_final.pth',
    spatial: [8, 16, 16],
  },
  {
    name: '2-D PlainConvUNet',
    dir: path.join(ROOT, 'tests/fixtures/models/Dataset901_Tiny2D/nnUNetTrainer__nnUNetPlans__2d'),
    configuration: '2d',
    checkpoint: 'fold_0/checkpoint_final.pth',
    spatial: undefined,
  },
  {
    name: '3-D ResidualEncoderUNet',
    dir: path.join(
      ROOT,
      'tests/fixtures/models/Dataset902_TinyResEnc/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres',
    ),
    configuration: '3d_fullres',
    checkpoint: 'fold_0/checkpoint_final.pth',
    spatial: undefined,
  },
];

for (const m of MODELS) {
  test(`${m.name}: every node on Chromium's WebGPU EP, equal to wasm`, async ({ page }) => {
    const ckpt = await readNnunetCheckpoint(
      bytesSource(new Uint8Array(fs.readFileSync(path.join(m.dir, m.checkpoint))), m.checkpoint),
    );
    const spec = networkSpecFromPlans(
      readJson(path.join(m.dir, 'plans.json')),
      m.configuration,
      readJson(path.join(m.dir, 'dataset.json')),
    );
    const spatial = m.spatial ?? spec.patchSize;
    const onnx = await exportCheckpointToOnnx(ckpt, spec, { spatialShape: spatial });
    await page.route(`${ORIGIN}/**`, (route) => {
      const p = new URL(route.request().url()).pathname;
      if (p === '/')
        return route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>ort</title>' });
      if (p === '/model.onnx')
        return route.fulfill({ body: Buffer.from(onnx), contentType: 'application/octet-stream' });
      const file = path.join(ORT_DIST, path.basename(p));
      return route.fulfill({
        body: fs.readFileSync(file),
        contentType: file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
      });
    });
    await page.goto(`${ORIGIN}/`);
    const result = await page.evaluate(
      async ([shape]) => {
        const ort = await import('/ort.webgpu.min.mjs' as string);
        ort.env.wasm.numThreads = 1;
        ort.env.wasm.wasmPaths = '/';
        const model = new Uint8Array(await (await fetch('/model.onnx')).arrayBuffer());
        const n = shape.reduce((a: number, b: number) => a * b, 1);
        const x = new Float32Array(n).map((_, i) => Math.sin(0.37 * i) * 2);
        const feeds = { input: new ort.Tensor('float32', x, shape) };
        const wasm = (
          await (await ort.InferenceSession.create(model, { executionProviders: ['wasm'] })).run(feeds)
        ).logits.data as Float32Array;
        const adapter = await (navigator as unknown as { gpu: GPU }).gpu.requestAdapter();
        const session = await ort.InferenceSession.create(model, {
          executionProviders: ['webgpu'],
          extra: { session: { disable_cpu_ep_fallback: '1' } },
        });
        const gpu = (await session.run(feeds)).logits.data as Float32Array;
        let d = 0;
        for (let i = 0; i < wasm.length; i++) d = Math.max(d, Math.abs(wasm[i] - gpu[i]));
        return { maxAbsDiff: d, n: wasm.length, f16: adapter?.features.has('shader-f16') ?? null };
      },
      [[1, spec.inputChannels, ...spatial]] as const,
    );
    console.info(
      `${m.name}: WebGPU vs wasm max|d| ${result.maxAbsDiff.toExponential(2)} over ${result.n} logits`,
    );
    expect(result.n).toBe(spec.numClasses * spatial.reduce((a, b) => a * b, 1));
    expect(result.maxAbsDiff).toBeLessThan(1e-4);
  });
}
