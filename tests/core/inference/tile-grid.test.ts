import { describe, expect, it } from 'vitest';
import { cropBox, rasterizeTiles, tileGrid } from '../../../src/core/inference/tile-grid';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import { sharedBytes } from '../../helpers/shared';

const config = { spacing: [3, 3, 3], patchSize: [32, 112, 128], transposeForward: [0, 1, 2] };

describe('sliding-window tiles drawn on the scan', () => {
  it('the small demo CT is one tile covering it; 8 evaluations with mirroring', async () => {
    const ct = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm.nii.gz'), 'ct');
    const g = tileGrid(cropBox([ct.data], zyxShape(ct)), zyxShape(ct), zyxSpacing(ct), config);
    expect(g.networkShape).toEqual([30, 101, 122]);
    expect(g.evaluations).toEqual({ plain: 1, mirrored: 8 });
    expect(g.tiles[0]).toEqual([
      [0, 30],
      [0, 101],
      [0, 122],
    ]);
  });

  it('a 6 mm CT seen by a 3 mm model: 6 tiles at z steps of 16 network slices = 8 source slices', async () => {
    const ct = await readVolume(
      sharedBytes('reference/raw/Dataset001_TSAbdomenCT/imagesTs/tsct6mm_000_0000.nii.gz'),
      'ct6',
    );
    const g = tileGrid(cropBox([ct.data], zyxShape(ct)), zyxShape(ct), zyxSpacing(ct), config);
    expect(g.networkShape).toEqual([112, 101, 122]);
    expect(g.tiles).toHaveLength(6);
    expect(g.tiles.map((t) => t[0])).toEqual([
      [0, 16],
      [8, 24],
      [16, 32],
      [24, 40],
      [32, 48],
      [40, 56],
    ]);
    const raster = rasterizeTiles(g, zyxShape(ct), { grid: true, patch: true });
    const counts = [0, 0, 0];
    for (const v of raster) counts[v]++;
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBeGreaterThan(0);
  });

  it('2-D configurations tile every slice', async () => {
    const ct = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm.nii.gz'), 'ct');
    const g = tileGrid(cropBox([ct.data], zyxShape(ct)), zyxShape(ct), zyxSpacing(ct), {
      spacing: [3, 3],
      patchSize: [112, 128],
      transposeForward: [0, 1, 2],
    });
    expect(g.tiles).toHaveLength(30);
    expect(g.evaluations.mirrored).toBe(30 * 4);
  });
});
