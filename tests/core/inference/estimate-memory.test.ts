import { describe, expect, it } from 'vitest';
import { estimatePredictionMemory } from '../../../src/core/inference/estimate-memory';

// Dataset297_TSStandIn (TotalSegmentator's 3 mm model) on the full-resolution CT of the scale benchmark
const input = {
  shape: [224, 388, 469],
  spacing: [1.5, 0.78, 0.78],
  bytesPerVoxel: 2,
  channels: 1,
  config: { spacing: [3, 3, 3], patch_size: [112, 112, 128], transpose_forward: [0, 1, 2] },
  classes: 118,
  parameters: 16_600_000,
  featuresPerStage: [32, 64, 128, 256, 320],
  folds: 1,
  tta: false,
  tileStepSize: 0.5,
};

describe('peak memory estimate', () => {
  it('counts what a TotalSegmentator-class prediction allocates', () => {
    const m = estimatePredictionMemory(input);
    // network grid: 112 × 101 × 122 float32 (round(224·1.5/3), round(388·0.78/3), round(469·0.78/3))
    expect(m.parts['network grid']).toBe(112 * 101 * 122 * 4);
    // one tile's logits, float32: 118 × 112·112·128
    expect(m.parts['tile logits']).toBe(118 * 112 * 112 * 128 * 4);
    // one tile row covers the scan: the float16 slab is every padded slice × (112 × 128) plane
    expect(m.parts['sliding-window slab']).toBe((118 + 1) * 112 * 112 * 128 * 2);
    expect(m.parts.labels).toBe(224 * 388 * 469 * 2);
    expect(m.bytes).toBe(Object.values(m.parts).reduce((a, b) => a + b, 0));
  });

  it('with the segmentation head apart: a tile of features and one slab of head logits, not the tile logits', () => {
    const m = estimatePredictionMemory({ ...input, separateHead: true });
    expect(m.parts['tile logits']).toBe(32 * 112 * 112 * 128 * 4 + 2 * 4 * (8 << 20));
    expect(m.bytes).toBeLessThan(estimatePredictionMemory(input).bytes - 0.4e9);
  });

  it('grows with TTA and folds, and the export pool', () => {
    const base = estimatePredictionMemory(input).bytes;
    expect(estimatePredictionMemory({ ...input, tta: true }).bytes).toBeGreaterThan(base);
    expect(estimatePredictionMemory({ ...input, folds: 5 }).bytes).toBeGreaterThan(base);
    expect(estimatePredictionMemory({ ...input, exportSlabs: 2 }).bytes).toBeGreaterThan(base);
  });
});
