import { describe, expect, it } from 'vitest';
import { keepLargestComponent, labelComponents } from '../../../src/core/inference/connected-components';
import { applyPostprocessing, parsePostprocessing } from '../../../src/core/inference/postprocessing';

describe('connected components (26-connectivity)', () => {
  it('joins diagonal neighbours and numbers components in raster order', () => {
    const shape: [number, number, number] = [2, 3, 4];
    const m = new Uint8Array(24);
    m[0] = 1; // (0,0,0)
    m[12 + 4 + 1] = 1; // (1,1,1): touches (0,0,0) corner to corner
    m[8 + 3] = 1; // (0,2,3): two voxels away in x from (1,1,1)
    const { labels, sizes } = labelComponents(m, shape);
    expect(labels[0]).toBe(1);
    expect(labels[17]).toBe(1);
    expect(labels[11]).toBe(2);
    expect(sizes).toEqual([0, 2, 1]);
  });

  it('handles U shapes that merge late (union-find)', () => {
    const shape: [number, number, number] = [1, 3, 5];
    // x . . . x
    // x . . . x
    // x x x x x
    const rows = ['x...x', 'x...x', 'xxxxx'];
    const m = Uint8Array.from(
      rows
        .join('')
        .split('')
        .map((c) => (c === 'x' ? 1 : 0)),
    );
    const { sizes } = labelComponents(m, shape);
    expect(sizes).toEqual([0, 9]);
  });

  it('keeps the largest, first in raster order on ties', () => {
    const m = Uint8Array.from([1, 0, 1, 0, 1, 1]);
    expect(Array.from(keepLargestComponent(m, [1, 1, 6]))).toEqual([0, 0, 0, 0, 1, 1]);
    const tie = Uint8Array.from([1, 0, 1]);
    expect(Array.from(keepLargestComponent(tie, [1, 1, 3]))).toEqual([1, 0, 0]);
  });
});

describe('nnU-Net postprocessing.json', () => {
  const json = {
    postprocessing_fns: [
      'remove_all_but_largest_component_from_segmentation',
      'remove_all_but_largest_component_from_segmentation',
    ],
    postprocessing_kwargs: [{ labels_or_regions: [1, 2] }, { labels_or_regions: 2 }],
  };

  it('applies the steps in order', () => {
    // 1 1 0 2 0 2 2 2 0 1 : union {1,2} components: [0,1] size 2, [3] size 1, [5..7] size 3, [9] size 1
    const seg = Uint8Array.from([1, 1, 0, 2, 0, 2, 2, 2, 0, 1]);
    applyPostprocessing(seg, [1, 1, 10], parsePostprocessing(json));
    expect(Array.from(seg)).toEqual([0, 0, 0, 0, 0, 2, 2, 2, 0, 0]);
  });

  it('rejects unknown functions by name', () => {
    expect(() =>
      parsePostprocessing({ postprocessing_fns: ['frob'], postprocessing_kwargs: [{}] }, 'pp.json'),
    ).toThrow(/pp\.json: postprocessing function 'frob'/);
  });
});
