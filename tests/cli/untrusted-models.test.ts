import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const FIXTURES = path.resolve('tests/fixtures');
const RESENC = path.join(
  FIXTURES,
  'models/Dataset902_TinyResEnc/nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres',
);
const INPUT = path.join(FIXTURES, 'inference/mr_aniso/input/aniso_100_0000.nii.gz');
const tmp = path.resolve('test-results/untrusted-models');

/** A copy of the ResEnc results folder whose fold_1 holds `fold1` instead of checkpoint_final.pth. */
function folderWith(name: string, fold1: { file: string; from: string }): string {
  const dir = path.join(tmp, name, path.basename(RESENC));
  fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
  fs.cpSync(RESENC, dir, { recursive: true, filter: (p) => !p.includes('reference') });
  fs.rmSync(path.join(dir, 'fold_1'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'fold_1'));
  fs.copyFileSync(fold1.from, path.join(dir, 'fold_1', fold1.file));
  fs.writeFileSync(path.join(dir, 'fold_1', 'training_log.txt'), 'epoch 3\n');
  return dir;
}

describe('models are untrusted input (CLI)', () => {
  it('a results folder whose checkpoint carries an injected posix.system: exit 2, one line, file and global', async () => {
    const dir = folderWith('injected', {
      file: 'checkpoint_final.pth',
      from: path.join(FIXTURES, 'io/torch/injected_posix_system.pth'),
    });
    const r = await runCli('model-info', '-m', dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /fold_1\/checkpoint_final\.pth.*global posix\.system, which is outside PyTorch's weights_only allow-list/,
    );
  });

  it('a fold with only checkpoint_latest.pth is named with what it has and how to use it', async () => {
    const dir = folderWith('latest-only', {
      file: 'checkpoint_latest.pth',
      from: path.join(RESENC, 'fold_1/checkpoint_final.pth'),
    });
    const info = await runCli('model-info', '-m', dir);
    expect(info.code, info.stderr).toBe(0);
    const json = JSON.parse(info.stdout);
    expect(json.folds).toEqual(['0', '2']);
    expect(json.incomplete_folds['1']).toBe(
      'fold_1 has no checkpoint_final.pth (nor checkpoint_best.pth), only checkpoint_latest.pth (training may not have finished): to use it, pass -chk checkpoint_latest.pth (in the page: the checkpoint picker)',
    );

    // -f 1 says why fold 1 cannot be used, in one line (before any scan is read)
    const inDir = path.join(tmp, 'in');
    fs.mkdirSync(inDir, { recursive: true });
    fs.copyFileSync(INPUT, path.join(inDir, 'case_0000.nii.gz'));
    const f1 = await runCli('predict', '-i', inDir, '-o', path.join(tmp, 'out'), '-m', dir, '-f', '1');
    expect(f1.code).toBe(2);
    const lines = f1.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /fold_1: has no checkpoint_final\.pth .*only checkpoint_latest\.pth.*-chk checkpoint_latest\.pth/,
    );
    expect(lines.filter((l) => !l.startsWith('note: '))).toHaveLength(1);

    // nnU-Net's -chk takes it
    const chk = await runCli('model-info', '-m', dir, '-chk', 'checkpoint_latest.pth');
    expect(chk.code, chk.stderr).toBe(0);
    const latest = JSON.parse(chk.stdout);
    expect(latest.folds).toEqual(['1']);
    expect(Object.keys(latest.incomplete_folds)).toEqual(['0', '2']);
  });
});
