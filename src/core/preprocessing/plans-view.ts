import { TesseraError } from '../errors';
import { getConfiguration, normalizePlans } from '../nnunet/plans';
import type { ResampleKwargs } from '../resampling/resample-plan';
import type { IntensityProperties } from './normalization';

/**
 * The few plans keys preprocessing and export read, as a small local type. The planning stage owns
 * the full plans types; this view is kept minimal so switching to them is a one-file change.
 */
export interface PreprocessingConfig {
  name: string;
  /** target spacing, already transposed (2 entries for 2-D configurations) */
  spacing: number[];
  normalizationSchemes: string[];
  useMaskForNorm: boolean[];
  dataKwargs: ResampleKwargs;
  segKwargs: ResampleKwargs;
  probabilitiesKwargs: ResampleKwargs;
  dataIdentifier?: string;
}

export interface PreprocessingPlans {
  transposeForward: [number, number, number];
  transposeBackward: [number, number, number];
  /** keyed by channel index as a string, like the plans */
  intensityProperties: Record<string, IntensityProperties>;
  config: PreprocessingConfig;
}

const RESAMPLE_FN = 'resample_data_or_seg_to_shape';

/** Read plans.json (already parsed) for one configuration, following `inherits_from`. */
export function readPreprocessingPlans(
  plans: unknown,
  configuration: string,
  file = 'plans.json',
): PreprocessingPlans {
  const fail = (detail: string): never => {
    throw new TesseraError('bad-plans', file, detail);
  };
  // the top level (transposes, legacy keys) and the configuration (inherits_from, legacy architecture) are
  // nnU-Net's data model's to read; this view only picks and checks what preprocessing uses
  const p = normalizePlans(plans, file);
  const c = getConfiguration(p, configuration, file);
  const tf = p.transpose_forward as [number, number, number];
  const tb = p.transpose_backward as [number, number, number];
  const intensity = (p.foreground_intensity_properties_per_channel ?? {}) as Record<
    string,
    IntensityProperties
  >;

  const spacing = c.spacing;
  if (!Array.isArray(spacing) || spacing.length < 2 || spacing.length > 3 || !spacing.every((s) => s > 0))
    fail(`configuration '${configuration}': 'spacing' must be 2 or 3 positive numbers`);
  const schemes = c.normalization_schemes;
  if (!Array.isArray(schemes) || !schemes.every((s) => typeof s === 'string'))
    fail(`configuration '${configuration}': 'normalization_schemes' must be a list of names`);
  const useMask = c.use_mask_for_norm;
  if (!Array.isArray(useMask) || useMask.length !== (schemes as string[]).length)
    fail(`configuration '${configuration}': 'use_mask_for_norm' must have one entry per channel`);
  for (const key of ['resampling_fn_data', 'resampling_fn_seg', 'resampling_fn_probabilities'])
    if (c[key] !== undefined && c[key] !== RESAMPLE_FN)
      fail(`configuration '${configuration}': ${key} '${c[key]}' is not supported (only ${RESAMPLE_FN})`);
  return {
    transposeForward: tf,
    transposeBackward: tb,
    intensityProperties: intensity,
    config: {
      name: configuration,
      spacing: spacing as number[],
      normalizationSchemes: schemes as string[],
      useMaskForNorm: (useMask as unknown[]).map(Boolean),
      dataKwargs: kwargs(c.resampling_fn_data_kwargs, { is_seg: false, order: 3, order_z: 0 }, 'data', fail),
      segKwargs: kwargs(c.resampling_fn_seg_kwargs, { is_seg: true, order: 1, order_z: 0 }, 'seg', fail),
      probabilitiesKwargs: kwargs(
        c.resampling_fn_probabilities_kwargs,
        { is_seg: false, order: 1, order_z: 0 },
        'probabilities',
        fail,
      ),
      dataIdentifier: typeof c.data_identifier === 'string' ? c.data_identifier : undefined,
    },
  };
}

function kwargs(
  v: unknown,
  defaults: Omit<ResampleKwargs, 'force_separate_z'>,
  what: string,
  fail: (d: string) => never,
): ResampleKwargs {
  const k = (v ?? {}) as Partial<ResampleKwargs>;
  const order = k.order ?? defaults.order;
  const orderZ = k.order_z ?? defaults.order_z;
  for (const [n, o] of [
    ['order', order],
    ['order_z', orderZ],
  ] as const)
    if (!Number.isInteger(o) || o < 0 || o > 5)
      fail(`resampling_fn_${what}_kwargs.${n} must be an integer 0 to 5`);
  return {
    is_seg: k.is_seg ?? defaults.is_seg,
    order,
    order_z: orderZ,
    force_separate_z: k.force_separate_z ?? null,
  };
}
