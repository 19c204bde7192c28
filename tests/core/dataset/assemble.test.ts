import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AssembleInput, assembleDataset, planAssembly } from '../../../src/core/dataset/assemble';
import { writeNifti } from '../../../src/core/io/volume/nifti-writer';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import type { Volume } from '../../../src/core/io/volume/volume';
import { runCli } from '../../helpers/cli';
import { memorySink, memoryTree } from '../../helpers/memory-tree';
import { sharedBytes } from '../../helpers/shared';

const NRRD = 'data/volumes/nrrd';
const breastImage = () => sharedBytes(`${NRRD}/pyradiomics_breast1_image.nrrd`);
const breastOrgan = () => sharedBytes(`${NRRD}/pyradiomics_breast1_label.nrrd`);
const brainOrgan = () => sharedBytes(`${NRRD}/pyradiomics_brain1_label.nrrd`);

/** Typed arrays compared in a loop (vitest's deep equality is slow on large arrays). */
function expectSameVoxels(a: ArrayLike<number>, b: ArrayLike<number>, what: string) {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i]) throw new Error(`${what}: voxel ${i} is ${a[i]}, expected ${b[i]}`);
}

/** A mask on `like`'s grid, written as NIfTI (the folders may mix formats). */
async function maskLike(like: Volume, value: (i: number) => number): Promise<Uint8Array> {
  const data = new Uint8Array(like.data.length);
  for (let i = 0; i < data.length; i++) data[i] = value(i);
  return writeNifti({ data, shape: like.shape, like });
}

async function breastAndBrain() {
  const breast = await readVolume(breastImage(), 'breast1.nrrd');
  // a second case: the same scan (its own file name), with another tumour
  const brain = await readVolume(breastImage(), 'brain1.nrrd');
  // the tumour: a slab of voxels half inside, half outside the organ (it must paint over it)
  const tumour = (v: Volume) => (i: number) =>
    i % v.shape[0] > v.shape[0] / 2 && i % (v.name === 'brain1.nrrd' ? 5 : 7) === 0 ? 1 : 0;
  return {
    breast,
    brain,
    input: (extra: Partial<AssembleInput> = {}): AssembleInput => ({
      datasetName: 'Dataset501_Pyradiomics',
      channels: [
        {
          name: 'MR',
          tree: memoryTree('images', { 'breast1.nrrd': breastImage(), 'brain1.nrrd': breastImage() }),
        },
      ],
      labels: [
        {
          name: 'organ',
          tree: memoryTree('organ', { 'breast1.nrrd': breastOrgan(), 'brain1.nrrd': breastOrgan() }),
        },
        {
          name: 'tumour',
          tree: memoryTree('tumour', {
            // tumour masks hold 255: any non-zero value is the structure
            'breast1.nii.gz': new Uint8Array(0),
            'brain1.nii.gz': new Uint8Array(0),
          }),
        },
      ],
      ...extra,
    }),
    tumour,
  };
}

async function withTumours(b: Awaited<ReturnType<typeof breastAndBrain>>): Promise<AssembleInput> {
  const input = b.input();
  const files = {
    'breast1.nii.gz': await maskLike(b.breast, (i) => 255 * b.tumour(b.breast)(i)),
    'brain1.nii.gz': await maskLike(b.brain, (i) => 255 * b.tumour(b.brain)(i)),
  };
  input.labels[1] = { name: 'tumour', tree: memoryTree('tumour', files) };
  return input;
}

describe('assemble: image folder + organ and tumour mask folders → nnU-Net raw dataset', () => {
  it('merges masks in order (tumour over organ), keeps images and geometry, writes dataset.json', async () => {
    const b = await breastAndBrain();
    const sink = memorySink();
    const r = await assembleDataset(await withTumours(b), sink, { existing: [] });
    expect([...sink.files.keys()].sort()).toEqual(
      [
        'imagesTr/brain1_0000.nii.gz',
        'imagesTr/breast1_0000.nii.gz',
        'labelsTr/brain1.nii.gz',
        'labelsTr/breast1.nii.gz',
        'dataset.json',
      ]
        .map((p) => `Dataset501_Pyradiomics/${p}`)
        .sort(),
    );
    expect(r.plan.problems).toEqual([]);
    expect(new TextDecoder().decode(sink.files.get('Dataset501_Pyradiomics/dataset.json'))).toBe(
      '{\n    "channel_names": {\n        "0": "MR"\n    },\n    "labels": {\n        "background": 0,\n' +
        '        "organ": 1,\n        "tumour": 2\n    },\n    "numTraining": 2,\n    "file_ending": ".nii.gz",\n' +
        '    "name": "Pyradiomics"\n}',
    );
    for (const [id, src, organBytes] of [
      ['breast1', b.breast, breastOrgan()],
      ['brain1', b.brain, breastOrgan()],
    ] as const) {
      const img = await readVolume(
        sink.files.get(`Dataset501_Pyradiomics/imagesTr/${id}_0000.nii.gz`) as Uint8Array,
        id,
      );
      expect(img.shape).toEqual(src.shape);
      expect(img.datatype).toBe(src.datatype);
      expectSameVoxels(img.data, src.data, `${id} image`);
      for (let r = 0; r < 3; r++)
        for (let c = 0; c < 4; c++) expect(img.affine[r][c]).toBeCloseTo(src.affine[r][c], 4);
      const lab = await readVolume(
        sink.files.get(`Dataset501_Pyradiomics/labelsTr/${id}.nii.gz`) as Uint8Array,
        id,
      );
      expect(lab.datatype).toBe('uint8');
      expect(lab.affine).toEqual(img.affine);
      const organ = (await readVolume(organBytes, 'organ')).data;
      const tumour = b.tumour(src);
      let organs = 0;
      let tumours = 0;
      for (let i = 0; i < lab.data.length; i++) {
        const want = tumour(i) ? 2 : organ[i] ? 1 : 0;
        if (lab.data[i] !== want) throw new Error(`${id}: voxel ${i} is ${lab.data[i]}, expected ${want}`);
        if (want === 1) organs++;
        if (want === 2 && organ[i]) tumours++;
      }
      expect(organs).toBeGreaterThan(0);
      if (id === 'breast1') expect(tumours).toBeGreaterThan(0); // the tumour painted over the organ somewhere
    }
  });

  it('the assembled dataset is one tessera plan accepts', async () => {
    const b = await breastAndBrain();
    const raw = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-assemble-'));
    const input = await withTumours(b);
    const sink = memorySink();
    await assembleDataset(input, sink, { existing: [] });
    for (const [p, bytes] of sink.files) {
      fs.mkdirSync(path.dirname(path.join(raw, p)), { recursive: true });
      fs.writeFileSync(path.join(raw, p), bytes);
    }
    const out = path.join(raw, 'preprocessed');
    const r = await runCli('plan', path.join(raw, 'Dataset501_Pyradiomics'), '-o', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, 'nnUNetPlans.json'))).toBe(true);
  });

  it('a mask on another grid: one line naming the mask', async () => {
    const b = await breastAndBrain();
    const input = await withTumours(b);
    input.labels[0] = {
      name: 'organ',
      tree: memoryTree('organ', { 'breast1.nrrd': brainOrgan(), 'brain1.nrrd': breastOrgan() }),
    };
    await expect(assembleDataset(input, memorySink(), { existing: [] })).rejects.toThrow(
      /^organ\/breast1\.nrrd: its grid does not match the image images\/breast1\.nrrd/,
    );
  });

  it('a mask without image (a case without image): one line naming the mask', async () => {
    const b = await breastAndBrain();
    const input = await withTumours(b);
    input.channels[0] = { name: 'MR', tree: memoryTree('images', { 'breast1.nrrd': breastImage() }) };
    const plan = planAssembly(input);
    expect(plan.problems[0]).toEqual({
      severity: 'error',
      file: 'organ/brain1.nrrd',
      message: "is a mask for case 'brain1', which has no image",
    });
    await expect(assembleDataset(input, memorySink(), { existing: [] })).rejects.toThrow(
      /^organ\/brain1\.nrrd: /,
    );
  });

  it('a label folder holding non-binary masks: one line naming the file', async () => {
    const b = await breastAndBrain();
    const input = await withTumours(b);
    input.labels[1] = {
      name: 'tumour',
      tree: memoryTree('tumour', {
        'breast1.nii.gz': await maskLike(b.breast, (i) => i % 3),
        'brain1.nii.gz': await maskLike(b.brain, () => 0),
      }),
    };
    await expect(assembleDataset(input, memorySink(), { existing: [] })).rejects.toThrow(
      /^tumour\/breast1\.nii\.gz: is not a binary mask/,
    );
  });

  it('a missing mask is an error unless --allow-missing-labels (then background)', async () => {
    const b = await breastAndBrain();
    const input = await withTumours(b);
    input.labels[1] = {
      name: 'tumour',
      tree: memoryTree('tumour', { 'breast1.nii.gz': await maskLike(b.breast, () => 0) }),
    };
    await expect(assembleDataset(input, memorySink(), { existing: [] })).rejects.toThrow(
      /^tumour: has no mask for case 'brain1'/,
    );
    const sink = memorySink();
    const r = await assembleDataset({ ...input, allowMissingLabels: true }, sink, { existing: [] });
    expect(r.plan.problems.map((p) => p.severity)).toEqual(['warning']);
    const lab = await readVolume(
      sink.files.get('Dataset501_Pyradiomics/labelsTr/brain1.nii.gz') as Uint8Array,
      'l',
    );
    expect(lab.data.includes(2)).toBe(false);
    expect(lab.data.includes(1)).toBe(true);
  });

  it('junk files are skipped; a case missing a channel is named', async () => {
    const b = await breastAndBrain();
    const input = await withTumours(b);
    input.channels = [
      {
        name: 'MR',
        tree: memoryTree('t1', {
          'breast1.nrrd': breastImage(),
          '._breast1.nrrd': new Uint8Array(9),
          '.DS_Store': new Uint8Array(3),
        }),
      },
      {
        name: 'MR2',
        tree: memoryTree('t2', { 'breast1.nrrd': breastImage(), 'brain1.nrrd': breastImage() }),
      },
    ];
    const plan = planAssembly(input);
    expect(plan.problems.find((p) => p.severity === 'error')).toEqual({
      severity: 'error',
      file: 't2/brain1.nrrd',
      message: "case 'brain1' has no image in the channel folder t1 (MR)",
    });
  });
});
