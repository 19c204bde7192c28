import { describe, expect, it } from 'vitest';
import { axisCodes } from '../../../src/core/io/volume/affine';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { minMax } from '../../../src/core/io/volume/volume';
import { sharedBytes, sharedJson } from '../../helpers/shared';

interface ManifestEntry {
  shape: number[];
  pixdim?: number[];
  spacing?: number[];
  on_disk_dtype?: string;
  dtype?: string;
  nibabel_affine?: number[][];
  affine_ras?: number[][];
  axcodes_ras: string;
  scaled_min?: number;
  scaled_max?: number;
  scaled_mean?: number;
  min?: number;
  max?: number;
  mean?: number;
  format: string;
}

const manifest = sharedJson<Record<string, ManifestEntry>>('data/volumes/manifest.json');

describe('every volume in shared/data against its manifest', () => {
  for (const [rel, e] of Object.entries(manifest)) {
    it(rel, async () => {
      const v = await readVolume(sharedBytes(`data/${rel}`), rel);
      expect(v.shape).toEqual(e.shape);
      const spacing = e.pixdim ?? e.spacing!;
      for (const [i, s] of v.spacing.entries()) expect(s).toBeCloseTo(spacing[i], 5);
      expect(v.source.format).toBe(e.format);
      const affine = e.nibabel_affine ?? e.affine_ras!;
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 4; c++) expect(v.affine[r][c]).toBeCloseTo(affine[r][c], 4);
      expect(axisCodes(v.affine)).toBe(e.axcodes_ras);
      const [lo, hi] = minMax(v.data);
      const min = e.scaled_min ?? e.min!;
      const max = e.scaled_max ?? e.max!;
      expect(lo).toBeCloseTo(min, 2);
      expect(hi / max).toBeCloseTo(1, 6);
      let sum = 0;
      for (let i = 0; i < v.data.length; i++) sum += v.data[i];
      expect(sum / v.data.length / (e.scaled_mean ?? e.mean!)).toBeCloseTo(1, 5);
    });
  }
});
