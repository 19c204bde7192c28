import { describe, expect, it } from 'vitest';
import {
  estimatePredictionTime,
  measuredSpeeds,
  networkMacsPerEvaluation,
  REFERENCE_SPEEDS,
} from '../../../src/core/inference/estimate-time';

// Dataset297_TSStandIn (TotalSegmentator's 3 mm model) on the scale benchmark's full-resolution CT
const macs = networkMacsPerEvaluation([112, 112, 128], [32, 64, 128, 256, 320], 1);
const work = {
  evaluations: 1,
  macsPerEvaluation: macs,
  scanVoxels: 469 * 388 * 224,
  classes: 118,
  workers: 2,
};

describe('prediction time estimate', () => {
  it('counts a U-Net tile’s multiply-adds stage by stage', () => {
    // stage 0 alone: 27 × 32 × (1 + 32) encoder + 27 × 32 × 96 decoder, at 112 × 112 × 128 voxels
    const stage0 = 27 * 32 * (33 + 96) * 112 * 112 * 128;
    expect(macs).toBeGreaterThan(stage0);
    expect(macs).toBeCloseTo(3.56e11, -10);
    // 2-D: 9 taps, the patch's pixels
    expect(networkMacsPerEvaluation([64, 64], [8], 2)).toBe(9 * 8 * (2 + 8) * 64 * 64);
  });

  it('the reference speeds give the measured order of magnitude; exact export costs classes × voxels', () => {
    const t = estimatePredictionTime(work, REFERENCE_SPEEDS.wasm);
    expect(t.networkS).toBeGreaterThan(5);
    expect(t.networkS).toBeLessThan(20);
    expect(t.exactS / t.fastS).toBeGreaterThan(3);
    const fewer = estimatePredictionTime({ ...work, classes: 10 }, REFERENCE_SPEEDS.wasm);
    expect(fewer.exactS).toBeCloseTo((t.exactS * 10) / 118, 6);
  });

  it('speeds measured on a run reproduce that run’s times, and keep the other mode’s', () => {
    const run = { ...work, networkMs: 20_000, exportMs: 30_000, resampleLabels: false };
    const speeds = measuredSpeeds(REFERENCE_SPEEDS.wasm, run);
    expect(speeds.source).toBe('measured');
    const t = estimatePredictionTime(work, speeds);
    expect(t.networkS).toBeCloseTo(20, 6);
    expect(t.exactS).toBeCloseTo(30, 6);
    expect(speeds.fastExportNs).toBe(REFERENCE_SPEEDS.wasm.fastExportNs);
    const fast = measuredSpeeds(REFERENCE_SPEEDS.wasm, { ...run, exportMs: 2_000, resampleLabels: true });
    expect(estimatePredictionTime(work, fast).fastS).toBeCloseTo(2, 6);
  });
});
