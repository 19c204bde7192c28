import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { runFixture } from '../../../src/core/engine/fixture';
import { REFERENCE } from '../../helpers/shared';
import { dirReader, ENGINE_FIXTURES } from './helpers';

const fixtures = [
  path.join(REFERENCE, 'training_step_a'),
  path.join(ENGINE_FIXTURES, 'ds-bd-2ch-4st'),
  path.join(ENGINE_FIXTURES, 'resenc-2d-clip'),
];

describe('training-step fixtures on the CPU twin (1e-4 relative)', () => {
  for (const dir of fixtures) {
    it(path.basename(dir), async () => {
      const r = await runFixture(new CpuBackend(), dirReader(dir), path.basename(dir));
      expect(r.max_rel_err_loss).toBeLessThan(1e-6);
      expect(r.max_rel_err_grad).toBeLessThan(1e-4);
      expect(r.max_rel_err_weights).toBeLessThan(1e-5);
      expect(r.max_rel_err_logits).toBeLessThan(1e-5);
      expect(r.rel_err_grad_norm).toBeLessThan(1e-5);
      // Updates are differences of float32 weights: about 1e-4 is float32's floor on this measure.
      expect(r.max_rel_err_update).toBeLessThan(1e-3);
      expect(r.parameters_without_gradient_match).toBe(true);
    });
  }
});
