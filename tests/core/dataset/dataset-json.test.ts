import { describe, expect, it } from 'vitest';
import { parseDatasetJson } from '../../../src/core/nnunet/dataset-json';
import { summarizeLabels } from '../../../src/core/nnunet/labels';
import { type PyJson, toPythonJson } from '../../../src/core/pycompat/python-json';

const v2 = {
  channel_names: { '0': 'T2', '1': 'ADC' },
  labels: { background: 0, PZ: 1, TZ: 2 },
  numTraining: 32,
  file_ending: '.nii.gz',
};

describe('dataset.json', () => {
  it('reads v2 as is, channel names in the file order', () => {
    const text =
      '{"channel_names": {"1": "ADC", "0": "T2"}, "labels": {"background": 0, "a": 1}, "numTraining": 2, "file_ending": ".nii.gz"}';
    const p = parseDatasetJson(text);
    expect(p.format).toBe('v2');
    // a JavaScript object would give T2 first; nnU-Net iterates the file order
    expect(p.channels).toEqual(['ADC', 'T2']);
    expect(parseDatasetJson(JSON.stringify(v2)).json).toEqual(v2);
  });

  it('converts nnU-Net v1 as nnUNetv2_convert_old_nnUNet_dataset does (keys, order, labels)', () => {
    const v1 = {
      name: 'Heart',
      tensorImageSize: '3D',
      modality: { '0': 'MRI' },
      labels: { '0': 'background', '1': 'left atrium' },
      numTraining: 20,
      numTest: 10,
      training: [{ image: './imagesTr/la_003.nii.gz', label: './labelsTr/la_003.nii.gz' }],
      test: ['./imagesTs/la_001.nii.gz'],
    };
    const p = parseDatasetJson(JSON.stringify(v1), ['la_003_0000.nii.gz']);
    expect(p.format).toBe('v1-nnunet');
    expect(toPythonJson(p.json as PyJson, { indent: 0 }).replace(/\n/g, '')).toBe(
      '{"name": "Heart","labels": {"background": 0,"left atrium": 1},"numTraining": 20,"channel_names": {"0": "MRI"},"file_ending": ".nii.gz"}',
    );
    expect(p.legacyTraining).toHaveLength(1);
  });

  it('converts a raw Decathlon dataset.json as nnUNetv2_convert_MSD_dataset does', () => {
    const msd = {
      name: 'Prostate',
      tensorImageSize: '4D',
      modality: { '0': 'T2', '1': 'ADC' },
      labels: { '0': 'background', '1': 'PZ', '2': 'TZ' },
      numTraining: 32,
      numTest: 16,
      training: [{ image: './imagesTr/prostate_16.nii.gz', label: './labelsTr/prostate_16.nii.gz' }],
      test: [],
    };
    const p = parseDatasetJson(JSON.stringify(msd), ['prostate_16.nii.gz', '._prostate_16.nii.gz']);
    expect(p.format).toBe('msd');
    expect(Object.keys(p.json)).toEqual([
      'name',
      'tensorImageSize',
      'labels',
      'numTraining',
      'numTest',
      'file_ending',
      'channel_names',
    ]);
    expect(p.json.labels).toEqual({ background: 0, PZ: 1, TZ: 2 });
    expect(p.channels).toEqual(['T2', 'ADC']);
  });

  it('names the fault of a broken file', () => {
    expect(() => parseDatasetJson('{"labels": {}}')).toThrow(
      "dataset.json: misses the required keys 'channel_names', 'numTraining', 'file_ending'",
    );
    expect(() => parseDatasetJson('{oops')).toThrow(/dataset.json: is not valid JSON/);
    expect(() => parseDatasetJson(JSON.stringify({ ...v2, labels: { background: 0, a: 'x' } }))).toThrow(
      "dataset.json: labels['a'] must be an integer or a list of integers (a region)",
    );
    expect(() => parseDatasetJson(JSON.stringify({ ...v2, file_ending: 'nii' }))).toThrow(/file_ending/);
  });

  it("summarises labels as nnU-Net's LabelManager (regions, ignore)", () => {
    expect(summarizeLabels({ background: 0, whole: [1, 2, 3], core: [2, 3], enh: 3 })).toEqual({
      allLabels: [0, 1, 2, 3],
      ignoreLabel: null,
      hasRegions: true,
    });
    expect(summarizeLabels({ background: 0, a: 1, ignore: 2 })).toEqual({
      allLabels: [0, 1],
      ignoreLabel: 2,
      hasRegions: false,
    });
  });
});
