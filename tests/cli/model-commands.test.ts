import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/core/io/volume/npy';
import { modelFixtures } from '../core/model/fixtures';
import { runCli } from '../helpers/cli';
import { maxAbsDiff, runWasm } from '../helpers/ort';
import { REFERENCE } from '../helpers/shared';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const tmp = path.resolve('test-results/cli-models');

describe('tessera model-info', () => {
  it('describes the shared results folder', async () => {
    const r = await runCli('model-info', '-m', TINY);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      configuration: '3d_fullres_tiny',
      trainer: 'nnUNetTrainer',
      folds: ['0'],
      labels: { background: 0, spleen: 1, kidney_right: 2, kidney_left: 3, liver: 4 },
      input_channels: 1,
      num_outputs: 5,
      patch_size: [32, 112, 128],
      parameter_count: 921_948,
      mirroring_axes: [0, 1, 2],
      network_class: 'PlainConvUNet',
    });
  });

  for (const fx of modelFixtures()) {
    it(`${fx.name}: folds and parameter count as PyTorch counts them`, async () => {
      const r = await runCli('model-info', '-m', fx.dir);
      expect(r.code, r.stderr).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info.folds).toEqual(Object.keys(fx.summary.folds));
      expect(info.parameter_count).toBe(Object.values(fx.summary.folds)[0].parameter_count);
      expect(info.configuration).toBe(fx.configuration);
    });
  }

  it('exits 2 with one line for a missing folder or a folder of several models', async () => {
    for (const args of [
      ['-m', '/no/such/results'],
      ['-m', path.dirname(path.dirname(modelFixtures()[0].dir))],
      [],
    ]) {
      const r = await runCli('model-info', ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('tessera export-onnx', () => {
  for (const fx of modelFixtures()) {
    const [fold] = Object.keys(fx.summary.folds).slice(-1);
    it(`${fx.name} fold ${fold}: the written model reproduces the PyTorch logits`, async () => {
      fs.mkdirSync(tmp, { recursive: true });
      const out = path.join(tmp, `${fx.name}_${fold}.onnx`);
      const r = await runCli('export-onnx', '-m', fx.dir, '-f', fold, '-o', out);
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.fold).toBe(fold);
      const x = readNpy(new Uint8Array(fs.readFileSync(path.join(fx.dir, 'reference/input.npy'))));
      const ref = readNpy(
        new Uint8Array(fs.readFileSync(path.join(fx.dir, `reference/logits_fold_${fold}.npy`))),
      );
      const y = await runWasm(new Uint8Array(fs.readFileSync(out)), x.data as Float32Array, x.shape);
      expect(y.dims).toEqual(ref.shape);
      expect(maxAbsDiff(y.data, ref.data as Float32Array)).toBeLessThan(1e-4);
    });
  }

  it('the shared model, fp16 and a smaller patch', async () => {
    fs.mkdirSync(tmp, { recursive: true });
    const out = path.join(tmp, 'tiny_fp16.onnx');
    const r = await runCli('export-onnx', '-m', TINY, '-o', out, '--fp16', '--patch', '16,32,32');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ precision: 'fp16', input: { shape: ['N', 1, 16, 32, 32] } });
    const y = await runWasm(
      new Uint8Array(fs.readFileSync(out)),
      new Float32Array(2 * 16 * 32 * 32).fill(0.5),
      [2, 1, 16, 32, 32],
    );
    expect(y.dims).toEqual([2, 5, 16, 32, 32]);
  });

  it('exits 2 with one line on bad arguments', async () => {
    const cases: [string[], RegExp][] = [
      [['-m', TINY], /-o/],
      [['-m', TINY, '-o', path.join(tmp, 'x.onnx'), '-f', '4'], /fold_4: has no checkpoint/],
      [
        ['-m', TINY, '-o', path.join(tmp, 'x.onnx'), '--patch', '30,112,128'],
        /divisible by the network's total stride \[8,16,16\]/,
      ],
      [['-m', TINY, '-o', path.join(tmp, 'x.onnx'), '--instance-norm', 'fast'], /--instance-norm/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli('export-onnx', ...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
