import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { REFERENCE, sharedJson } from '../helpers/shared';

const RAW = path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT');
const PLANS = path.join(REFERENCE, 'Dataset001_TSAbdomenCT/nnUNetPlans.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-preprocess-'));
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('tessera preprocess', () => {
  it("writes nnU-Net's arrays and properties for the chosen cases", async () => {
    const out = path.join(tmp, 'pre');
    const r = await runCli(
      'preprocess',
      RAW,
      '--plans',
      PLANS,
      '-c',
      '3d_fullres',
      '-o',
      out,
      '--cases',
      'tsct_002',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual([
      'tsct_002_data.npy',
      'tsct_002_properties.json',
      'tsct_002_seg.npy',
    ]);
    const refDir = path.join(REFERENCE, 'Dataset001_TSAbdomenCT/nnUNetPlans_3d_fullres');
    // the seg file is byte-identical to nnU-Net's np.save output (header included)
    expect(sha(path.join(out, 'tsct_002_seg.npy'))).toBe(sha(path.join(refDir, 'tsct_002_seg.npy')));
    expect(sha(path.join(out, 'tsct_002_data.npy'))).toBe(sha(path.join(refDir, 'tsct_002_data.npy')));
    const props = JSON.parse(fs.readFileSync(path.join(out, 'tsct_002_properties.json'), 'utf8'));
    const ref = sharedJson<
      Record<string, unknown> & { class_locations_summary: Record<string, { n: number; first5: number[][] }> }
    >('reference/Dataset001_TSAbdomenCT/nnUNetPlans_3d_fullres/tsct_002_properties.json');
    for (const k of [
      'spacing',
      'shape_before_cropping',
      'bbox_used_for_cropping',
      'shape_after_cropping_and_before_resampling',
      'nibabel_stuff',
    ])
      expect(props[k]).toEqual(ref[k]);
    for (const [k, s] of Object.entries(ref.class_locations_summary)) {
      expect(props.class_locations[k]).toHaveLength(s.n);
      expect(props.class_locations[k].slice(0, 5)).toEqual(s.first5);
    }
  });

  it('fails with one line for a missing configuration, case or plans file', async () => {
    for (const args of [
      [RAW, '--plans', PLANS, '-c', '3d_lowres', '-o', tmp],
      [RAW, '--plans', PLANS, '-c', '3d_fullres', '-o', tmp, '--cases', 'nope'],
      [RAW, '--plans', path.join(tmp, 'none.json'), '-c', '3d_fullres', '-o', tmp],
      [path.join(tmp, 'no-dataset'), '--plans', PLANS, '-c', '3d_fullres', '-o', tmp],
    ]) {
      const r = await runCli('preprocess', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
