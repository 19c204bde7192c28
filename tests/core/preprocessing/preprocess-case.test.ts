import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import { classLocationsToJson, type LabelDict } from '../../../src/core/preprocessing/class-locations';
import { readPreprocessingPlans } from '../../../src/core/preprocessing/plans-view';
import { preprocessCase, segStorage } from '../../../src/core/preprocessing/preprocess-case';
import { referenceNpy, sharedBytes, sharedJson } from '../../helpers/shared';

const RAW = 'reference/raw/Dataset001_TSAbdomenCT';
const PRE = 'reference/Dataset001_TSAbdomenCT';

interface RefProperties {
  spacing: number[];
  shape_before_cropping: number[];
  bbox_used_for_cropping: number[][];
  shape_after_cropping_and_before_resampling: number[];
  class_locations_summary: Record<string, { n: number; first5: number[][] }>;
  _reference: {
    data_sha256: string;
    seg_sha256: string;
    data_shape: number[];
    seg_label_counts: Record<string, number>;
  };
}

const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

describe('DefaultPreprocessor.run_case on Dataset001 (3d_fullres)', () => {
  const plans = readPreprocessingPlans(sharedJson(`${PRE}/nnUNetPlans.json`), '3d_fullres');
  const labels = sharedJson<{ labels: LabelDict }>(`${RAW}/dataset.json`).labels;
  for (const id of ['tsct_000', 'tsct_001', 'tsct_002']) {
    it(id, async () => {
      const image = await readVolume(sharedBytes(`${RAW}/imagesTr/${id}_0000.nii.gz`), `${id}_0000.nii.gz`);
      const label = await readVolume(sharedBytes(`${RAW}/labelsTr/${id}.nii.gz`), `${id}.nii.gz`);
      const r = preprocessCase(
        {
          channels: [image.data],
          shape: zyxShape(image),
          spacing: zyxSpacing(image),
          label: label.data,
          name: id,
        },
        plans,
        { labels },
      );
      const ref = sharedJson<RefProperties>(`${PRE}/nnUNetPlans_3d_fullres/${id}_properties.json`);
      expect(r.properties.spacing).toEqual(ref.spacing);
      expect(r.properties.shape_before_cropping).toEqual(ref.shape_before_cropping);
      expect(r.properties.bbox_used_for_cropping).toEqual(ref.bbox_used_for_cropping);
      expect(r.properties.shape_after_cropping_and_before_resampling).toEqual(
        ref.shape_after_cropping_and_before_resampling,
      );
      expect([r.data.length, ...r.shape]).toEqual(ref._reference.data_shape);
      // bit-identical float32 data and int8 seg
      expect(sha(r.data[0])).toBe(ref._reference.data_sha256);
      const seg = segStorage(r.seg);
      expect(seg).toBeInstanceOf(Int8Array);
      expect(sha(seg)).toBe(ref._reference.seg_sha256);
      const refSeg = await referenceNpy(`${PRE}/nnUNetPlans_3d_fullres/${id}_seg.npy`);
      expect(Array.from(seg)).toEqual(Array.from(refSeg.data));

      const locs = classLocationsToJson(r.classLocations!);
      expect(Object.keys(locs)).toEqual(Object.keys(ref.class_locations_summary));
      for (const [k, s] of Object.entries(ref.class_locations_summary)) {
        expect(locs[k].length).toBe(s.n);
        expect(locs[k].slice(0, 5)).toEqual(s.first5);
      }
    });
  }
});
