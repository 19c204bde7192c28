// Bundled by engine-webgpu.spec.ts into a page script: the engine's kernel self-check and a training-step
// fixture on the browser's own WebGPU (Chromium on SwiftShader in CI), the CPU twin as the oracle.
import { CpuBackend } from '../src/core/engine/cpu/cpu-backend';
import { runFixture } from '../src/core/engine/fixture';
import { runKernelSelfCheck } from '../src/core/engine/self-check';
import { WebGpuBackend } from '../src/core/engine/webgpu/webgpu-backend';
import { openGpu } from '../src/core/gpu/device';

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

(globalThis as unknown as { tesseraEngineChecks: unknown }).tesseraEngineChecks = async (
  fixture: Record<string, string>,
) => {
  const ctx = await openGpu(navigator.gpu);
  const be = new WebGpuBackend(ctx);
  try {
    const kernels = await runKernelSelfCheck(be, new CpuBackend());
    const report = await runFixture(be, async (f) => {
      const b = fixture[f];
      if (b === undefined) throw new Error(`no ${f}`);
      return fromBase64(b);
    });
    return { adapter: ctx.description, kernels, report };
  } finally {
    be.dispose();
  }
};
