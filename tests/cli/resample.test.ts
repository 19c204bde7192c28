import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/core/io/volume/npy';
import { runCli } from '../helpers/cli';
import { DATA, referenceNpy } from '../helpers/shared';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-resample-'));
const read = (f: string) => readNpy(new Uint8Array(fs.readFileSync(f)), f);

describe('tessera resample', () => {
  it('cubic image resampling matches nnU-Net (case 00)', async () => {
    const out = path.join(tmp, 'r0.npy');
    const r = await runCli(
      'resample',
      path.join(DATA, 'volumes/ct/ts_example_ct_sm.nii.gz'),
      '--spacing',
      '3,3,3',
      '--new-spacing',
      '2.9,3.7,3.3',
      '--new-shape',
      '31,82,111',
      '-o',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = read(out);
    const ref = await referenceNpy('reference/units/resample_case00_output.npy.gz');
    expect(got.shape).toEqual(ref.shape);
    expect(got.dtype).toBe('<f4');
    let maxDiff = 0;
    for (let i = 0; i < ref.data.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - ref.data[i]));
    expect(maxDiff).toBeLessThan(1e-3); // HU values: float32 rounding
  });

  it('separate-z label resampling matches nnU-Net exactly (case 08), spacing from the header', async () => {
    const out = path.join(tmp, 'r8.npy');
    const r = await runCli(
      'resample',
      path.join(DATA, 'volumes/ct/ts_example_ct_sm_seg.nii.gz'),
      '--new-spacing',
      '9.5,3,3',
      '--order',
      '1',
      '--seg',
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/separate z along axis 0/);
    const got = read(out);
    const ref = await referenceNpy('reference/units/resample_case08_output.npy');
    expect(got.dtype).toBe('<i2');
    expect(got.shape).toEqual([1, 9, 101, 122]);
    let mismatches = 0;
    for (let i = 0; i < ref.data.length; i++) if (got.data[i] !== ref.data[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('keeps the channels of a (c, z, y, x) .npy and needs its spacing', async () => {
    const src = path.join(tmp, 'two.npy');
    const { writeNpy } = await import('../../src/core/io/volume/npy');
    fs.writeFileSync(
      src,
      writeNpy(
        Float32Array.from({ length: 2 * 4 * 5 * 6 }, (_, i) => i % 17),
        [2, 4, 5, 6],
      ),
    );
    const noSpacing = await runCli('resample', src, '--new-shape', '8,10,12', '-o', path.join(tmp, 'x.npy'));
    expect(noSpacing.code).toBe(2);
    expect(noSpacing.stderr).toMatch(/--spacing z,y,x is required/);
    const out = path.join(tmp, 'two_out.npy');
    const r = await runCli(
      'resample',
      src,
      '--spacing',
      '2,2,2',
      '--new-shape',
      '8,10,12',
      '--order',
      '1',
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    expect(read(out).shape).toEqual([2, 8, 10, 12]);
  });

  it('rejects bad arguments with one line and exit code 2', async () => {
    const input = path.join(DATA, 'volumes/ct/ts_example_ct_sm.nii.gz');
    for (const args of [
      [input, '-o', path.join(tmp, 'y.npy')],
      [input, '--new-spacing', '1,1', '-o', path.join(tmp, 'y.npy')],
      [input, '--new-spacing', '1,1,1', '--order', '7', '-o', path.join(tmp, 'y.npy')],
      [input, '--new-spacing', '1,1,1', '--force-separate-z', 'maybe', '-o', path.join(tmp, 'y.npy')],
      [path.join(tmp, 'missing.nii.gz'), '--new-spacing', '1,1,1', '-o', path.join(tmp, 'y.npy')],
    ]) {
      const r = await runCli('resample', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
