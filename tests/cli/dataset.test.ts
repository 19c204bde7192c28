import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { DATA } from '../helpers/shared';

const FIXTURES = path.resolve(__dirname, '../fixtures/dataset-conversion');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-dataset-'));

describe('tessera dataset', () => {
  it('convert-msd writes Dataset<NNN>_<Name> under -o; a second run is refused (id taken), exit 2', async () => {
    const raw = tmp();
    const task = path.join(FIXTURES, 'input', 'Task05_Tiny');
    const r = await runCli('dataset', 'convert-msd', task, '-o', raw);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'expected', 'Dataset005_Tiny.json'), 'utf8'));
    expect(fs.readFileSync(path.join(raw, 'Dataset005_Tiny', 'dataset.json'), 'utf8')).toBe(
      want.dataset_json,
    );
    expect(fs.readdirSync(path.join(raw, 'Dataset005_Tiny', 'imagesTr')).sort()).toEqual(
      Object.keys(want.files)
        .filter((f) => f.startsWith('imagesTr/'))
        .map((f) => f.slice(9)),
    );
    const again = await runCli('dataset', 'convert-msd', task, '-o', raw);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain('Dataset005_Tiny');
  });

  it('convert-v1 with the default and an explicit dataset name', async () => {
    const raw = tmp();
    const task = path.join(FIXTURES, 'input', 'Task006_TinyV1');
    expect((await runCli('dataset', 'convert-v1', task, '-o', raw)).code).toBe(0);
    expect((await runCli('dataset', 'convert-v1', task, 'Dataset106_Renamed', '-o', raw)).code).toBe(0);
    expect(fs.readdirSync(raw).sort()).toEqual(['Dataset006_TinyV1', 'Dataset106_Renamed']);
  });

  it('assemble from folders on disk; a folder holding no volume is one line naming it', async () => {
    const work = tmp();
    for (const d of ['images', 'organ', 'empty']) fs.mkdirSync(path.join(work, d));
    const nrrd = path.join(DATA, 'volumes', 'nrrd');
    fs.copyFileSync(path.join(nrrd, 'pyradiomics_breast1_image.nrrd'), path.join(work, 'images', 'b1.nrrd'));
    fs.copyFileSync(path.join(nrrd, 'pyradiomics_breast1_label.nrrd'), path.join(work, 'organ', 'b1.nrrd'));
    const raw = path.join(work, 'raw');
    const args = [
      '--image',
      `MR=${path.join(work, 'images')}`,
      '--label',
      `organ=${path.join(work, 'organ')}`,
    ];
    const r = await runCli('dataset', 'assemble', ...args, '--name', 'Dataset502_Breast', '-o', raw);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(path.join(raw, 'Dataset502_Breast', 'labelsTr'))).toEqual(['b1.nii.gz']);
    const bad = await runCli(
      'dataset',
      'assemble',
      ...args,
      '--label',
      `tumour=${path.join(work, 'empty')}`,
      '--name',
      'Dataset503_Breast',
      '-o',
      raw,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`${path.join(work, 'empty')}: holds no volume`);
  });
});
