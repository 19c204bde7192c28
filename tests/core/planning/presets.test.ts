import { describe, expect, it } from 'vitest';
import { planExperiment } from '../../../src/core/planning/experiment-planner';
import { FINGERPRINT_PRESETS } from '../../../src/core/planning/presets';

describe('fingerprint presets', () => {
  const byName = Object.fromEntries(FINGERPRINT_PRESETS.map((p) => [p.name, p]));

  it('every preset plans, and says where its numbers come from', () => {
    for (const p of FINGERPRINT_PRESETS) {
      expect(p.source.length).toBeGreaterThan(40);
      const plans = planExperiment(p.fingerprint, p.datasetJson, { datasetName: p.name });
      expect(plans.configurations['3d_fullres']).toBeDefined();
    }
  });

  it("Hippocampus reproduces the patch size of nnU-Net's documentation (40 × 56 × 40)", () => {
    const p = byName.Dataset004_Hippocampus;
    const plans = planExperiment(p.fingerprint, p.datasetJson, { datasetName: p.name });
    expect(plans.configurations['3d_fullres'].patch_size).toEqual([40, 56, 40]);
    expect(plans.configurations['3d_fullres'].median_image_size_in_voxels).toEqual([36, 50, 35]);
  });

  it('Lung plans a cascade whose first low-resolution step matches the nnU-Net log of issue #2094', () => {
    const p = byName.Dataset006_Lung;
    const plans = planExperiment(p.fingerprint, p.datasetJson, { datasetName: p.name });
    expect(plans.configurations['3d_cascade_fullres']).toEqual({
      inherits_from: '3d_fullres',
      previous_stage: '3d_lowres',
    });
    // "Current patch size: (80, 192, 160)" for the first 3d_lowres attempts in that log
    expect(plans.configurations['3d_fullres'].patch_size).toEqual([80, 192, 160]);
  });
});
