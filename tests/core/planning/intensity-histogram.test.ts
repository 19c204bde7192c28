import { describe, expect, it } from 'vitest';
import type { CaseFingerprint } from '../../../src/core/planning/fingerprint-case';
import { intensityHistograms } from '../../../src/core/planning/intensity-histogram';

const fakeCase = (values: number[], counts: number[]) =>
  ({
    channels: [{ values: Float32Array.from(values), counts: Uint32Array.from(counts) }],
  }) as unknown as CaseFingerprint;

describe('intensity histogram of the fingerprint samples', () => {
  it('pools cases with their sample counts into equal bins', () => {
    const [h] = intensityHistograms([fakeCase([0, 1], [3, 1]), fakeCase([4], [2])], 4);
    expect(h.min).toBe(0);
    expect(h.max).toBe(4);
    expect(h.counts).toEqual([3, 1, 0, 2]);
    expect(h.total).toBe(6);
  });
});
