import { describe, expect, it } from 'vitest';
import { type PlanningContext, planConfiguration } from '../../../src/core/planning/configuration-planner';
import { PLANNERS } from '../../../src/core/planning/planners';
import { getPoolAndConvProps } from '../../../src/core/planning/topology';
import { sharedJson } from '../../helpers/shared';

interface PoolCase {
  input: { spacing: number[]; patch_size: number[]; min_feature_map_size: number; max_numpool: number };
  output: {
    num_pool_per_axis: number[];
    pool_op_kernel_sizes: number[][];
    conv_kernel_sizes: number[][];
    patch_size: number[];
    must_be_divisible_by: number[];
  };
}
interface ConfigCase {
  input: { spacing: number[]; median_shape: number[]; approximate_n_voxels_dataset: number };
  output: {
    patch_size: number[];
    batch_size: number;
    arch_kwargs: {
      n_stages: number;
      features_per_stage: number[];
      kernel_sizes: number[][];
      strides: number[][];
    };
    conv_feature_map_size_estimate_final: number;
    evaluated_estimates: Record<string, number>;
  };
}
const ref = sharedJson<{
  get_pool_and_conv_props: PoolCase[];
  get_plans_for_configuration: { cases: ConfigCase[] };
}>('reference/topology_cases.json');

/** Python's str() of the (patch, strides) cache key nnU-Net uses. */
const pyTuple = (a: number[]) => (a.length === 1 ? `(${a[0]},)` : `(${a.join(', ')})`);
const keyOf = (patch: number[], strides: number[][]) =>
  `${pyTuple(patch)}_(${strides.map(pyTuple).join(', ')})`;

describe('get_pool_and_conv_props against nnU-Net', () => {
  for (const c of ref.get_pool_and_conv_props) {
    it(`spacing ${c.input.spacing} patch ${c.input.patch_size}`, () => {
      const r = getPoolAndConvProps(
        c.input.spacing,
        c.input.patch_size,
        c.input.min_feature_map_size,
        c.input.max_numpool,
      );
      expect(r.numPoolPerAxis).toEqual(c.output.num_pool_per_axis);
      expect(r.poolOpKernelSizes).toEqual(c.output.pool_op_kernel_sizes);
      expect(r.convKernelSizes).toEqual(c.output.conv_kernel_sizes);
      expect(r.patchSize).toEqual(c.output.patch_size);
      expect(r.mustBeDivisibleBy).toEqual(c.output.must_be_divisible_by);
    });
  }
});

describe('get_plans_for_configuration against nnU-Net (Dataset001 settings: 1 channel, 5 labels)', () => {
  const ctx: PlanningContext = {
    settings: PLANNERS.ExperimentPlanner,
    gpuMemoryGB: 8,
    numInputChannels: 1,
    numOutputChannels: 5,
    normalizationSchemes: ['CTNormalization'],
    useMaskForNorm: [false],
    preprocessorName: 'DefaultPreprocessor',
  };
  for (const c of ref.get_plans_for_configuration.cases) {
    it(`spacing ${c.input.spacing} median ${c.input.median_shape}`, () => {
      const { plan, trace } = planConfiguration(
        ctx,
        c.input.spacing,
        c.input.median_shape,
        'x',
        c.input.approximate_n_voxels_dataset,
        new Map(),
      );
      expect(plan.patch_size).toEqual(c.output.patch_size);
      expect(plan.batch_size).toBe(c.output.batch_size);
      const kw = plan.architecture.arch_kwargs;
      expect(kw.n_stages).toBe(c.output.arch_kwargs.n_stages);
      expect(kw.features_per_stage).toEqual(c.output.arch_kwargs.features_per_stage);
      expect(kw.kernel_sizes).toEqual(c.output.arch_kwargs.kernel_sizes);
      expect(kw.strides).toEqual(c.output.arch_kwargs.strides);
      expect(trace.estimate).toBe(c.output.conv_feature_map_size_estimate_final);
      const evaluated = Object.fromEntries(
        trace.steps.map((s) => [keyOf(s.patchSize, s.strides), s.estimate]),
      );
      expect(evaluated).toEqual(c.output.evaluated_estimates);
    });
  }

  it('the worked Hippocampus example of the docs: patch 40×56×40, 4 stages, batch 9', () => {
    const { plan } = planConfiguration(ctx, [1, 1, 1], [36, 50, 35], 'x', 36 * 50 * 35 * 260, new Map());
    expect(plan.patch_size).toEqual([40, 56, 40]);
    expect(plan.architecture.arch_kwargs.n_stages).toBe(4);
    expect(plan.batch_size).toBe(9);
  });
});
