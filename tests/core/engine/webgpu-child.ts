/**
 * Child process of webgpu-node.test.ts (needs LD_LIBRARY_PATH/VK_ICD_FILENAMES for SwiftShader): kernel
 * parity against the CPU twin and the training-step fixtures on WebGPU. Prints one JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { create, globals } from 'webgpu';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { type FixtureReport, runFixture } from '../../../src/core/engine/fixture';
import { heInit } from '../../../src/core/engine/he-init';
import { runKernelSelfCheck } from '../../../src/core/engine/self-check';
import { UNet } from '../../../src/core/engine/unet';
import { WebGpuBackend } from '../../../src/core/engine/webgpu/webgpu-backend';
import { openGpu } from '../../../src/core/gpu/device';
import { defaultFineTuneOptions, FineTuner } from '../../../src/core/training/fine-tuner';
import { syntheticCase, tinySpec } from '../training/synthetic';

Object.assign(globalThis, globals);
const [mode, ...dirs] = process.argv.slice(2);
const ctx = await openGpu(create([]));
const be = new WebGpuBackend(ctx);
const out: { adapter: string; kernels?: unknown; fixtures?: FixtureReport[]; losses?: number[] } = {
  adapter: ctx.description,
};
if (mode === 'kernels') out.kernels = await runKernelSelfCheck(be, new CpuBackend());
if (mode === 'fixtures') {
  out.fixtures = [];
  for (const dir of dirs)
    out.fixtures.push(
      await runFixture(
        be,
        async (f) => new Uint8Array(fs.readFileSync(path.join(dir, f))),
        path.basename(dir),
      ),
    );
}
if (mode === 'finetune') {
  const net = new UNet(be, tinySpec());
  heInit(net, 2);
  const cases = [syntheticCase('a', [16, 16, 16], 1), syntheticCase('b', [16, 16, 16], 2)];
  const opts = {
    ...defaultFineTuneOptions([8, 8, 8], 2),
    iterationsPerEpoch: 12,
    epochs: 2,
    valIterations: 1,
  };
  const tuner = new FineTuner(net, cases, cases, opts);
  out.losses = [];
  tuner.on((e) => {
    if (e.type === 'iteration') out.losses!.push(e.loss);
  });
  await tuner.run();
}
be.dispose();
console.log(JSON.stringify(out));
process.exit(0);
