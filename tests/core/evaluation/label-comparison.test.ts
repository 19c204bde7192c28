import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLabelMaps } from '../../../src/core/evaluation/label-comparison';
import { readVolume } from '../../../src/core/io/volume/read-volume';

// The label maps and the per-case metrics nnU-Net computed for them (scripts/fixtures/evaluation_reference.py)
const FIXTURES = path.resolve(__dirname, '../../fixtures/evaluation');

interface Summary {
  metric_per_case: {
    reference_file: string;
    prediction_file: string;
    metrics: Record<string, Record<string, number>>;
  }[];
}

async function read(scenario: string, rel: string) {
  const b = fs.readFileSync(path.join(FIXTURES, scenario, rel));
  return readVolume(new Uint8Array(b), rel);
}

describe('compareLabelMaps (the page’s Dice / volume table)', () => {
  it.each([
    ['labels', null],
    ['ignore', 3],
  ] as const)('gives nnU-Net’s per-label counts and Dice (%s)', async (scenario, ignore) => {
    const summary = JSON.parse(
      fs.readFileSync(path.join(FIXTURES, scenario, 'summary.json'), 'utf8').replace(/NaN/g, 'null'),
    ) as Summary;
    for (const c of summary.metric_per_case) {
      const ref = await read(scenario, c.reference_file);
      const pred = await read(scenario, c.prediction_file);
      const rows = compareLabelMaps(ref.data, pred.data, ref.spacing, ignore);
      for (const [key, m] of Object.entries(c.metrics)) {
        const row = rows.find((r) => r.value === Number(key));
        if (!row) {
          // a label in neither map: nnU-Net's NaN row, absent from the table
          expect(m.TP + m.FP + m.FN, `${c.reference_file} label ${key}`).toBe(0);
          continue;
        }
        const what = `${c.reference_file} label ${key}`;
        expect([row.TP, row.FP, row.FN, row.TN], what).toEqual([m.TP, m.FP, m.FN, m.TN]);
        expect(row.Dice, what).toBe(m.Dice);
        expect(row.IoU, what).toBe(m.IoU);
      }
    }
  });

  it('volumes in mL and their difference', () => {
    const ref = new Uint8Array([0, 1, 1, 1, 2, 2, 0, 0]);
    const seg = new Uint8Array([1, 1, 1, 0, 2, 2, 2, 0]);
    const [one, two] = compareLabelMaps(ref, seg, [2, 2, 2.5]); // 10 mm³ voxels
    expect(one).toMatchObject({
      value: 1,
      TP: 2,
      FP: 1,
      FN: 1,
      referenceMl: 0.03,
      comparedMl: 0.03,
      differenceMl: 0,
    });
    expect(two.Dice).toBeCloseTo(0.8, 12);
    expect(two.relativeDifference).toBeCloseTo(0.5, 12);
  });
});
