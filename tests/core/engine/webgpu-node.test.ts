import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FixtureReport } from '../../../src/core/engine/fixture';
import type { KernelCheck } from '../../../src/core/engine/self-check';
import { REFERENCE } from '../../helpers/shared';
import { runWebgpuScript, webgpuNodeUnavailable } from '../../helpers/webgpu-node';
import { ENGINE_FIXTURES } from './helpers';

const CHILD = 'tests/core/engine/webgpu-child.ts';
// SwiftShader runs WGSL on the CPU: beside the other test files on 2 cores these take minutes
const SLOW = 600_000;

describe.skipIf(webgpuNodeUnavailable)('WebGPU backend in Node (Dawn on SwiftShader)', () => {
  it(
    'every kernel matches the CPU twin',
    () => {
      const r = runWebgpuScript<{ kernels: KernelCheck[] }>(CHILD, ['kernels']);
      expect(r.kernels.length).toBeGreaterThan(30);
      for (const k of r.kernels) expect(k.relErr, k.name).toBeLessThan(1e-5);
    },
    SLOW,
  );

  it(
    'a short fine-tune lowers the loss',
    () => {
      const r = runWebgpuScript<{ losses: number[] }>(CHILD, ['finetune']);
      expect(r.losses).toHaveLength(24);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(r.losses.slice(-6))).toBeLessThan(mean(r.losses.slice(0, 6)) - 0.1);
    },
    SLOW,
  );

  it(
    'training-step fixtures within 1e-3 relative',
    () => {
      const dirs = [
        path.join(REFERENCE, 'training_step_a'),
        path.join(ENGINE_FIXTURES, 'ds-bd-2ch-4st'),
        path.join(ENGINE_FIXTURES, 'resenc-2d-clip'),
      ];
      const r = runWebgpuScript<{ fixtures: FixtureReport[] }>(CHILD, ['fixtures', ...dirs]);
      expect(r.fixtures).toHaveLength(3);
      for (const f of r.fixtures) {
        expect(f.backend).toBe('webgpu');
        expect(f.max_rel_err_loss, f.variant).toBeLessThan(1e-5);
        expect(f.max_rel_err_grad, f.variant).toBeLessThan(1e-3);
        expect(f.max_rel_err_weights, f.variant).toBeLessThan(1e-4);
        expect(f.max_rel_err_logits!, f.variant).toBeLessThan(1e-4);
        expect(f.parameters_without_gradient_match, f.variant).toBe(true);
      }
    },
    SLOW,
  );
});
