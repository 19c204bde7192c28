import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { discoverDataset, groupChannelFiles } from '../../../src/core/dataset/discover';
import { openDataset } from '../../../src/core/dataset/open-dataset';
import { type BlobLike, fileListSource } from '../../../src/core/dataset/source';
import { openZipSource } from '../../../src/core/dataset/zip-source';
import { parseDatasetJson } from '../../../src/core/nnunet/dataset-json';

const enc = new TextEncoder();
const datasetJson = enc.encode(
  JSON.stringify({
    channel_names: { '0': 'CT', '1': 'PET' },
    labels: { background: 0, a: 1 },
    numTraining: 2,
    file_ending: '.nii.gz',
  }),
);

function blob(bytes: Uint8Array): BlobLike {
  return {
    size: bytes.length,
    arrayBuffer: async () => bytes.slice().buffer as ArrayBuffer,
    slice: (a, b) => blob(bytes.subarray(a ?? 0, b ?? bytes.length)),
  };
}

const files: Record<string, Uint8Array> = {
  'Dataset009_X/dataset.json': datasetJson,
  'Dataset009_X/imagesTr/b_0001.nii.gz': enc.encode('b1'),
  'Dataset009_X/imagesTr/b_0000.nii.gz': enc.encode('b0'),
  'Dataset009_X/imagesTr/a_0000.nii.gz': enc.encode('a0'),
  'Dataset009_X/imagesTr/a_0001.nii.gz': enc.encode('a1'),
  'Dataset009_X/imagesTr/notes.txt': enc.encode('x'),
  'Dataset009_X/labelsTr/a.nii.gz': enc.encode('la'),
  'Dataset009_X/labelsTr/b.nii.gz': enc.encode('lb'),
  'Dataset009_X/imagesTs/t_0000.nii.gz': enc.encode('t0'),
  'Dataset009_X/imagesTs/t_0001.nii.gz': enc.encode('t1'),
  '__MACOSX/Dataset009_X/._dataset.json': enc.encode('junk'),
};

describe('dataset sources', () => {
  it('a zip: lists relative to the folder holding dataset.json, reads lazily (stored and deflated)', async () => {
    const zipped = zipSync(
      Object.fromEntries(Object.entries(files).map(([k, v], i) => [k, [v, { level: i % 2 ? 0 : 6 }]])),
    ) as Uint8Array;
    for (const data of [zipped, blob(zipped)]) {
      const src = await openZipSource(data, 'x.zip');
      expect(src.list().sort()).toContain('imagesTr/a_0000.nii.gz');
      expect(src.list().some((p) => p.includes('MACOSX'))).toBe(false);
      expect(new TextDecoder().decode(await src.read('labelsTr/b.nii.gz'))).toBe('lb');
      await expect(src.read('labelsTr/c.nii.gz')).rejects.toThrow('labelsTr/c.nii.gz: is not in x.zip');
    }
    await expect(openZipSource(enc.encode('not a zip at all, sorry'), 'y.zip')).rejects.toThrow(
      'y.zip: is not a zip archive',
    );
  });

  it('a dropped folder (webkitRelativePath list)', async () => {
    const src = fileListSource(
      Object.entries(files).map(([path, b]) => ({ path, file: blob(b) })),
      'Dataset009_X',
    );
    expect(new TextDecoder().decode(await src.read('imagesTr/b_0001.nii.gz'))).toBe('b1');
    expect(() => fileListSource([{ path: 'x/a.nii.gz', file: blob(enc.encode('')) }], 'x')).toThrow(
      'x: has no dataset.json',
    );
  });

  it('finds cases as nnU-Net does: sorted ids, channels by _XXXX, labels by id', async () => {
    const src = fileListSource(
      Object.entries(files).map(([path, b]) => ({ path, file: blob(b) })),
      'Dataset009_X',
    );
    const ds = await openDataset(src);
    expect(ds.cases).toEqual([
      { id: 'a', images: ['imagesTr/a_0000.nii.gz', 'imagesTr/a_0001.nii.gz'], label: 'labelsTr/a.nii.gz' },
      { id: 'b', images: ['imagesTr/b_0000.nii.gz', 'imagesTr/b_0001.nii.gz'], label: 'labelsTr/b.nii.gz' },
    ]);
    expect(ds.testCases).toEqual([{ id: 't', images: ['imagesTs/t_0000.nii.gz', 'imagesTs/t_0001.nii.gz'] }]);
    expect(ds.problems).toEqual([]);
  });

  it('groups channel files like get_identifiers_from_splitted_dataset_folder', () => {
    expect(
      groupChannelFiles(['c_1_0000.nii.gz', 'c_10_0000.nii.gz', 'c_1_0001.nii.gz', 'x.nii'], '.nii.gz'),
    ).toEqual([
      { id: 'c_1', images: ['c_1_0000.nii.gz', 'c_1_0001.nii.gz'] },
      { id: 'c_10', images: ['c_10_0000.nii.gz'] },
    ]);
  });

  it('a Decathlon layout: one (4-D) file per case, AppleDouble files skipped', () => {
    const msd = enc.encode(
      JSON.stringify({
        modality: { '0': 'T2', '1': 'ADC' },
        labels: { '0': 'background', '1': 'PZ' },
        numTraining: 1,
        training: [{ image: './imagesTr/p_1.nii.gz', label: './labelsTr/p_1.nii.gz' }],
      }),
    );
    const listing = ['dataset.json', 'imagesTr/p_1.nii.gz', 'imagesTr/._p_1.nii.gz', 'labelsTr/p_1.nii.gz'];
    const src = { name: 'Task05', list: () => listing, read: async () => msd };
    const parsed = parseDatasetJson(new TextDecoder().decode(msd), ['p_1.nii.gz', '._p_1.nii.gz']);
    expect(discoverDataset(src, parsed).cases).toEqual([
      { id: 'p_1', images: ['imagesTr/p_1.nii.gz'], label: 'labelsTr/p_1.nii.gz', channelsInFrames: true },
    ]);
  });
});
