import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';
import { SHARED, sharedJson } from '../helpers/shared';

const manifest = sharedJson<Record<string, { shape: number[]; pixdim?: number[]; spacing?: number[] }>>(
  'data/volumes/manifest.json',
);
const tmp = path.resolve('test-results/cli');

describe('tessera info', () => {
  for (const [rel, e] of Object.entries(manifest)) {
    it(`prints shape and spacing of ${rel}`, async () => {
      const r = await runCli('info', path.join(SHARED, 'data', rel));
      expect(r.code).toBe(0);
      const info = JSON.parse(r.stdout);
      expect(info.shape).toEqual(e.shape);
      info.spacing.forEach((s: number, i: number) => {
        expect(s).toBeCloseTo((e.pixdim ?? e.spacing!)[i], 5);
      });
      for (const key of ['datatype', 'axis_codes', 'affine', 'min', 'max']) expect(info).toHaveProperty(key);
    });
  }

  const bad: [string, (b: Buffer) => Buffer, RegExp][] = [
    ['truncated.nii.gz', (b) => b.subarray(0, 30_000), /truncated/],
    [
      'corrupt.nii.gz',
      (b) => Buffer.concat([b.subarray(0, 10), Buffer.alloc(2000, 7), b.subarray(2010)]),
      /corrupt|truncated/,
    ],
    [
      'text.nii.gz',
      () => Buffer.from('not a volume at all, just some text that is long enough to look'),
      /not (a )?NIfTI|not a supported/,
    ],
  ];
  for (const [name, mangle, pattern] of bad) {
    it(`exits 2 with one clear line for ${name}`, async () => {
      fs.mkdirSync(tmp, { recursive: true });
      const file = path.join(tmp, name);
      fs.writeFileSync(
        file,
        mangle(fs.readFileSync(path.join(SHARED, 'data/volumes/ct/ts_example_ct_sm.nii.gz'))),
      );
      const r = await runCli('info', file);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(pattern);
    });
  }

  it('exits 2 for a missing file and for a usage error', async () => {
    const missing = await runCli('info', '/no/such/file.nii.gz');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/\/no\/such\/file\.nii\.gz: no such file/);
    const usage = await runCli('info');
    expect(usage.code).toBe(2);
    expect((await runCli('frobnicate')).code).toBe(2);
  });

  it('works as the installed bin (npx tessera), with no build step', () => {
    const out = execFileSync(
      process.execPath,
      ['bin/tessera.mjs', 'info', path.join(SHARED, 'data/volumes/mr/nibabel_anatomical.nii')],
      {
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(out).shape).toEqual([33, 41, 25]);
    let failed: { status: number; stderr: string } | null = null;
    try {
      execFileSync(process.execPath, ['bin/tessera.mjs', 'info', '/nope.nii'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      failed = e as { status: number; stderr: string };
    }
    expect(failed?.status).toBe(2);
    expect(failed?.stderr.trim().split('\n')).toHaveLength(1);
  });
});
