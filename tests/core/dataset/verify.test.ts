import { describe, expect, it } from 'vitest';
import type { DiscoveredDataset } from '../../../src/core/dataset/discover';
import {
  assertNoErrors,
  verifyCaseVolumes,
  verifyDatasetStructure,
  verifyLabelDeclarations,
} from '../../../src/core/dataset/verify';
import type { Volume, VoxelArray } from '../../../src/core/io/volume/volume';
import { datatypeOf } from '../../../src/core/io/volume/volume';

function vol(name: string, data: VoxelArray, shape = [2, 2, 2], spacing = [1, 1, 1], shift = 0): Volume {
  return {
    name,
    data,
    datatype: datatypeOf(data),
    shape,
    spacing,
    affine: [
      [spacing[0], 0, 0, shift],
      [0, spacing[1], 0, 0],
      [0, 0, spacing[2], 0],
      [0, 0, 0, 1],
    ],
    source: { format: 'NIfTI-1', datatypeOnDisk: 'x', littleEndian: true, compressed: true },
  };
}
const c = {
  id: 'a',
  images: ['imagesTr/a_0000.nii.gz', 'imagesTr/a_0001.nii.gz'],
  label: 'labelsTr/a.nii.gz',
};
const labels = { background: 0, x: 1, y: 2 };
const img = (data = new Float32Array(8).fill(1), ...rest: [number[]?, number[]?, number?]) =>
  vol('i', data, ...rest);

describe('verify_dataset_integrity', () => {
  it('a good case has no problem', () => {
    expect(
      verifyCaseVolumes(c, [img(), img()], vol('l', new Uint8Array([0, 1, 2, 0, 0, 0, 0, 1])), labels, 2),
    ).toEqual([]);
  });

  it('names the file for each fault', () => {
    const bad = verifyCaseVolumes(
      c,
      [img(), img(new Float32Array(8).fill(Number.NaN), [2, 2, 2], [1, 1, 1.5])],
      vol('l', new Uint8Array([0, 1, 5, 0, 0, 0, 0, 7])),
      labels,
      2,
    );
    expect(bad).toEqual([
      {
        severity: 'error',
        file: 'imagesTr/a_0001.nii.gz',
        message: 'has spacing (1.5, 1, 1) but imagesTr/a_0000.nii.gz has (1, 1, 1)',
      },
      {
        severity: 'error',
        file: 'imagesTr/a_0001.nii.gz',
        message: 'contains NaN voxels; replace them with a real value',
      },
      {
        severity: 'error',
        file: 'labelsTr/a.nii.gz',
        message: 'holds label values 5, 7 not declared in dataset.json (declared: 0, 1, 2)',
      },
    ]);
    const shape = verifyCaseVolumes(c, [img(), img()], vol('l', new Uint8Array(12), [3, 2, 2]), labels, 2);
    expect(shape[0]).toEqual({
      severity: 'error',
      file: 'labelsTr/a.nii.gz',
      message: 'has shape (2, 2, 3) but its image imagesTr/a_0000.nii.gz has (2, 2, 2)',
    });
    const moved = verifyCaseVolumes(
      c,
      [img(), img()],
      vol('l', new Uint8Array(8), [2, 2, 2], [1, 1, 1], 5),
      labels,
      2,
    );
    expect(moved.map((p) => p.severity)).toEqual(['warning', 'warning']); // misaligned, and only background
    expect(() => assertNoErrors(bad)).toThrow(
      'imagesTr/a_0001.nii.gz: has spacing (1.5, 1, 1) but imagesTr/a_0000.nii.gz has (1, 1, 1) (and 2 more problems)',
    );
    expect(() => assertNoErrors(moved)).not.toThrow();
  });

  it('checks label declarations: background, consecutive values, ignore highest, regions order', () => {
    expect(verifyLabelDeclarations({ background: 0, a: 1, b: 3 })).toEqual([
      {
        severity: 'error',
        file: 'dataset.json',
        message: 'label values must be consecutive (0, 1, 2, …); 3 break the sequence',
      },
    ]);
    expect(verifyLabelDeclarations({ a: 1 })[0].message).toBe("labels must declare 'background' (value 0)");
    expect(verifyLabelDeclarations({ background: 0, ignore: 1, a: 2 }).map((p) => p.message)).toEqual([
      'the ignore label (1) must be the highest value, one above the others (3)',
      'label values must be consecutive (0, 1, 2, …); 2, 1 break the sequence',
    ]);
    expect(verifyLabelDeclarations({ background: 0, whole: [1, 2], core: 2 })[0].message).toBe(
      "region labels (lists) need 'regions_class_order'",
    );
    expect(verifyLabelDeclarations({ background: 0, whole: [1, 2], core: 2 }, [1, 2])).toEqual([]);
  });

  it('checks the file listing against dataset.json', () => {
    const d: DiscoveredDataset = {
      datasetJson: { channel_names: { 0: 'CT', 1: 'PET' }, labels, numTraining: 3, file_ending: '.nii.gz' },
      format: 'v2',
      channels: ['CT', 'PET'],
      cases: [
        { id: 'a', images: ['imagesTr/a_0000.nii.gz', 'imagesTr/a_0001.nii.gz'], label: 'labelsTr/a.nii.gz' },
        { id: 'b', images: ['imagesTr/b_0000.nii.gz'], label: 'labelsTr/b.nii.gz' },
      ],
      testCases: [],
      files: new Set([
        'imagesTr/a_0000.nii.gz',
        'imagesTr/a_0001.nii.gz',
        'imagesTr/b_0000.nii.gz',
        'labelsTr/a.nii.gz',
      ]),
    };
    expect(verifyDatasetStructure(d).map((p) => `${p.file}: ${p.message}`)).toEqual([
      'dataset.json: numTraining is 3 but 2 training cases were found (e.g. a, b)',
      "labelsTr/b.nii.gz: is missing: case 'b' has no label file",
      "imagesTr/b_0000.nii.gz: case 'b' has 1 channel file but dataset.json declares 2 channels",
    ]);
  });
});
