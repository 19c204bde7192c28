import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape } from '../../../src/core/io/volume/volume';
import { cropToNonzero, fillHoles, nonzeroMask } from '../../../src/core/preprocessing/crop';
import { sharedBytes, sharedJson } from '../../helpers/shared';

interface CropCase {
  input: string;
  bbox: [number, number][];
  cropped_shape: number[];
  nonzero_mask_voxels: number;
  nonzero_mask_sha256_bool: string;
  seg_label_counts: Record<string, number>;
}

const cases = sharedJson<{ crop_to_nonzero: CropCase[] }>(
  'reference/units/crop_resample_cases.json',
).crop_to_nonzero;

describe('crop_to_nonzero against nnU-Net', () => {
  for (const c of cases) {
    it(c.input, async () => {
      const v = await readVolume(sharedBytes(c.input.replace(/^shared\//, '')), c.input);
      const shape = zyxShape(v);
      const mask = nonzeroMask([v.data], shape);
      expect(createHash('sha256').update(mask).digest('hex')).toBe(c.nonzero_mask_sha256_bool);
      const r = cropToNonzero([v.data], shape);
      expect(r.bbox).toEqual(c.bbox);
      expect([1, ...r.shapeAfter]).toEqual(c.cropped_shape);
      expect(r.maskVoxels).toBe(c.nonzero_mask_voxels);
      const counts: Record<string, number> = {};
      for (const s of r.seg) counts[s] = (counts[s] ?? 0) + 1;
      expect(counts).toEqual(c.seg_label_counts);
    });
  }

  it('fills an enclosed cavity but not a tunnel to the border', () => {
    const shape: [number, number, number] = [5, 5, 5];
    const m = new Uint8Array(125);
    for (let z = 1; z < 4; z++)
      for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) m[z * 25 + y * 5 + x] = 1;
    m[2 * 25 + 2 * 5 + 2] = 0; // cavity
    const filled = m.slice();
    fillHoles(filled, shape);
    expect(filled[2 * 25 + 2 * 5 + 2]).toBe(1);
    m[2 * 25 + 2 * 5 + 3] = 0; // a tunnel from the cavity to the background at x = 4
    const open = m.slice();
    fillHoles(open, shape);
    expect(open[2 * 25 + 2 * 5 + 2]).toBe(0);
  });

  it('keeps label values inside the mask and marks background outside as -1', () => {
    const shape: [number, number, number] = [1, 1, 4];
    const r = cropToNonzero([new Float32Array([0, 5, 0, 7])], shape, new Uint8Array([0, 0, 3, 1]));
    // Every voxel of a 1×1×4 volume is on the border, so the zero at x=2 is background, not a hole.
    expect(r.bbox).toEqual([
      [0, 1],
      [0, 1],
      [1, 4],
    ]);
    expect(Array.from(r.seg)).toEqual([0, 3, 1]);
  });
});
