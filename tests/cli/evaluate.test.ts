import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli';

const FIXTURES = path.resolve(__dirname, '../fixtures/evaluation');

describe('tessera evaluate', () => {
  it("writes nnU-Net's summary.json (regions; nnU-Net's -djfile/-pfile/-np spellings)", async () => {
    const dir = path.join(FIXTURES, 'regions');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-eval-')), 'summary.json');
    const gt = path.join(dir, 'gt');
    const pred = path.join(dir, 'pred');
    const r = await runCli(
      'evaluate',
      gt,
      pred,
      '-djfile',
      path.join(dir, 'dataset.json'),
      '-pfile',
      path.join(dir, 'plans.json'),
      '-np',
      '2',
      '-o',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // nnU-Net was run with the folders 'gt' and 'pred'; these are absolute
    const expected = fs
      .readFileSync(path.join(dir, 'summary.json'), 'utf8')
      .replaceAll('"gt/', `"${gt}/`)
      .replaceAll('"pred/', `"${pred}/`);
    expect(fs.readFileSync(out, 'utf8')).toBe(expected);
  });

  it('a missing prediction without --chill: exit 2, one line naming the file', async () => {
    const dir = path.join(FIXTURES, 'ignore');
    const out = path.join(os.tmpdir(), 'tessera-eval-never.json');
    const r = await runCli(
      'evaluate',
      path.join(dir, 'gt'),
      path.join(dir, 'pred'),
      '-djfile',
      path.join(dir, 'dataset.json'),
      '-o',
      out,
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('ign_2.nii.gz');
  });
});
