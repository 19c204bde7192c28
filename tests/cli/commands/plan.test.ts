import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { REFERENCE } from '../../helpers/shared';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/planning');
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'datasets_expected.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-plan-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(['plan', ...argv], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
const read = (...p: string[]) => fs.readFileSync(path.join(...p), 'utf8');

describe('tessera plan', () => {
  const name = 'Dataset205_LegacyV1';
  const exp = expected[name];

  it('plans a raw dataset directory: the three files nnU-Net writes, byte for byte', async () => {
    const out = path.join(tmp, 'dir');
    const r = await run(
      path.join(FIXTURES, 'raw', name),
      '-o',
      out,
      '--planner',
      'nnUNetPlannerResEncL',
      '--verbose',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('fingerprint 3/3');
    expect(r.stdout).toContain('3d_fullres');
    expect(read(out, 'dataset_fingerprint.json')).toBe(exp['dataset_fingerprint.json']);
    expect(read(out, 'nnUNetResEncUNetLPlans.json')).toBe(exp.plans.nnUNetPlannerResEncL.text);
    expect(read(out, 'dataset.json')).toBe(exp['dataset.json']);
  }, 60_000);

  it('plans a zipped dataset the same way', async () => {
    const root = path.join(FIXTURES, 'raw', name);
    const entries: Record<string, Uint8Array> = {};
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) walk(p);
        else entries[`${name}/${p}`] = new Uint8Array(fs.readFileSync(path.join(root, p)));
      }
    };
    walk('');
    const zip = path.join(tmp, `${name}.zip`);
    fs.writeFileSync(zip, zipSync(entries));
    const out = path.join(tmp, 'zip');
    expect((await run(zip, '-o', out)).code).toBe(0);
    expect(read(out, 'nnUNetPlans.json')).toBe(exp.plans.ExperimentPlanner.text);
    expect(read(out, 'dataset_fingerprint.json')).toBe(exp['dataset_fingerprint.json']);
  }, 60_000);

  it('plans from an existing fingerprint without reading images', async () => {
    const out = path.join(tmp, 'Dataset001_TSAbdomenCT');
    const r = await run(
      '--fingerprint',
      path.join(REFERENCE, 'Dataset001_TSAbdomenCT/dataset_fingerprint.json'),
      '--dataset-json',
      path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT/dataset.json'),
      '-o',
      out,
    );
    expect(r.code).toBe(0);
    expect(read(out, 'nnUNetPlans.json')).toBe(read(REFERENCE, 'Dataset001_TSAbdomenCT/nnUNetPlans.json'));
    expect(read(out, 'dataset.json')).toBe(read(REFERENCE, 'raw/Dataset001_TSAbdomenCT/dataset.json'));
    // a second run keeps custom configurations already in the plans file, as nnU-Net does
    const plans = JSON.parse(read(out, 'nnUNetPlans.json'));
    plans.configurations['3d_fullres_bs4'] = { inherits_from: '3d_fullres', batch_size: 4 };
    fs.writeFileSync(path.join(out, 'nnUNetPlans.json'), JSON.stringify(plans));
    expect(
      (
        await run(
          '--fingerprint',
          path.join(out, 'dataset_fingerprint.json'),
          '--dataset-json',
          path.join(out, 'dataset.json'),
          '-o',
          out,
        )
      ).code,
    ).toBe(0);
    const again = JSON.parse(read(out, 'nnUNetPlans.json'));
    expect(Object.keys(again.configurations)).toEqual(['2d', '3d_fullres', '3d_fullres_bs4']);
  });

  it('fails with one line and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [[path.join(FIXTURES, 'raw', name)], /give an output directory with -o/],
      [[path.join(FIXTURES, 'raw', name), '-o', tmp, '--planner', 'Foo'], /unknown planner 'Foo'/],
      [[path.join(tmp, 'nope'), '-o', tmp], /nope: no such file or directory/],
      [
        [path.join(FIXTURES, 'raw', name), '-o', tmp, '--gpu-memory-gb=-3'],
        /--gpu-memory-gb: expects a positive number/,
      ],
    ];
    for (const [argv, msg] of cases) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses a dataset that fails the integrity checks, naming the file', async () => {
    const bad = path.join(tmp, 'bad');
    fs.cpSync(path.join(FIXTURES, 'raw', 'Dataset202_CTIgnore'), bad, { recursive: true });
    fs.rmSync(path.join(bad, 'labelsTr', 'ct_003.nii.gz'));
    const r = await run(bad, '-o', path.join(tmp, 'bad-out'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "tessera plan: labelsTr/ct_003.nii.gz: is missing: case 'ct_003' has no label file",
    );
  });
});
