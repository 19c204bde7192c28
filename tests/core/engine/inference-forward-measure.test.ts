import { describe, expect, it } from 'vitest';
import { measureInferenceForward } from '../../../src/core/engine/memory-estimate';
import { tinySpec } from '../training/synthetic';

describe('measureInferenceForward', () => {
  it("counts a U-Net's multiply-adds layer by layer and holds its largest tensor", () => {
    // 3 stages (4, 8, 8 features), one 3×3×3 conv per stage and decoder stage, 8³ patch, 3 classes
    const m = measureInferenceForward(tinySpec(), [8, 8, 8]);
    const k = 27;
    const encoder = 512 * 4 * 1 * k + 64 * 8 * 4 * k + 8 * 8 * 8 * k;
    const decoder = 64 * 8 * 8 + 64 * 8 * 16 * k + 512 * 4 * 8 + 512 * 4 * 8 * k;
    const head = 512 * 3 * 4;
    expect(m.macs).toBe(encoder + decoder + head);
    // the full-resolution concatenation (8 channels × 512 voxels) is the largest tensor
    expect(m.largestTensorBytes).toBe(8 * 512 * 4);
    expect(m.peakBytes).toBeGreaterThan(m.weightBytes);
    expect(m.trafficBytes).toBeGreaterThan(4 * (512 + 3 * 512));
  });
});
