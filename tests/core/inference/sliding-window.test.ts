import { describe, expect, it } from 'vitest';
import {
  computeGaussian,
  computeSteps,
  evaluationCount,
  tileOrigins,
} from '../../../src/core/inference/sliding-window';
import { referenceNpy, sharedJson } from '../../helpers/shared';

interface StepsCase {
  image_size: number[];
  tile_size: number[];
  tile_step_size: number;
  steps: number[][];
}
const ref = sharedJson<{
  compute_steps_for_sliding_window: StepsCase[];
  compute_gaussian: { tile_size: number[]; sum_fp64: number; min: number; max: number };
}>('reference/inference/sliding_window_cases.json');

describe('sliding window', () => {
  for (const c of ref.compute_steps_for_sliding_window) {
    it(`steps for ${c.image_size} / ${c.tile_size} / ${c.tile_step_size}`, () => {
      expect(computeSteps(c.image_size, c.tile_size, c.tile_step_size)).toEqual(c.steps);
    });
  }

  it('tile origins and evaluation counts', () => {
    const steps = computeSteps([200, 512, 512], [128, 128, 128], 0.5);
    expect(tileOrigins(steps)).toHaveLength(3 * 7 * 7);
    expect(tileOrigins([[0, 5], [0], [1, 2]])).toEqual([
      [0, 0, 1],
      [0, 0, 2],
      [5, 0, 1],
      [5, 0, 2],
    ]);
    expect(evaluationCount(steps, [0, 1, 2])).toBe(147 * 8);
  });

  it('Gaussian importance map equals nnU-Net float16 map exactly', async () => {
    const g = computeGaussian(ref.compute_gaussian.tile_size);
    const expected = await referenceNpy('reference/inference/gaussian_32x112x128_fp16.npy.gz');
    expect(expected.shape).toEqual(ref.compute_gaussian.tile_size);
    let mismatches = 0;
    let sum = 0;
    for (let i = 0; i < g.length; i++) {
      if (g[i] !== expected.data[i]) mismatches++;
      sum += g[i];
    }
    expect(mismatches).toBe(0);
    expect(sum).toBeCloseTo(ref.compute_gaussian.sum_fp64, 3);
  });
});
