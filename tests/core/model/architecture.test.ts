import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../../src/core/errors';
import { networkSpecFromPlans } from '../../../src/core/model/network-spec';
import { parameterCount, parameterShapes, uniqueParameters } from '../../../src/core/model/parameters';
import { labelManager } from '../../../src/core/nnunet/labels';
import { REFERENCE } from '../../helpers/shared';
import { modelFixtures, readJson } from './fixtures';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

describe('NetworkSpec from plans', () => {
  it('reads the shared tiny 3d_fullres model (inherits_from resolved)', () => {
    const spec = networkSpecFromPlans(
      readJson(path.join(TINY, 'plans.json')),
      '3d_fullres_tiny',
      readJson(path.join(TINY, 'dataset.json')),
    );
    expect(spec.networkClass).toBe('PlainConvUNet');
    expect(spec.dim).toBe(3);
    expect(spec.inputChannels).toBe(1);
    expect(spec.numClasses).toBe(5);
    expect(spec.featuresPerStage).toEqual([8, 16, 32, 64, 64]);
    expect(spec.patchSize).toEqual([32, 112, 128]);
    expect(spec.strides[4]).toEqual([1, 2, 2]);
    expect(spec.norm).toEqual({ op: 'InstanceNorm', eps: 1e-5, affine: true, trackRunningStats: false });
    expect(spec.nonlin).toEqual({ op: 'LeakyReLU', negativeSlope: 0.01 });
    const entries = parameterShapes(spec);
    expect(entries.length).toBe(240);
    // 0.92 M parameters per the reference README
    expect(parameterCount(spec)).toBeGreaterThan(900_000);
    expect(parameterCount(spec)).toBeLessThan(940_000);
    expect(uniqueParameters(spec).length).toBe(88);
    expect(
      entries.find((e) => e.key === 'decoder.encoder.stages.0.0.convs.0.all_modules.1.weight')?.aliasOf,
    ).toBe('encoder.stages.0.0.convs.0.norm.weight');
    expect(entries.find((e) => e.key === 'decoder.transpconvs.0.weight')?.shape).toEqual([64, 64, 1, 2, 2]);
  });

  for (const fx of modelFixtures()) {
    it(`${fx.name}: every state-dict key, shape and order as dynamic-network-architectures`, () => {
      const spec = networkSpecFromPlans(
        readJson(path.join(fx.dir, 'plans.json')),
        fx.configuration,
        readJson(path.join(fx.dir, 'dataset.json')),
      );
      const fold = Object.values(fx.summary.folds)[0];
      const entries = parameterShapes(spec);
      expect(entries.map((e) => [e.key, e.shape])).toEqual(fold.state_dict);
      expect(uniqueParameters(spec).map((e) => e.key)).toEqual(fold.parameters_in_order);
      expect(parameterCount(spec)).toBe(fold.parameter_count);
      // every alias points to a canonical key of the same shape
      const byKey = new Map(entries.map((e) => [e.key, e]));
      for (const e of entries) {
        if (!e.aliasOf) continue;
        const target = byKey.get(e.aliasOf);
        expect(target?.aliasOf, e.key).toBeNull();
        expect(target?.shape).toEqual(e.shape);
      }
    });
  }

  it('rejects unsupported architectures with a one-line error naming the plans file', () => {
    const plans = readJson<{
      configurations: Record<string, { architecture: { network_class_name: string } }>;
    }>(path.join(TINY, 'plans.json'));
    plans.configurations['3d_fullres'].architecture.network_class_name = 'my.module.Primus';
    expect(() =>
      networkSpecFromPlans(plans, '3d_fullres', readJson(path.join(TINY, 'dataset.json'))),
    ).toThrow(
      /plans\.json \(configuration 3d_fullres\): network class "my\.module\.Primus" is not supported/,
    );
    expect(() => networkSpecFromPlans(plans, 'nope', {})).toThrow(TesseraError);
  });
});

describe('NetworkSpec: cascade and legacy ResidualEncoderUNet', () => {
  const plans = readJson<{ configurations: Record<string, Record<string, unknown>> }>(
    path.join(TINY, 'plans.json'),
  );
  const dataset = readJson(path.join(TINY, 'dataset.json'));

  it('a cascade stage takes the one-hot previous segmentation as extra input channels', () => {
    const p = structuredClone(plans);
    p.configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
    const spec = networkSpecFromPlans(p, '3d_cascade_fullres', dataset);
    expect(spec.inputChannels).toBe(1 + 4);
    expect(parameterShapes(spec)[0].shape).toEqual([32, 5, 3, 3, 3]);
  });

  it("legacy 'ResidualEncoderUNet' plans map to n_blocks_per_stage", () => {
    const p = structuredClone(plans);
    p.configurations.legacy = {
      patch_size: [32, 64, 64],
      UNet_class_name: 'ResidualEncoderUNet',
      UNet_base_num_features: 8,
      unet_max_num_features: 16,
      n_conv_per_stage_encoder: [1, 2, 2],
      n_conv_per_stage_decoder: [1, 1],
      conv_kernel_sizes: [
        [3, 3, 3],
        [3, 3, 3],
        [3, 3, 3],
      ],
      pool_op_kernel_sizes: [
        [1, 1, 1],
        [2, 2, 2],
        [2, 2, 2],
      ],
    };
    const spec = networkSpecFromPlans(p, 'legacy', dataset);
    expect(spec.networkClass).toBe('ResidualEncoderUNet');
    expect(spec.featuresPerStage).toEqual([8, 16, 16]);
    expect(spec.nPerStageEncoder).toEqual([1, 2, 2]);
    const keys = parameterShapes(spec).map((e) => e.key);
    expect(keys[0]).toBe('encoder.stem.convs.0.conv.weight');
    expect(keys).toContain('encoder.stages.1.blocks.0.skip.1.conv.weight');
    // stage 2 keeps 16 channels: its strided block pools on the skip path without a projection conv
    expect(keys.some((k) => k.startsWith('encoder.stages.2.blocks.0.skip.'))).toBe(false);
  });
});

describe('labelManager', () => {
  it('counts labels and regions like nnU-Net LabelManager', () => {
    const l = labelManager({ labels: { background: 0, a: 1, b: 2, ignore: 3 } });
    expect(l.numHeads).toBe(3);
    expect(l.ignoreLabel).toBe(3);
    const r = labelManager({
      labels: { background: 0, whole: [1, 2, 3], core: [2, 3], en: 3 },
      regions_class_order: [1, 2, 3],
    });
    expect(r.hasRegions).toBe(true);
    expect(r.numHeads).toBe(3);
    expect(r.activation).toBe('sigmoid');
    expect(() => labelManager({ labels: { a: 1 } })).toThrow(/background/);
  });
});
