import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { swiftShaderEnv, swiftShaderPresent } from '../../../src/cli/swiftshader';

// Chromium's SwiftShader Vulkan driver lets Dawn (inside onnxruntime-node's WebGPU EP) run on a CPU.
describe.skipIf(!swiftShaderPresent())('exported graphs run entirely on the WebGPU EP', () => {
  it('every node on WebGPU (disable_cpu_ep_fallback) and equal to the CPU EP, for every architecture', () => {
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'webgpu-check.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      env: swiftShaderEnv(),
      encoding: 'utf8',
      timeout: 170_000,
    });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    expect(line, run.stderr).toMatch(/^\{/);
    const out = JSON.parse(line) as {
      error?: string;
      results: { name: string; maxAbsDiff: number; outputs: number }[];
      controlError: string;
    };
    expect(out.error).toBeUndefined();
    for (const r of out.results) {
      console.info(
        `WebGPU vs CPU EP, ${r.name}: max|d| ${r.maxAbsDiff.toExponential(2)} over ${r.outputs} logits`,
      );
      expect(r.maxAbsDiff, r.name).toBeLessThan(1e-4);
    }
    expect(out.results.length).toBe(10);
    expect(out.controlError).toMatch(/fallback to CPU EP has been explicitly disabled/);
  }, 180_000);
});
