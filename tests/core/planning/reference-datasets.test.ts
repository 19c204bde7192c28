/**
 * Whole datasets through fingerprint + planning, compared byte for byte with what nnU-Net v2 wrote for
 * the same files: the shared Dataset001 reference and the synthetic datasets of
 * scripts/fixtures/planning_reference.py (anisotropic 2-channel MR, CT with an ignore label and an empty
 * case, regions with three normalizations, a one-slice dataset, a legacy v1 dataset.json).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { directorySource } from '../../../src/cli/dataset-dir-source';
import { openDataset } from '../../../src/core/dataset/open-dataset';
import { formatFingerprintJson, formatPlansJson } from '../../../src/core/nnunet/plans-json';
import { planExperiment } from '../../../src/core/planning/experiment-planner';
import { extractFingerprint } from '../../../src/core/planning/fingerprint-driver';
import type { PlannerName } from '../../../src/core/planning/planners';
import { type PyJson, toPythonJson } from '../../../src/core/pycompat/python-json';
import { REFERENCE } from '../../helpers/shared';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/planning');

interface Expected {
  'dataset_fingerprint.json': string;
  'dataset.json': string;
  plans: Record<string, { name: string; text: string }>;
}
const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'datasets_expected.json'), 'utf8')) as Record<
  string,
  Expected
>;

async function fingerprintAndPlan(
  dir: string,
  name: string,
  planners: Record<string, { name: string }>,
  streamCacheBytes = 0,
) {
  const source = await directorySource(dir);
  const ds = await openDataset(source);
  expect(ds.problems.filter((p) => p.severity === 'error')).toEqual([]);
  const { fingerprint } = await extractFingerprint(source, ds, { streamCacheBytes });
  const plans: Record<string, { name: string; text: string }> = {};
  for (const planner of Object.keys(planners)) {
    const p = planExperiment(fingerprint, ds.datasetJson, {
      planner: planner as PlannerName,
      datasetName: name,
      channelNames: ds.channels,
    });
    plans[planner] = { name: p.plans_name, text: formatPlansJson(p) };
  }
  const datasetJson = ds.format === 'v2' ? ds.datasetJsonText : toPythonJson(ds.datasetJson as PyJson);
  return { fingerprint: formatFingerprintJson(fingerprint), plans, datasetJson };
}

describe('fingerprint and plans equal nnU-Net v2 output, byte for byte', () => {
  it('Dataset001_TSAbdomenCT (shared reference, ExperimentPlanner, 8 GB)', async () => {
    const ref = path.join(REFERENCE, 'Dataset001_TSAbdomenCT');
    const got = await fingerprintAndPlan(
      path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT'),
      'Dataset001_TSAbdomenCT',
      {
        ExperimentPlanner: { name: 'nnUNetPlans' },
      },
    );
    expect(got.fingerprint).toBe(fs.readFileSync(path.join(ref, 'dataset_fingerprint.json'), 'utf8'));
    expect(got.plans.ExperimentPlanner.text).toBe(
      fs.readFileSync(path.join(ref, 'nnUNetPlans.json'), 'utf8'),
    );
  }, 60_000);

  for (const [name, exp] of Object.entries(expected)) {
    it(`${name}: fingerprint, dataset.json and the plans of 4 planners`, async () => {
      // a 48 MiB stream cache: some cases' samples are kept between the passes, others redrawn
      const got = await fingerprintAndPlan(path.join(FIXTURES, 'raw', name), name, exp.plans, 48 * 2 ** 20);
      expect(got.fingerprint).toBe(exp['dataset_fingerprint.json']);
      expect(got.datasetJson).toBe(exp['dataset.json']);
      for (const [planner, e] of Object.entries(exp.plans)) {
        expect(got.plans[planner].name, planner).toBe(e.name);
        expect(got.plans[planner].text, planner).toBe(e.text);
      }
    }, 120_000);
  }
});
