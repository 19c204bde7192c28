/**
 * The sampling path where a case has more foreground voxels than samples (every real dataset with big
 * foregrounds): nnU-Net's collect_foreground_intensities + the pooled statistics, bit for bit. Inputs
 * are regenerated from the seeds (see run_sampling in scripts/fixtures/planning_reference.py).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { IntensityProperties } from '../../../src/core/nnunet/plans-types';
import { aggregateFingerprint } from '../../../src/core/planning/fingerprint-aggregate';
import { type CaseFingerprint, fingerprintCase } from '../../../src/core/planning/fingerprint-case';
import { RandomState } from '../../../src/core/pycompat/mt19937';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/planning');
const cases = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'sampling_cases.json'), 'utf8')) as {
  seed: number;
  num_samples: number;
  shape: [number, number, number];
  channels: number;
  stats: Record<string, IntensityProperties>;
}[];

describe('foreground intensity sampling, fewer samples than voxels', () => {
  for (const t of cases) {
    it(`${t.num_samples} samples of ${t.channels} channel(s) of ${t.shape.join('×')}`, () => {
      const rs = new RandomState(t.seed);
      const n = t.shape[0] * t.shape[1] * t.shape[2];
      const fps: CaseFingerprint[] = [];
      for (let k = 0; k < 3; k++) {
        const draws = new Uint32Array(t.channels * n);
        rs.randintInto(2 ** 16, draws);
        const values = Float32Array.from(draws, (v) => (k === 0 ? Math.floor(v / 64 - 400) : v / 64 - 400));
        const label = new Uint32Array(n);
        rs.randintInto(3, label);
        const channels = Array.from({ length: t.channels }, (_, c) => values.subarray(c * n, (c + 1) * n));
        fps.push(
          fingerprintCase(
            { channels, label, shape: t.shape, spacing: [1, 1, 1] },
            { numSamples: t.num_samples },
          ),
        );
      }
      for (const f of fps)
        expect(f.channels[0].order.kind).toBe(f.foregroundVoxels > t.num_samples ? 'draws' : 'replay');
      const fp = aggregateFingerprint(fps, { numChannels: t.channels });
      expect(fp.foreground_intensity_properties_per_channel).toEqual(t.stats);
    });
  }
});
