import { describe, expect, it } from 'vitest';
import {
  classesToSample,
  classKey,
  classLocationsToJson,
  type LabelDict,
  sampleClassLocations,
} from '../../../src/core/preprocessing/class-locations';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import { choiceWithoutReplacement, permutation, RandomState } from '../../../src/core/pycompat/random-state';
import { fixtureJson, fixtureNpy } from '../../helpers/fixtures';

describe('numpy RandomState (MT19937)', () => {
  it('permutes and chooses as NumPy 1.24 with seed 1234', () => {
    // np.random.RandomState(1234).permutation(20), then .choice(100000, 5, replace=False)
    const r = new RandomState(1234);
    expect(Array.from(permutation(r, 20))).toEqual([
      3, 13, 2, 16, 14, 5, 4, 0, 8, 18, 17, 11, 10, 9, 7, 1, 19, 12, 6, 15,
    ]);
    expect(Array.from(choiceWithoutReplacement(r, 100000, 5))).toEqual([27737, 90873, 16796, 16367, 19747]);
  });
});

describe('class locations', () => {
  it('samples labels, regions and the ignore-label class as nnU-Net does', () => {
    const seg = fixtureNpy('preprocessing/class_locations_seg.npy');
    const cases = fixtureJson<Record<string, { labels: LabelDict; locations: Record<string, number[][]> }>>(
      'preprocessing/class_locations.json',
    );
    for (const c of Object.values(cases)) {
      const locs = sampleClassLocations(seg.data, seg.shape as Shape3, classesToSample(c.labels));
      expect(classLocationsToJson(locs)).toEqual(c.locations);
    }
  });

  it('keys regions like Python tuples and skips absent classes with an empty list', () => {
    expect(classKey(3)).toBe('3');
    expect(classKey([2, 3])).toBe('(2, 3)');
    expect(classKey([3])).toBe('(3,)');
    const locs = sampleClassLocations(new Int16Array([0, 1, 1, 0]), [1, 1, 4], [1, 2]);
    const json = classLocationsToJson(locs);
    expect(json['2']).toEqual([]);
    expect(json['1'].map((c) => c.join()).sort()).toEqual(['0,0,0,1', '0,0,0,2']);
  });

  it('takes at least 1 % of a large class (10 000 at most otherwise)', () => {
    const seg = new Int16Array(2_000_000).fill(1);
    const locs = sampleClassLocations(seg, [20, 100, 1000], [1]);
    expect(locs['1'].length / 4).toBe(20000);
  });

  it('needs a background label', () => {
    expect(() => classesToSample({ a: 1 })).toThrow(/background/);
  });
});
