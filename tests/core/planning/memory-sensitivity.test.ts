import { describe, expect, it } from 'vitest';
import { planExperimentWithTrace } from '../../../src/core/planning/experiment-planner';
import { memoryInsensitivity } from '../../../src/core/planning/memory-sensitivity';
import { FINGERPRINT_PRESETS } from '../../../src/core/planning/presets';

const preset = (name: string) => FINGERPRINT_PRESETS.find((p) => p.name === name)!;

/** The plan of one configuration at each memory target, as nnU-Net makes it. */
function sweep(name: string, configuration: string, gbs: number[]) {
  const p = preset(name);
  return gbs.map((gb) => {
    const { plans, trace } = planExperimentWithTrace(p.fingerprint, p.datasetJson as never, {
      planner: 'ExperimentPlanner',
      gpuMemoryGB: gb,
      datasetName: p.name,
    });
    const cfg = plans.configurations[configuration] as { patch_size: number[]; batch_size: number };
    return {
      gb,
      patch: cfg.patch_size.join(','),
      batch: cfg.batch_size,
      note: memoryInsensitivity(trace.configurations[configuration]),
    };
  });
}

describe('why the GPU-memory slider does not change a plan', () => {
  it('Hippocampus 3d_fullres: the patch covers the median image and the batch is capped; the plan is the same at every memory', () => {
    const plans = sweep('Dataset004_Hippocampus', '3d_fullres', [4, 8, 16, 40, 80]);
    expect(new Set(plans.map((p) => `${p.patch}|${p.batch}`)).size).toBe(1);
    for (const p of plans) {
      expect(p.note).toMatch(/already covers the median image/);
      expect(p.note).toMatch(/does not change with memory/);
    }
  });

  it('Liver 3d_fullres: the patch is shrunk to fit, so memory changes it and nothing is said', () => {
    const plans = sweep('Dataset003_Liver', '3d_fullres', [4, 8, 40]);
    expect(new Set(plans.map((p) => p.patch)).size).toBeGreaterThan(1);
    expect(plans[0].note).toBeNull();
  });

  it('the note is true whenever it is given: patch and batch do not move between 2 and 80 GB', () => {
    const gbs = [2, 4, 8, 12, 24, 48, 80];
    for (const p of FINGERPRINT_PRESETS)
      for (const configuration of ['2d', '3d_fullres']) {
        const plans = sweep(p.name, configuration, gbs);
        for (const q of plans)
          if (q.note?.includes('does not change with memory'))
            // from this memory upwards the plan stays as it is
            for (const r of plans.filter((x) => x.gb >= q.gb))
              expect(`${r.patch}|${r.batch}`, `${p.name} ${configuration} ${r.gb} GB`).toBe(
                `${q.patch}|${q.batch}`,
              );
      }
  });
});
