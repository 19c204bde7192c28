import { describe, expect, it } from 'vitest';
import { getConfiguration, normalizePlans } from '../../../src/core/nnunet/plans';
import type { Plans } from '../../../src/core/nnunet/plans-types';
import { sharedJson } from '../../helpers/shared';

const tinyPlans = sharedJson<Plans>(
  'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny/plans.json',
);

describe('plans files of every nnU-Net v2 vintage', () => {
  it('resolves inherits_from (a shallow update, as PlansManager does)', () => {
    const plans = normalizePlans(tinyPlans);
    const c = getConfiguration(plans, '3d_fullres_tiny');
    expect(c.patch_size).toEqual([32, 112, 128]);
    expect(c.batch_size).toBe(2);
    expect(c.architecture.arch_kwargs.features_per_stage).toEqual([8, 16, 32, 64, 64]);
    expect('inherits_from' in c).toBe(true);
    expect(() => getConfiguration(plans, '3d_lowres')).toThrow(
      "plans.json: has no configuration '3d_lowres' (it has '2d', '3d_fullres', '3d_fullres_tiny')",
    );
  });

  it('refuses an inheritance loop', () => {
    const plans = normalizePlans({
      ...tinyPlans,
      configurations: { a: { inherits_from: 'b' }, b: { inherits_from: 'a' } },
    });
    expect(() => getConfiguration(plans, 'a')).toThrow('configuration inheritance loops: a → b → a');
  });

  it('rebuilds architecture from the flat keys of old plans', () => {
    const old = {
      ...tinyPlans,
      foreground_intensity_properties_by_modality: tinyPlans.foreground_intensity_properties_per_channel,
      configurations: {
        '3d_fullres': {
          ...tinyPlans.configurations['3d_fullres'],
          architecture: undefined,
          UNet_class_name: 'PlainConvUNet',
          UNet_base_num_features: 32,
          unet_max_num_features: 320,
          n_conv_per_stage_encoder: [2, 2, 2, 2, 2],
          n_conv_per_stage_decoder: [2, 2, 2, 2],
          num_pool_per_axis: [3, 4, 4],
          pool_op_kernel_sizes: [
            [1, 1, 1],
            [2, 2, 2],
            [2, 2, 2],
            [2, 2, 2],
            [1, 2, 2],
          ],
          conv_kernel_sizes: Array.from({ length: 5 }, () => [3, 3, 3]),
        },
      },
    } as unknown as Record<string, unknown>;
    delete old.foreground_intensity_properties_per_channel;
    delete (old.configurations as Record<string, Record<string, unknown>>)['3d_fullres'].architecture;
    const plans = normalizePlans(old);
    expect(plans.foreground_intensity_properties_per_channel['0'].percentile_99_5).toBe(78);
    const c = getConfiguration(plans, '3d_fullres');
    expect(c.architecture).toEqual(tinyPlans.configurations['3d_fullres'].architecture);
    expect('UNet_class_name' in c).toBe(false);
  });
});

describe('one reader of plans for every stage', () => {
  it('a cascade configuration takes batch_size and batch_dice from the configuration it inherits from', () => {
    const plans = normalizePlans({
      ...tinyPlans,
      configurations: {
        ...(tinyPlans as { configurations: object }).configurations,
        '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' },
      },
    });
    const parent = getConfiguration(plans, '3d_fullres');
    const c = getConfiguration(plans, '3d_cascade_fullres');
    expect(c.batch_size).toBe(parent.batch_size);
    expect(c.batch_dice).toBe(parent.batch_dice);
    expect(c.previous_stage).toBe('3d_lowres');
  });

  it('fills a missing transpose_backward with the inverse of transpose_forward and checks a given one', () => {
    const p = normalizePlans({ ...tinyPlans, transpose_forward: [2, 0, 1], transpose_backward: undefined });
    expect(p.transpose_backward).toEqual([1, 2, 0]);
    expect(() =>
      normalizePlans({ ...tinyPlans, transpose_forward: [2, 0, 1], transpose_backward: [2, 0, 1] }),
    ).toThrow(/not the inverse/);
  });
});
