import { describe, expect, it } from 'vitest';
import { geometryFromAffine, writeNifti } from '../../../src/core/io/volume/nifti-writer';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { type DataType, typedView } from '../../../src/core/io/volume/volume';
import { sharedBytes } from '../../helpers/shared';

const SOURCES = [
  'data/volumes/ct/niivue_CT_pitch.nii.gz', // oblique qform and sform
  'data/volumes/mr/brainchop_t1_crop.nii.gz', // LIA, sform only
  'data/volumes/mr/nibabel_anatomical.nii', // big-endian
  'data/volumes/mr/ts_example_mr_sm.nii.gz', // LPS
  'data/volumes/nrrd/pyradiomics_brain1_image.nrrd', // geometry from an affine
];

describe('NIfTI writer round trips', () => {
  for (const rel of SOURCES) {
    for (const datatype of ['uint8', 'uint16', 'int16', 'float32'] as DataType[]) {
      it(`${rel} as ${datatype}`, async () => {
        const src = await readVolume(sharedBytes(rel), rel);
        // a label-like map on the same grid: values that fit every datatype
        const labels = new Float32Array(src.data.length);
        for (let i = 0; i < labels.length; i++) labels[i] = (i * 7) % 200;
        const bytes = await writeNifti({ data: labels, shape: src.shape, like: src, datatype });
        const back = await readVolume(bytes, 'written.nii.gz');
        expect(back.datatype).toBe(datatype);
        expect(back.shape).toEqual(src.shape);
        for (let r = 0; r < 4; r++)
          for (let c = 0; c < 4; c++) expect(back.affine[r][c]).toBeCloseTo(src.affine[r][c], 4);
        for (let i = 0; i < labels.length; i += 997) expect(back.data[i]).toBe(labels[i]);
        if (src.source.nifti) {
          const g = back.source.nifti!;
          expect(g.qformCode).toBe(src.source.nifti.qformCode);
          expect(g.sformCode).toBe(src.source.nifti.sformCode);
          expect(g.srow).toEqual(src.source.nifti.srow);
          expect([g.quaternB, g.quaternC, g.quaternD]).toEqual([
            src.source.nifti.quaternB,
            src.source.nifti.quaternC,
            src.source.nifti.quaternD,
          ]);
        }
      });
    }
  }

  it('keeps the voxels of the original exactly (int16 CT)', async () => {
    const src = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm.nii.gz'), 'ct');
    const back = await readVolume(await writeNifti({ data: src.data, shape: src.shape, like: src }), 'ct2');
    expect(Array.from(back.data)).toEqual(Array.from(src.data));
  });

  it('writes a qform matching the affine when the source was not NIfTI', async () => {
    const src = await readVolume(sharedBytes('data/volumes/nrrd/pyradiomics_breast1_image.nrrd'), 'nrrd');
    const g = geometryFromAffine(src.affine, src.spacing);
    const back = await readVolume(
      await writeNifti({ data: src.data, shape: src.shape, like: src }),
      'x.nii.gz',
    );
    // read it again through the qform alone: same affine
    const qOnly = { ...back, source: { ...back.source, nifti: { ...back.source.nifti!, sformCode: 0 } } };
    const { chooseAffine } = await import('../../../src/core/io/volume/nifti-reader');
    const aff = chooseAffine(qOnly.source.nifti!, back.shape);
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(aff[r][c]).toBeCloseTo(src.affine[r][c], 4);
    expect(g.qformCode).toBe(1);
  });

  it('views share the buffer (no copy) when asked', () => {
    const buf = new ArrayBuffer(352 + 8);
    const v = typedView(buf, 352, 'int16', 4);
    expect(v.buffer).toBe(buf);
    expect(v.length).toBe(4);
  });
});
