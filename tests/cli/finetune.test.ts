import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/core/io/archive/byte-source';
import { readNnunetCheckpoint } from '../../src/core/model/nnunet-checkpoint';
import { runCli } from '../helpers/cli';
import { REFERENCE } from '../helpers/shared';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const RAW = path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT');
const OUT = path.resolve('test-results/cli-finetune');

describe('tessera finetune', () => {
  it('fine-tunes the tiny model on the raw dataset and writes an nnU-Net results folder', async () => {
    fs.rmSync(OUT, { recursive: true, force: true });
    const r = await runCli(
      'finetune',
      '-m',
      TINY,
      '-d',
      RAW,
      '-o',
      OUT,
      '--iterations',
      '2',
      '--patch',
      '8,32,32',
      '--batch',
      '1',
      '--backend',
      'cpu',
      '--val-step',
      '1',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/iteration 1\/2 \(epoch 1\/1\): loss \d+\.\d+/);
    expect(r.stdout).toMatch(/iteration 2\/2/);
    expect(r.stdout).toMatch(
      /validation Dice: spleen \d\.\d+, kidney_right \d\.\d+, kidney_left \d\.\d+, liver \d\.\d+; mean/,
    );
    for (const f of ['plans.json', 'dataset.json', 'dataset_fingerprint.json'])
      expect(fs.readFileSync(path.join(OUT, f))).toEqual(fs.readFileSync(path.join(TINY, f)));
    const ck = await readNnunetCheckpoint(
      bytesSource(new Uint8Array(fs.readFileSync(path.join(OUT, 'fold_all/checkpoint_final.pth'))), 'final'),
    );
    expect(ck.configuration).toBe('3d_fullres_tiny');
    expect(ck.currentEpoch).toBe(1);
    expect(fs.existsSync(path.join(OUT, 'fold_all/model.onnx'))).toBe(true);
    const log = JSON.parse(fs.readFileSync(path.join(OUT, 'fold_all/training_log.json'), 'utf8'));
    expect(log.iterations).toHaveLength(2);
    const val = JSON.parse(fs.readFileSync(path.join(OUT, 'fold_all/validation_dice.json'), 'utf8'));
    expect(val.cases).toHaveLength(3);
  });

  it('refuses a patch the network cannot take, in one line', async () => {
    const r = await runCli(
      'finetune',
      '-m',
      TINY,
      '-d',
      RAW,
      '-o',
      OUT,
      '--patch',
      '10,32,32',
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('divisible by 8,16,16');
  });
});
