import { TesseraError } from '../errors';
import type { IntensityProperties as PlansIntensityProperties } from '../nnunet/plans-types';
import { float32MeanStd, visitInOrder } from '../pycompat/numpy-float32';
import type { Shape3 } from './crop';

/**
 * nnU-Net's intensity normalisation schemes (preprocessing/normalization), in float32 exactly as
 * NumPy evaluates them: scalars are rounded to float32 before each elementwise operation.
 */
export const NORMALIZATION_SCHEMES = [
  'CTNormalization',
  'ZScoreNormalization',
  'NoNormalization',
  'RescaleTo01Normalization',
  'RGBTo01Normalization',
] as const;
export type NormalizationScheme = (typeof NORMALIZATION_SCHEMES)[number];

/** The planner's choice from a dataset.json channel name (case-insensitive; anything else: z-score). */
export function schemeForChannelName(name: string): NormalizationScheme {
  switch (name.toLowerCase()) {
    case 'ct':
      return 'CTNormalization';
    case 'nonorm':
      return 'NoNormalization';
    case 'zscore':
      return 'ZScoreNormalization';
    case 'rescale_to_0_1':
      return 'RescaleTo01Normalization';
    case 'rgb_to_0_1':
      return 'RGBTo01Normalization';
    default:
      return 'ZScoreNormalization';
  }
}

/** foreground_intensity_properties_per_channel[c] of the plans. */
/** The fingerprint's per-channel intensity statistics (CTNormalization reads four of them). */
export type IntensityProperties = Pick<
  PlansIntensityProperties,
  'mean' | 'std' | 'percentile_00_5' | 'percentile_99_5'
> &
  Partial<PlansIntensityProperties>;

export interface NormalizeOptions {
  useMaskForNorm: boolean;
  /** the cropped label map (-1 outside the nonzero mask); the mask is seg >= 0 */
  seg?: Int16Array;
  intensity?: IntensityProperties;
  /**
   * The order NumPy walks the channel in when summing: the axes of the pre-transpose array
   * (transpose_backward); C order when nothing was transposed.
   */
  iterationAxes?: readonly number[];
  /** for messages */
  name?: string;
}

const fr = Math.fround;
const EPS = 1e-8;

/** Normalise one cropped (z, y, x) float32 channel in place. */
export function normalizeChannel(
  image: Float32Array,
  shape: Shape3,
  scheme: string,
  o: NormalizeOptions,
): void {
  const name = o.name ?? 'image';
  switch (scheme) {
    case 'CTNormalization': {
      const p = o.intensity;
      if (!p || [p.mean, p.std, p.percentile_00_5, p.percentile_99_5].some((v) => typeof v !== 'number'))
        throw new TesseraError(
          'bad-plans',
          name,
          'CTNormalization needs foreground intensity properties (mean, std, percentiles)',
        );
      const lo = fr(p.percentile_00_5);
      const hi = fr(p.percentile_99_5);
      const mean = fr(p.mean);
      const std = fr(Math.max(p.std, EPS));
      for (let i = 0; i < image.length; i++) {
        let v = image[i];
        // np.clip leaves NaN as NaN, like these comparisons
        if (v < lo) v = lo;
        else if (v > hi) v = hi;
        image[i] = fr(v - mean) / std;
      }
      return;
    }
    case 'ZScoreNormalization':
      zScore(image, shape, o);
      return;
    case 'NoNormalization':
      return;
    case 'RescaleTo01Normalization': {
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < image.length; i++) if (image[i] < min) min = image[i];
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < image.length; i++) {
        image[i] = fr(image[i] - min);
        if (image[i] > max) max = image[i];
      }
      const div = fr(Math.max(max, EPS));
      for (let i = 0; i < image.length; i++) image[i] = image[i] / div;
      return;
    }
    case 'RGBTo01Normalization': {
      for (let i = 0; i < image.length; i++)
        if (!(image[i] >= 0 && image[i] <= 255))
          throw new TesseraError(
            'bad-dataset',
            name,
            `RGBTo01Normalization expects values in [0, 255], found ${image[i]}`,
          );
      for (let i = 0; i < image.length; i++) image[i] = image[i] / 255;
      return;
    }
    default:
      throw new TesseraError(
        'bad-plans',
        name,
        `unknown normalization scheme '${scheme}' (expected one of ${NORMALIZATION_SCHEMES.join(', ')})`,
      );
  }
}

function zScore(image: Float32Array, shape: Shape3, o: NormalizeOptions): void {
  if (o.useMaskForNorm) {
    const seg = o.seg;
    if (!seg)
      throw new TesseraError('bad-plans', o.name ?? 'image', 'use_mask_for_norm needs the nonzero mask');
    // image[seg >= 0] is gathered in C order; statistics over that 1-D copy
    const { mean, std } = float32MeanStd((push) => {
      for (let i = 0; i < image.length; i++) if (seg[i] >= 0) push(image[i]);
    });
    const m = fr(mean);
    const s = fr(Math.max(std, EPS));
    for (let i = 0; i < image.length; i++) if (seg[i] >= 0) image[i] = fr(image[i] - m) / s;
    return;
  }
  const axes = o.iterationAxes ?? [0, 1, 2];
  const identity = axes[0] === 0 && axes[1] === 1 && axes[2] === 2;
  const { mean, std } = float32MeanStd((push) => {
    if (identity) for (let i = 0; i < image.length; i++) push(image[i]);
    else visitInOrder(shape, axes, (i) => push(image[i]));
  });
  const s = fr(Math.max(std, EPS));
  for (let i = 0; i < image.length; i++) image[i] = fr(image[i] - mean) / s;
}
