import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { directoryTree } from '../../../src/cli/node-file-tree';
import { evaluateFolder } from '../../../src/core/evaluation/evaluate-folder';
import { evaluationTargets, targetKey } from '../../../src/core/evaluation/regions';
import { nanMean, summaryJson } from '../../../src/core/evaluation/summary';

// summary.json files written by nnU-Net's own compute_metrics_on_folder2 (scripts/fixtures/evaluation_reference.py)
const FIXTURES = path.resolve(__dirname, '../../fixtures/evaluation');

async function evaluateScenario(name: string, chill: boolean) {
  const dir = path.join(FIXTURES, name);
  return evaluateFolder({
    reference: await directoryTree(path.join(dir, 'gt')),
    prediction: await directoryTree(path.join(dir, 'pred')),
    referencePath: 'gt',
    predictionPath: 'pred',
    datasetJsonText: fs.readFileSync(path.join(dir, 'dataset.json'), 'utf8'),
    datasetJsonName: 'dataset.json',
    chill,
  });
}

describe("evaluate: nnU-Net's summary.json byte for byte", () => {
  it.each([
    ['labels', false],
    ['regions', false],
    ['ignore', true],
  ])('%s', async (name, chill) => {
    const summary = await evaluateScenario(name, chill);
    expect(summaryJson(summary)).toBe(fs.readFileSync(path.join(FIXTURES, name, 'summary.json'), 'utf8'));
  });

  it('labels: string-sorted keys, NaN for a label absent everywhere, Dice 0 for a false positive only', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'labels', 'summary.json'), 'utf8');
    const keys = [...text.matchAll(/^ {8}"(\d+)": \{/gm)].map((m) => m[1]);
    expect(keys.slice(0, 4)).toEqual(['1', '10', '11', '2']);
    const s = await evaluateScenario('labels', false);
    const nine = s.targets.indexOf(9);
    expect(Number.isNaN(s.mean[nine].Dice)).toBe(true);
    expect(Number.isNaN(s.foregroundMean.Dice)).toBe(true);
    expect(s.mean[s.targets.indexOf(11)].Dice).toBe(0);
  });

  it('without --chill a reference without prediction is one error naming the file', async () => {
    await expect(evaluateScenario('ignore', false)).rejects.toThrow(/^pred\/ign_2\.nii\.gz: is missing/);
  });
});

describe('evaluation targets as nnU-Net’s LabelManager', () => {
  it('regions keep dataset.json order and tuple keys; background regions are dropped', () => {
    const t = evaluationTargets(
      { background: 0, whole: [1, 2, 3], core: [2, 3], enh: 3, one: [1], bg2: [0] },
      [1, 2, 3, 1],
    );
    expect(t.targets.map(targetKey)).toEqual(['(1, 2, 3)', '(2, 3)', '3', '(1,)']);
  });

  it('an ignore label that is not max + 1 is refused, naming the file', () => {
    expect(() => evaluationTargets({ background: 0, a: 1, ignore: 5 }, undefined, 'dj.json')).toThrow(
      /^dj\.json: the ignore label \(5\)/,
    );
  });

  it('nanmean sums pairwise as np.sum (8 or more values) and skips NaN', () => {
    const v = [
      0.8647975870165865,
      0.855302514932059,
      0.8110233987843422,
      Number.NaN,
      0.0771994577184214,
      0.9464657804460633,
      0.6137916910471019,
      0.00263075362629972,
      0.9104071780658378,
      0.9848034752375554,
      0.2862966041661704,
    ];
    // np.nanmean(v) (numpy 1.24); a left-to-right sum would give 0.6352718441040438
    expect(nanMean(v)).toBe(0.6352718441040437);
    expect(Number.isNaN(nanMean([Number.NaN, Number.NaN]))).toBe(true);
  });
});
