import type { Architecture } from './plans-types';

export interface UNetLayout {
  networkClassName: string;
  /** PlainConvUNet counts convs per encoder stage, ResidualEncoderUNet residual blocks */
  plain: boolean;
  dim: number;
  featuresPerStage: number[];
  kernelSizes: number[][];
  strides: number[][];
  encoderDepth: number[];
  decoderDepth: number[];
}

/**
 * The `architecture` entry of an nnU-Net plans configuration. Everything but the layout is fixed in nnU-Net
 * (biased convs, affine InstanceNorm with eps 1e-5, no dropout, LeakyReLU); key order is nnU-Net's, which
 * keeps written plans byte-identical.
 */
export function unetArchitecture(l: UNetLayout): Architecture {
  return {
    network_class_name: l.networkClassName,
    arch_kwargs: {
      n_stages: l.featuresPerStage.length,
      features_per_stage: l.featuresPerStage,
      conv_op: `torch.nn.modules.conv.Conv${l.dim}d`,
      kernel_sizes: l.kernelSizes,
      strides: l.strides,
      ...(l.plain ? { n_conv_per_stage: l.encoderDepth } : { n_blocks_per_stage: l.encoderDepth }),
      n_conv_per_stage_decoder: l.decoderDepth,
      conv_bias: true,
      norm_op: `torch.nn.modules.instancenorm.InstanceNorm${l.dim}d`,
      norm_op_kwargs: { eps: 1e-5, affine: true },
      dropout_op: null,
      dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU',
      nonlin_kwargs: { inplace: true },
    },
    _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
  };
}
