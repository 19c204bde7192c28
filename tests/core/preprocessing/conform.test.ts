import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { conformedGrid, type Grid, invertAffine, reslice } from '../../../src/core/preprocessing/conform';
import { sharedBytes } from '../../helpers/shared';

const grid = (v: { shape: number[]; affine: number[][] }): Grid => ({
  shape: [v.shape[0], v.shape[1], v.shape[2]],
  affine: v.affine,
});

describe('conform to 256³ 1 mm LIA', () => {
  it('maps an already conformed T1 onto itself, voxel for voxel', async () => {
    const t1 = await readVolume(sharedBytes('data/volumes/mr/brainchop_t1_crop.nii.gz'), 't1');
    const g = conformedGrid(grid(t1));
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(g.affine[r][c]).toBeCloseTo(t1.affine[r][c], 4);
    const out = reslice(t1.data, grid(t1), g, 'linear');
    let maxDiff = 0;
    for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - t1.data[i]));
    expect(maxDiff).toBeLessThan(1e-3);
  });

  it('round-trips labels through conformed space with nearest neighbour', async () => {
    const v = await readVolume(sharedBytes('data/volumes/mr/nibabel_anatomical.nii'), 'anat');
    const labels = new Uint8Array(v.data.length);
    for (let i = 0; i < labels.length; i++) labels[i] = v.data[i] > 8000 ? 2 : v.data[i] > 2000 ? 1 : 0;
    const g = conformedGrid(grid(v));
    expect(g.shape).toEqual([256, 256, 256]);
    const up = reslice(labels, grid(v), g, 'nearest');
    const back = reslice(up, g, grid(v), 'nearest');
    let same = 0;
    for (let i = 0; i < labels.length; i++) if (back[i] === labels[i]) same++;
    // 2 mm voxels sampled at 1 mm and back: identical except where nearest-neighbour ties round differently
    expect(same / labels.length).toBeGreaterThan(0.99);
  });

  it('trilinear sampling is exact for a linear ramp', () => {
    const from: Grid = {
      shape: [4, 5, 6],
      affine: [
        [2, 0, 0, 1],
        [0, 3, 0, -2],
        [0, 0, 1.5, 0.5],
        [0, 0, 0, 1],
      ],
    };
    const ramp = new Float32Array(4 * 5 * 6);
    for (let k = 0; k < 6; k++)
      for (let j = 0; j < 5; j++) for (let i = 0; i < 4; i++) ramp[i + 4 * j + 20 * k] = i + 10 * j + 100 * k;
    const to: Grid = {
      shape: [3, 3, 3],
      affine: [
        [1, 0, 0, 2],
        [0, 1, 0, 0],
        [0, 0, 1, 2],
        [0, 0, 0, 1],
      ],
    };
    const out = reslice(ramp, from, to, 'linear');
    const inv = invertAffine(from.affine);
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 3; j++)
        for (let i = 0; i < 3; i++) {
          const w = [i + 2, j, k + 2];
          const s = [0, 1, 2].map((r) => inv[r][0] * w[0] + inv[r][1] * w[1] + inv[r][2] * w[2] + inv[r][3]);
          expect(out[i + 3 * j + 9 * k]).toBeCloseTo(s[0] + 10 * s[1] + 100 * s[2], 3);
        }
  });
});
