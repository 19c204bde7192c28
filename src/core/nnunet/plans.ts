/**
 * Reading plans files written by any nnU-Net v2 version, the way PlansManager / ConfigurationManager
 * do: `inherits_from` resolved (cycles refused), pre-`architecture` plans (flat `UNet_class_name`,
 * `conv_kernel_sizes`, `pool_op_kernel_sizes`, … as in TotalSegmentator-era checkpoints) converted,
 * and `foreground_intensity_properties_by_modality` accepted for the newer key.
 */
import { TesseraError } from '../errors';
import type { IntensityProperties, Plans, PlansConfiguration } from './plans-types';
import { unetArchitecture } from './unet-architecture';

function fail(file: string, detail: string): never {
  throw new TesseraError('bad-plans', file, detail);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Check the top level and bring legacy keys up to date (the input is not modified): a missing
 * `transpose_forward` is the identity and a missing `transpose_backward` its inverse.
 */
export function normalizePlans(raw: unknown, file = 'plans.json'): Plans {
  if (!isRecord(raw)) fail(file, 'must hold a JSON object');
  if (!isRecord(raw.configurations) || Object.keys(raw.configurations).length === 0)
    fail(file, "has no 'configurations'");
  const plans = { ...raw } as Plans;
  if (
    !('foreground_intensity_properties_per_channel' in raw) &&
    'foreground_intensity_properties_by_modality' in raw
  )
    plans.foreground_intensity_properties_per_channel =
      raw.foreground_intensity_properties_by_modality as Record<string, IntensityProperties>;
  plans.transpose_forward = permutation(raw.transpose_forward, 'transpose_forward', file) ?? [0, 1, 2];
  const tf = plans.transpose_forward;
  plans.transpose_backward =
    permutation(raw.transpose_backward, 'transpose_backward', file) ?? [0, 1, 2].map((a) => tf.indexOf(a));
  if (tf.some((a, i) => plans.transpose_backward[a] !== i))
    fail(file, 'transpose_backward is not the inverse of transpose_forward');
  return plans;
}

function permutation(v: unknown, key: string, file: string): number[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.length !== 3 || [...v].sort().join() !== '0,1,2')
    fail(file, `'${key}' must be a permutation of [0, 1, 2]`);
  return v as number[];
}

/** Configuration names in plans.json, in file order. */
export function configurationNames(plans: unknown): string[] {
  const configs = (plans as { configurations?: unknown })?.configurations;
  return isRecord(configs) ? Object.keys(configs) : [];
}

/**
 * `PlansManager.get_configuration`: the configuration with its `inherits_from` chain merged in (the parent
 * first, then the child's keys replace the parent's one level deep: a child that sets `architecture` replaces
 * it whole), and plans written before the `architecture` key converted as ConfigurationManager does.
 */
export function getConfiguration(plans: unknown, name: string, file = 'plans.json'): PlansConfiguration {
  const configurations = (plans as { configurations?: unknown })?.configurations;
  if (!isRecord(configurations)) fail(file, "has no 'configurations'");
  const resolve = (n: string, visited: string[]): Record<string, unknown> => {
    const c = configurations[n];
    if (!isRecord(c))
      fail(
        file,
        `has no configuration '${n}' (it has ${Object.keys(configurations)
          .map((k) => `'${k}'`)
          .join(', ')})`,
      );
    const parent = c.inherits_from;
    if (parent === undefined || parent === null) return structuredClone(c);
    if (typeof parent !== 'string') fail(file, `configuration '${n}': 'inherits_from' must be a name`);
    if (visited.includes(parent))
      fail(file, `configuration inheritance loops: ${[...visited, n, parent].join(' → ')}`);
    return { ...resolve(parent, [...visited, n]), ...structuredClone(c) };
  };
  const merged = resolve(name, []);
  const legacy = !('architecture' in merged) && 'UNet_class_name' in merged;
  return (legacy ? convertLegacyConfiguration(merged, file) : merged) as PlansConfiguration;
}

/** ConfigurationManager's reconstruction of `architecture` from the flat keys of older plans. */
function convertLegacyConfiguration(c: Record<string, unknown>, file: string): Record<string, unknown> {
  const cls = c.UNet_class_name;
  let networkClassName: string;
  if (cls === 'PlainConvUNet')
    networkClassName = 'dynamic_network_architectures.architectures.unet.PlainConvUNet';
  else if (cls === 'ResidualEncoderUNet')
    networkClassName = 'dynamic_network_architectures.architectures.residual_unet.ResidualEncoderUNet';
  else
    fail(
      file,
      `unknown architecture '${String(cls)}' (old plans support PlainConvUNet and ResidualEncoderUNet)`,
    );
  const encoder = c.n_conv_per_stage_encoder as number[] | undefined;
  if (!Array.isArray(encoder)) fail(file, "old-style plans lack 'n_conv_per_stage_encoder'");
  const nStages = encoder.length;
  const dim = (c.patch_size as number[] | undefined)?.length ?? 3;
  const base = c.UNet_base_num_features as number;
  const max = c.unet_max_num_features as number;
  const architecture = unetArchitecture({
    networkClassName,
    plain: cls === 'PlainConvUNet',
    dim,
    featuresPerStage: Array.from({ length: nStages }, (_, i) => Math.min(base * 2 ** i, max)),
    kernelSizes: c.conv_kernel_sizes as number[][],
    strides: c.pool_op_kernel_sizes as number[][],
    encoderDepth: encoder,
    decoderDepth: c.n_conv_per_stage_decoder as number[],
  });
  const out = { ...c };
  for (const k of [
    'UNet_class_name',
    'UNet_base_num_features',
    'n_conv_per_stage_encoder',
    'n_conv_per_stage_decoder',
    'num_pool_per_axis',
    'pool_op_kernel_sizes',
    'conv_kernel_sizes',
    'unet_max_num_features',
  ])
    delete out[k];
  out.architecture = architecture;
  return out;
}
