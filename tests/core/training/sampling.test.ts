import { describe, expect, it } from 'vitest';
import { deepSupervisionTargets, nearestExactIndex } from '../../../src/core/engine/deep-supervision';
import { PatchSampler } from '../../../src/core/training/patch-sampler';
import { assertTrainableLabels } from '../../../src/core/training/prepare-case';
import { nnunetSplit } from '../../../src/core/training/split';
import { syntheticCase } from './synthetic';

describe("nnU-Net's split", () => {
  it('KFold(5, shuffle, seed 12345) over sorted ids: 13 cases, fold 0 holds out indices 0, 9, 7', () => {
    const ids = Array.from({ length: 13 }, (_, i) => `case_${String(i).padStart(2, '0')}`).reverse();
    const s = nnunetSplit(ids, 0);
    // numpy: RandomState(12345).shuffle(arange(13)) = [0 9 7 3 6 10 8 12 11 4 1 5 2]; first fold has 3
    expect(s.val).toEqual(['case_00', 'case_07', 'case_09']);
    expect(s.train).toHaveLength(10);
    // fold sizes 3, 3, 3, 2, 2: fold 4 is [5, 2]
    expect(nnunetSplit(ids, 4).val).toEqual(['case_02', 'case_05']);
  });
  it('fewer than five cases train and validate on all (fold all)', () => {
    expect(nnunetSplit(['b', 'a', 'c'], 0)).toEqual({
      train: ['a', 'b', 'c'],
      val: ['a', 'b', 'c'],
      fold: 'all',
    });
  });
});

describe('patch sampler', () => {
  const c = syntheticCase('x', [12, 20, 18], 1);
  it('forces foreground into the last round(0.33·b) samples', () => {
    const s = new PatchSampler([c], [8, 8, 8], 3, 0.33, 5);
    expect([0, 1, 2].map((i) => s.forceForeground(i))).toEqual([false, false, true]);
    for (let k = 0; k < 20; k++) {
      const b = s.next();
      const last = b.seg.subarray(2 * 512, 3 * 512);
      expect(last.some((v) => v > 0)).toBe(true);
    }
  });
  it('pads outside the image with 0 (data) and −1 (labels)', () => {
    const s = new PatchSampler([c], [16, 24, 24], 1, 0, 6);
    const b = s.next();
    // the patch is larger than the case on every axis: some voxels are padding
    let pad = 0;
    for (let i = 0; i < b.seg.length; i++) if (b.seg[i] === -1 && b.data[i] === 0) pad++;
    expect(pad).toBeGreaterThan(16 * 24 * 24 - 12 * 20 * 18 - 1);
  });
});

describe('deep-supervision targets', () => {
  it("match torch's interpolate(mode='nearest-exact') indices", () => {
    expect([0, 1, 2, 3].map((i) => nearestExactIndex(i, 8, 4))).toEqual([1, 3, 5, 7]);
    expect([0, 1, 2].map((i) => nearestExactIndex(i, 5, 3))).toEqual([0, 2, 4]);
  });
  it('downsample a batch and turn −1 into background', () => {
    const seg = Int16Array.from({ length: 2 * 4 * 4 * 4 }, (_, i) => (i % 5) - 1);
    const [full, half] = deepSupervisionTargets(
      seg,
      2,
      [4, 4, 4],
      [
        [1, 1, 1],
        [0.5, 0.5, 0.5],
      ],
    );
    expect(full.shape).toEqual([2, 1, 4, 4, 4]);
    expect(half.shape).toEqual([2, 1, 2, 2, 2]);
    expect(Math.min(...full.data)).toBe(0);
    // element (b=1, z=1, y=0, x=1) of the half target is source (1, 3, 1, 3)
    expect(half.data[8 + 4 + 1]).toBe(Math.max(0, seg[64 + 3 * 16 + 1 * 4 + 3]));
  });
});

describe('trainable label setups', () => {
  it('refuses regions and ignore labels, in one line naming the file', () => {
    expect(() => assertTrainableLabels({ labels: { background: 0, a: 1, b: 2 } })).not.toThrow();
    expect(() =>
      assertTrainableLabels(
        { labels: { background: 0, whole: [1, 2], core: 2 }, regions_class_order: [1, 2] },
        'x/dataset.json',
      ),
    ).toThrow(/x\/dataset.json: declares regions/);
    expect(() => assertTrainableLabels({ labels: { background: 0, a: 1, ignore: 2 } })).toThrow(/ignore/);
  });
});
