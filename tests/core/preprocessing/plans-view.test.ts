import { describe, expect, it } from 'vitest';
import { readPreprocessingPlans } from '../../../src/core/preprocessing/plans-view';
import { sharedJson } from '../../helpers/shared';

const plans = sharedJson<Record<string, unknown>>('reference/Dataset001_TSAbdomenCT/nnUNetPlans.json');

describe('the plans keys preprocessing reads', () => {
  it('reads a configuration (and one that inherits from it)', () => {
    const p = readPreprocessingPlans(plans, '3d_fullres');
    expect(p.config.spacing).toEqual([3, 3, 3]);
    expect(p.config.normalizationSchemes).toEqual(['CTNormalization']);
    expect(p.config.dataKwargs).toEqual({ is_seg: false, order: 3, order_z: 0, force_separate_z: null });
    expect(p.config.segKwargs.order).toBe(1);
    expect(p.intensityProperties['0'].percentile_99_5).toBe(78);
    const tiny = readPreprocessingPlans(
      sharedJson(
        'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/plans.json',
      ),
      '3d_fullres_tiny',
    );
    expect(tiny.config.spacing).toEqual([3, 3, 3]);
    expect(readPreprocessingPlans(plans, '2d').config.spacing).toEqual([3, 3]);
  });

  it('derives transpose_backward and checks it', () => {
    const p = readPreprocessingPlans(
      { ...plans, transpose_forward: [2, 0, 1], transpose_backward: undefined },
      '3d_fullres',
    );
    expect(p.transposeBackward).toEqual([1, 2, 0]);
    expect(() =>
      readPreprocessingPlans(
        { ...plans, transpose_forward: [2, 0, 1], transpose_backward: [2, 0, 1] },
        '3d_fullres',
        'p.json',
      ),
    ).toThrow(/p.json: transpose_backward is not the inverse/);
  });

  it('names the fault in one line', () => {
    expect(() => readPreprocessingPlans(plans, '3d_lowres', 'plans.json')).toThrow(
      /plans.json: has no configuration .3d_lowres./,
    );
    const bad = structuredClone(plans) as { configurations: Record<string, Record<string, unknown>> };
    bad.configurations['3d_fullres'].resampling_fn_data = 'my_resampler';
    expect(() => readPreprocessingPlans(bad, '3d_fullres')).toThrow(
      /resampling_fn_data 'my_resampler' is not supported/,
    );
    bad.configurations['3d_fullres'].resampling_fn_data = 'resample_data_or_seg_to_shape';
    bad.configurations['3d_fullres'].use_mask_for_norm = [];
    expect(() => readPreprocessingPlans(bad, '3d_fullres')).toThrow(/use_mask_for_norm/);
  });
});
