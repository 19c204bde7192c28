/**
 * The planner against nnU-Net v2 on random fingerprints (isotropic, anisotropic along z or x, large CTs
 * that need a cascade, one-slice datasets, tiny images; 1 to 4 channels of mixed names, 2 to 11 labels)
 * for every planner, at the default GPU memory and at others: the plans file, byte for byte.
 * Made by scripts/fixtures/planning_reference.py random (and EDGE_ONLY=1 … random for hand-made corner cases).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatPlansJson } from '../../../src/core/nnunet/plans-json';
import type { DatasetFingerprint } from '../../../src/core/nnunet/plans-types';
import { type PlanningDatasetJson, planExperiment } from '../../../src/core/planning/experiment-planner';
import type { PlannerName } from '../../../src/core/planning/planners';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/planning');
interface RandomCase {
  name: string;
  fingerprint: DatasetFingerprint;
  dataset_json: PlanningDatasetJson;
  runs: { planner: PlannerName; gpu: number | null; plans_name: string; text: string }[];
}
const load = (file: string) =>
  JSON.parse(
    new TextDecoder().decode(gunzipSync(fs.readFileSync(path.join(FIXTURES, file)))),
  ) as RandomCase[];
// edge_plans: the +1e-5 anisotropy clamp, half-voxel medians, ratio ties, ignore label and regions
const cases = [...load('random_plans.json.gz'), ...load('edge_plans.json.gz')];

describe('plans for random fingerprints equal nnU-Net v2, byte for byte', () => {
  for (const c of cases) {
    const kinds = [...new Set(c.runs.map((r) => `${r.planner}${r.gpu ? `@${r.gpu}GB` : ''}`))].join(', ');
    it(`${c.name} (${c.fingerprint.spacings.length} cases): ${kinds}`, () => {
      for (const r of c.runs) {
        const plans = planExperiment(c.fingerprint, c.dataset_json, {
          planner: r.planner,
          gpuMemoryGB: r.gpu ?? undefined,
          datasetName: c.name,
        });
        expect(plans.plans_name).toBe(r.plans_name);
        expect(formatPlansJson(plans), `${r.planner} ${r.gpu ?? 'default'} GB`).toBe(r.text);
      }
    });
  }
});
