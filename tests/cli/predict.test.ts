import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupCases } from '../../src/cli/commands/predict';
import { bytesSource } from '../../src/core/io/archive/byte-source';
import { openZip, readZipEntry } from '../../src/core/io/archive/zip-reader';
import { readNpy } from '../../src/core/io/volume/npy';
import { readVolume } from '../../src/core/io/volume/read-volume';
import { runCli } from '../helpers/cli';
import { REFERENCE, SHARED, sharedBytes } from '../helpers/shared';

const MODEL = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const OUT = path.resolve('test-results/cli-predict');

describe('tessera predict', () => {
  it('writes <case>.nii.gz equal to nnU-Net’s and <case>.npz probabilities (ctpitch)', async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    const inDir = path.join(OUT, 'in');
    fs.mkdirSync(inDir, { recursive: true });
    fs.copyFileSync(
      path.join(SHARED, 'data/volumes/ct/niivue_CT_pitch.nii.gz'),
      path.join(inDir, 'ctpitch_0000.nii.gz'),
    );
    const r = await runCli(
      'predict',
      '-i',
      inDir,
      '-o',
      path.join(OUT, 'pred'),
      '-m',
      MODEL,
      '-f',
      '0',
      '--disable-tta',
      '--save-probabilities',
      '--threads',
      '1',
      '-q',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.cases[0].tiles).toBe(2);
    const ours = await readVolume(
      new Uint8Array(fs.readFileSync(path.join(OUT, 'pred/ctpitch.nii.gz'))),
      'ours',
    );
    const theirs = await readVolume(sharedBytes('reference/inference/ctpitch_nomirror_seg.nii.gz'), 'theirs');
    expect(ours.shape).toEqual(theirs.shape);
    expect(Array.from(ours.data)).toEqual(Array.from(theirs.data));
    for (let r0 = 0; r0 < 4; r0++)
      for (let c = 0; c < 4; c++) expect(ours.affine[r0][c]).toBeCloseTo(theirs.affine[r0][c], 5);
    const npz = await openZip(
      bytesSource(new Uint8Array(fs.readFileSync(path.join(OUT, 'pred/ctpitch.npz'))), 'ctpitch.npz'),
    );
    const probs = readNpy(await readZipEntry(npz, 'probabilities.npy'));
    expect(probs.shape).toEqual([5, 58, 248, 175]);
    expect(probs.dtype).toBe('<f4');
    expect(fs.existsSync(path.join(OUT, 'pred/plans.json'))).toBe(true);
  });

  it('groups channel files into cases as nnUNetv2_predict does', () => {
    const cases = groupCases(
      ['/a/x_0001.nii.gz', '/a/x_0000.nii.gz', '/a/y_0000.nii.gz', '/a/y_0001.nii.gz'],
      '.nii.gz',
      2,
    );
    expect(cases).toEqual([
      { id: 'x', files: ['/a/x_0000.nii.gz', '/a/x_0001.nii.gz'] },
      { id: 'y', files: ['/a/y_0000.nii.gz', '/a/y_0001.nii.gz'] },
    ]);
    expect(() => groupCases(['/a/x_0000.nii.gz'], '.nii.gz', 2)).toThrow(/x_0001\.nii\.gz: is missing/);
    expect(groupCases(['/a/scan.nii.gz'], '.nii.gz', 1)).toEqual([{ id: 'scan', files: ['/a/scan.nii.gz'] }]);
  });

  it('gives one clear line for a bad model or input', async () => {
    const noModel = await runCli(
      'predict',
      '-i',
      path.join(SHARED, 'data/volumes/ct/ts_example_ct_sm.nii.gz'),
      '-o',
      OUT,
      '-m',
      '/no/such/model',
    );
    expect(noModel.code).toBe(2);
    expect(noModel.stderr.trim().split('\n')).toHaveLength(1);
    expect(noModel.stderr).toContain('/no/such/model');
    const badStep = await runCli('predict', '-i', 'x', '-o', OUT, '-m', MODEL, '--step-size', '2');
    expect(badStep.code).toBe(2);
    expect(badStep.stderr).toMatch(/--step-size/);
  });
});
