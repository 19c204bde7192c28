import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BBox3, Shape3 } from '../../../src/core/preprocessing/crop';
import { normalizeChannel, schemeForChannelName } from '../../../src/core/preprocessing/normalization';
import {
  gatherTransposed,
  inversePermutation,
  transposeBBox,
  transposedShape,
} from '../../../src/core/preprocessing/transpose';
import { float32MeanStd, pairwiseSum } from '../../../src/core/pycompat/numpy-float32';
import { fixtureJson, fixtureNpy } from '../../helpers/fixtures';

interface NormCase {
  name: string;
  transpose_forward: [number, number, number];
  bbox: BBox3;
  use_mask_for_norm: boolean;
  mean: number;
  std: number;
  sha256: string;
}

const sha = (a: Float32Array) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

describe('normalization', () => {
  it('maps channel names as nnU-Net does (case-insensitive, z-score otherwise)', () => {
    expect(schemeForChannelName('CT')).toBe('CTNormalization');
    expect(schemeForChannelName('ct')).toBe('CTNormalization');
    expect(schemeForChannelName('noNorm')).toBe('NoNormalization');
    expect(schemeForChannelName('zscore')).toBe('ZScoreNormalization');
    expect(schemeForChannelName('rescale_to_0_1')).toBe('RescaleTo01Normalization');
    expect(schemeForChannelName('RGB_to_0_1')).toBe('RGBTo01Normalization');
    expect(schemeForChannelName('T2')).toBe('ZScoreNormalization');
  });

  it("sums float32 like NumPy's pairwise reduction", () => {
    // np.full(1000, 0.1, np.float32).sum() == 100.000015 (a naive float32 loop gives 99.99905)
    const a = new Float32Array(1000).fill(0.1);
    expect(pairwiseSum(a, 0, a.length)).toBe(100.00001525878906);
    expect(pairwiseSum(new Float32Array([1, 2, 3]), 0, 3)).toBe(6);
  });

  const input = fixtureNpy('preprocessing/normalization_input.npy');
  const seg = fixtureNpy('preprocessing/normalization_seg.npy');
  const shape = input.shape as Shape3;
  for (const c of fixtureJson<NormCase[]>('preprocessing/normalization.json')) {
    it(`ZScore bit-identical to NumPy: ${c.name}`, () => {
      // nnU-Net transposes then crops (views); box given in transposed axes
      const tf = c.transpose_forward;
      const tb = inversePermutation(tf);
      const box = transposeBBox(c.bbox, tb);
      const image = gatherTransposed(input.data, shape, tf, (n) => new Float32Array(n), box);
      const s = gatherTransposed(seg.data, shape, tf, (n) => new Int16Array(n), box);
      const cropShape = c.bbox.map(([a, b]) => b - a) as Shape3;
      expect(cropShape).toEqual(
        transposedShape(
          box.map(([a, b]) => b - a),
          tf,
        ),
      );
      const stats = float32MeanStd((push) => {
        if (c.use_mask_for_norm) {
          for (let i = 0; i < image.length; i++) if (s[i] >= 0) push(image[i]);
        }
      });
      if (c.use_mask_for_norm) {
        expect(stats.mean).toBe(c.mean);
        expect(stats.std).toBe(c.std);
      }
      normalizeChannel(image, cropShape, 'ZScoreNormalization', {
        useMaskForNorm: c.use_mask_for_norm,
        seg: s,
        iterationAxes: tb,
      });
      expect(sha(image)).toBe(c.sha256);
    });
  }

  it('CT: clip to the percentiles, subtract the mean, divide by the std, in float32', () => {
    const img = new Float32Array([-2000, -37, 0, 38.56986999511719, 78, 3000]);
    normalizeChannel(img, [1, 1, 6], 'CTNormalization', {
      useMaskForNorm: false,
      intensity: {
        mean: 38.56986999511719,
        std: 20.277849197387695,
        percentile_00_5: -37,
        percentile_99_5: 78,
      },
    });
    const f = Math.fround;
    const expected = [-37, -37, 0, 38.56986999511719, 78, 78].map((v) =>
      f(f(v - f(38.56986999511719)) / f(20.277849197387695)),
    );
    expect(Array.from(img)).toEqual(expected);
  });

  it('rescale, RGB and no normalization; errors name the fault', () => {
    const a = new Float32Array([2, 4, 6]);
    normalizeChannel(a, [1, 1, 3], 'RescaleTo01Normalization', { useMaskForNorm: false });
    expect(Array.from(a)).toEqual([0, 0.5, 1]);
    const b = new Float32Array([0, 51, 255]);
    normalizeChannel(b, [1, 1, 3], 'RGBTo01Normalization', { useMaskForNorm: false });
    expect(Array.from(b)).toEqual([0, Math.fround(51 / 255), 1]);
    const c = new Float32Array([7]);
    normalizeChannel(c, [1, 1, 1], 'NoNormalization', { useMaskForNorm: false });
    expect(c[0]).toBe(7);
    expect(() =>
      normalizeChannel(new Float32Array([300]), [1, 1, 1], 'RGBTo01Normalization', {
        useMaskForNorm: false,
        name: 'x',
      }),
    ).toThrow(/x: RGBTo01Normalization expects values in \[0, 255\]/);
    expect(() =>
      normalizeChannel(new Float32Array(1), [1, 1, 1], 'Fancy', { useMaskForNorm: false }),
    ).toThrow(/unknown normalization scheme 'Fancy'/);
    expect(() =>
      normalizeChannel(new Float32Array(1), [1, 1, 1], 'CTNormalization', { useMaskForNorm: false }),
    ).toThrow(/needs foreground intensity properties/);
  });
});
