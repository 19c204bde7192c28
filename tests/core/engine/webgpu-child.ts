/**
 * Child process of webgpu-node.test.ts (needs LD_LIBRARY_PATH/VK_ICD_FILENAMES for SwiftShader): kernel
 * parity against the CPU twin and the training-step fixtures on WebGPU. Prints one JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { create, globals } from 'webgpu';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { type FixtureReport, runFixture } from '../../../src/core/engine/fixture';
import { runKernelSelfCheck } from '../../../src/core/engine/self-check';
import { openGpu } from '../../../src/core/engine/webgpu/gpu-device';
import { WebGpuBackend } from '../../../src/core/engine/webgpu/webgpu-backend';

Object.assign(globalThis, globals);
const [mode, ...dirs] = process.argv.slice(2);
const ctx = await openGpu(create([]));
const be = new WebGpuBackend(ctx);
const out: { adapter: string; kernels?: unknown; fixtures?: FixtureReport[] } = { adapter: ctx.description };
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
be.dispose();
console.log(JSON.stringify(out));
process.exit(0);
