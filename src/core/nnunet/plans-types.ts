/**
 * The nnU-Net v2 plans file (`nnUNetPlans.json` and friends) as TypeScript types. Keys are nnU-Net's
 * own, so a parsed file is a `Plans` as is and a `Plans` serialises to a file nnU-Net accepts.
 */

export interface IntensityProperties {
  max: number;
  mean: number;
  median: number;
  min: number;
  percentile_00_5: number;
  percentile_99_5: number;
  std: number;
}

export interface ResamplingKwargs {
  is_seg: boolean;
  order: number;
  order_z: number;
  force_separate_z: boolean | null;
  [key: string]: unknown;
}

export interface ArchKwargs {
  n_stages: number;
  features_per_stage: number[];
  /** e.g. `torch.nn.modules.conv.Conv3d` */
  conv_op: string;
  kernel_sizes: number[][];
  strides: number[][];
  /** PlainConvUNet */
  n_conv_per_stage?: number[];
  /** ResidualEncoderUNet */
  n_blocks_per_stage?: number[];
  n_conv_per_stage_decoder: number[];
  conv_bias: boolean;
  norm_op: string;
  norm_op_kwargs: { eps: number; affine: boolean; [key: string]: unknown };
  dropout_op: string | null;
  dropout_op_kwargs: Record<string, unknown> | null;
  nonlin: string;
  nonlin_kwargs: Record<string, unknown> | null;
  [key: string]: unknown;
}

export interface Architecture {
  network_class_name: string;
  arch_kwargs: ArchKwargs;
  _kw_requires_import: string[];
}

/** The keys nnU-Net writes for a configuration (a type alias, so it is assignable to an index signature). */
export type PlannedConfiguration = {
  data_identifier: string;
  preprocessor_name: string;
  batch_size: number;
  patch_size: number[];
  median_image_size_in_voxels: number[];
  spacing: number[];
  normalization_schemes: string[];
  use_mask_for_norm: boolean[];
  resampling_fn_data: string;
  resampling_fn_seg: string;
  resampling_fn_data_kwargs: ResamplingKwargs;
  resampling_fn_seg_kwargs: ResamplingKwargs;
  resampling_fn_probabilities: string;
  resampling_fn_probabilities_kwargs: ResamplingKwargs;
  architecture: Architecture;
  batch_dice: boolean;
  /** cascade: the low-resolution stage names its successor(s) */
  next_stage?: string | string[];
  previous_stage?: string;
  inherits_from?: string;
};

/** A configuration with everything resolved (after `inherits_from`), custom keys included. */
export type PlansConfiguration = PlannedConfiguration & { [key: string]: unknown };

/** A configuration as stored: it may inherit from another and override only some keys. */
export type PlansConfigurationEntry = Partial<PlansConfiguration>;

export interface Plans {
  dataset_name: string;
  plans_name: string;
  original_median_spacing_after_transp: number[];
  original_median_shape_after_transp: number[];
  image_reader_writer: string;
  transpose_forward: number[];
  transpose_backward: number[];
  configurations: Record<string, PlansConfigurationEntry>;
  experiment_planner_used: string;
  label_manager: string;
  foreground_intensity_properties_per_channel: Record<string, IntensityProperties>;
  [key: string]: unknown;
}

/** `dataset_fingerprint.json` */
export interface DatasetFingerprint {
  /** (z, y, x) per training case, in case order */
  spacings: number[][];
  shapes_after_crop: number[][];
  foreground_intensity_properties_per_channel: Record<string, IntensityProperties>;
  median_relative_size_after_cropping: number;
}
