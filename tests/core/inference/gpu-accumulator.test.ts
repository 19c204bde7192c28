import { describe, expect, it } from 'vitest';
import { runWebgpuScript, webgpuNodeUnavailable } from '../../helpers/webgpu-node';
import { CASES } from './sliding-window-cases';

describe('sliding-window tile arithmetic on the GPU (WGSL) equals the CPU accumulator bit for bit', () => {
  it.skipIf(webgpuNodeUnavailable !== null)('every case: 3-D, padding, TTA, folds, 2-D', () => {
    const r = runWebgpuScript<{
      results: { name: string; values: number; mismatches: number; readBackMismatches: number }[];
    }>('tests/core/inference/gpu-accumulator-child.ts');
    expect(r.results.map((x) => x.name)).toEqual(CASES.map((c) => c.name));
    for (const x of r.results) {
      expect(x.values).toBeGreaterThan(0);
      expect(x.mismatches, x.name).toBe(0);
      expect(x.readBackMismatches, `${x.name} (read back)`).toBe(0);
    }
  });
});
