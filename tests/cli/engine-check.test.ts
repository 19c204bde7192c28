import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { REFERENCE } from '../helpers/shared';

describe('tessera engine-check', () => {
  it('prints the agreement with training_step_a as JSON (CPU)', async () => {
    const r = await runCli('engine-check', path.join(REFERENCE, 'training_step_a'), '--backend', 'cpu');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backend).toBe('cpu');
    expect(j.max_rel_err_loss).toBeLessThan(1e-4);
    expect(j.max_rel_err_grad).toBeLessThan(1e-4);
    expect(j.max_rel_err_weights).toBeLessThan(1e-4);
  });

  it('fails in one line with exit 2 on a folder that is not a fixture', async () => {
    const r = await runCli('engine-check', path.join(REFERENCE, 'raw'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('manifest.json');
  });

  it('refuses an unknown backend', async () => {
    const r = await runCli('engine-check', path.join(REFERENCE, 'training_step_a'), '--backend', 'tpu');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend');
  });
});
