import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryTree } from '../../../src/cli/node-file-tree';
import { convertMsdDataset } from '../../../src/core/dataset/convert-msd';
import { convertV1Dataset } from '../../../src/core/dataset/convert-v1';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { memorySink, memoryTree } from '../../helpers/memory-tree';

// Inputs and what nnU-Net v2's own converters made of them: scripts/fixtures/dataset_conversion_reference.py
const ROOT = path.resolve(__dirname, '../../fixtures/dataset-conversion');

interface Manifest {
  folders: string[];
  files: Record<
    string,
    { sha256: string; shape?: number[]; dtype?: string; affine?: number[][]; voxels_sha256?: string }
  >;
  dataset_json: string;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const manifest = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'expected', `${name}.json`), 'utf8')) as Manifest;

/** Every output file as nnU-Net's: copies byte for byte, volumes voxel for voxel at the same place in space. */
async function expectSameDataset(datasetName: string, files: Map<string, Uint8Array>, folders: string[]) {
  const want = manifest(datasetName);
  const prefix = `${datasetName}/`;
  const got = new Map([...files].map(([p, b]) => [p.slice(prefix.length), b]));
  expect([...got.keys()].sort()).toEqual(Object.keys(want.files).sort());
  expect(folders.map((f) => f.slice(prefix.length)).sort()).toEqual(want.folders);
  expect(new TextDecoder().decode(got.get('dataset.json'))).toBe(want.dataset_json);
  for (const [rel, w] of Object.entries(want.files)) {
    const bytes = got.get(rel) as Uint8Array;
    if (!w.voxels_sha256) {
      if (rel !== 'dataset.json') expect(sha256(bytes), rel).toBe(w.sha256);
      continue;
    }
    const v = await readVolume(bytes.slice(), rel);
    expect(v.shape, rel).toEqual(w.shape);
    expect(v.datatype, rel).toBe(w.dtype);
    const d = v.data;
    expect(sha256(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)), rel).toBe(w.voxels_sha256);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++)
        expect(v.affine[r][c], `${rel} affine[${r}][${c}]`).toBeCloseTo(w.affine?.[r][c] ?? NaN, 4);
  }
}

describe('convert-msd as nnUNetv2_convert_MSD_dataset', () => {
  it('splits 4-D images per modality, copies 3-D images and labels, skips . and _ files, converts dataset.json', async () => {
    const task = await directoryTree(path.join(ROOT, 'input', 'Task05_Tiny'));
    const sink = memorySink();
    const r = await convertMsdDataset(task, sink, {
      taskName: 'Task05_Tiny',
      existing: ['Dataset004_Other'],
    });
    expect(r.datasetName).toBe('Dataset005_Tiny');
    await expectSameDataset('Dataset005_Tiny', sink.files, sink.folders);
  });

  it('--overwrite-id renames the target; a taken id is refused', async () => {
    const task = await directoryTree(path.join(ROOT, 'input', 'Task05_Tiny'));
    const r = await convertMsdDataset(task, memorySink(), {
      taskName: 'Task05_Tiny',
      overwriteId: 205,
      existing: [],
    });
    expect(r.datasetName).toBe('Dataset205_Tiny');
    await expect(
      convertMsdDataset(task, memorySink(), { taskName: 'Task05_Tiny', existing: ['Dataset005_Prostate'] }),
    ).rejects.toThrow(/dataset id 5 is already taken by Dataset005_Prostate/);
  });

  it('an MSD folder without dataset.json: one line naming it', async () => {
    const tree = memoryTree('Task05_Tiny', { 'imagesTr/a.nii.gz': new Uint8Array(4) }, [
      'imagesTr',
      'imagesTs',
      'labelsTr',
    ]);
    await expect(
      convertMsdDataset(tree, memorySink(), { taskName: 'Task05_Tiny', existing: [] }),
    ).rejects.toThrow(/^Task05_Tiny\/dataset\.json: is missing/);
  });

  it('a task name nnU-Net cannot split is refused', async () => {
    const tree = memoryTree('x', { 'dataset.json': new Uint8Array(2) }, ['imagesTr', 'imagesTs', 'labelsTr']);
    await expect(
      convertMsdDataset(tree, memorySink(), { taskName: 'Task05_Tiny_Extra', existing: [] }),
    ).rejects.toThrow(/Task05_Tiny_Extra: the task folder must be named Task<NN>_<Name>/);
  });
});

describe('convert-v1 as nnUNetv2_convert_old_nnUNet_dataset', () => {
  it('copies the folders whole (junk included, as copytree) and converts dataset.json', async () => {
    const task = await directoryTree(path.join(ROOT, 'input', 'Task006_TinyV1'));
    const sink = memorySink();
    const r = await convertV1Dataset(task, sink, { taskName: 'Task006_TinyV1', existing: [] });
    expect(r.datasetName).toBe('Dataset006_TinyV1');
    await expectSameDataset('Dataset006_TinyV1', sink.files, sink.folders);
  });

  it('an existing target is refused', async () => {
    const task = await directoryTree(path.join(ROOT, 'input', 'Task006_TinyV1'));
    await expect(
      convertV1Dataset(task, memorySink(), { taskName: 'Task006_TinyV1', existing: ['Dataset006_TinyV1'] }),
    ).rejects.toThrow(/^Dataset006_TinyV1: already exists/);
  });
});
