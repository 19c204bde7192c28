import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelOutline } from '../../../src/core/inference/label-outline';
import { readVolume } from '../../../src/core/io/volume/read-volume';

const REF = JSON.parse(
  fs.readFileSync(path.resolve('tests/fixtures/viewer/outline_ts_example_ct_sm_seg.json'), 'utf8'),
);

describe('label outline', () => {
  it('equals SciPy (mask minus its 6-neighbour erosion, per label) on the demo label map', async () => {
    const v = await readVolume(
      new Uint8Array(fs.readFileSync(path.resolve('public/demo/ts_example_ct_sm_seg.nii.gz'))),
      'seg',
    );
    expect(v.shape).toEqual(REF.shape);
    const out = labelOutline(v.data, v.shape);
    const counts: Record<string, number> = {};
    for (const x of out) if (x) counts[x] = (counts[x] ?? 0) + 1;
    expect(counts).toEqual(REF.counts);
    const u16 = Uint16Array.from(out);
    expect(createHash('sha256').update(new Uint8Array(u16.buffer)).digest('hex')).toBe(REF.sha256_uint16);
  });

  it('a solid 5×5×5 cube keeps its 98 surface voxels and drops the 27 inside', () => {
    const n = 7;
    const data = new Uint8Array(n * n * n);
    for (let z = 1; z < 6; z++)
      for (let y = 1; y < 6; y++) for (let x = 1; x < 6; x++) data[z * 49 + y * 7 + x] = 3;
    const out = labelOutline(data, [n, n, n]);
    expect(out.filter((x) => x === 3).length).toBe(125 - 27);
    expect(out[3 * 49 + 3 * 7 + 3]).toBe(0);
  });
});
