import type { NetworkSpec, NonlinSpec, NormSpec } from './network-spec';

/**
 * The module tree dynamic-network-architectures builds from a NetworkSpec, with every module's state-dict
 * prefix. One walk of this tree gives the forward pass (ONNX emitter, training engine) and the state-dict
 * keys (checkpoint reader and writer), so the two can never disagree.
 *
 * PlainConvUNet (`encoder` = PlainConvEncoder, `decoder` = UNetDecoder):
 *   encoder.stages.{s}.0.convs.{i}          ConvDropoutNormReLU: stage s, conv i (the first conv of a stage
 *                                           carries the stage's stride — strided conv, no pooling)
 *   decoder.encoder.*                       the SAME encoder again: UNetDecoder keeps a reference to it, and
 *                                           torch's state_dict lists shared modules under every path
 *   decoder.stages.{d}.convs.{i}            decoder stage d (d = 0 is the lowest resolution), conv i; its first
 *                                           conv takes the concatenation [upsampled, skip] (2 × skip channels)
 *   decoder.transpconvs.{d}                 ConvTranspose, kernel = stride = the encoder stride it undoes
 *   decoder.seg_layers.{d}                  1×1 conv to numClasses; all exist (deep supervision), inference
 *                                           uses only the last one (full resolution)
 *
 * ResidualEncoderUNet (`encoder` = ResidualEncoder, same UNetDecoder):
 *   encoder.stem.convs.0                    ConvDropoutNormReLU, stride 1, input → stem channels
 *   encoder.stages.{s}.blocks.{b}           BasicBlockD: conv1 (conv-norm-nonlin, carries the stride),
 *                                           conv2 (conv-norm, no nonlin), skip, add, nonlin
 *   encoder.stages.{s}.blocks.{b}.skip.{j}  skip path: AvgPool(stride) when strided (no weights, index 0),
 *                                           then a 1×1 conv (no bias) + norm when the channels change
 *
 * Inside every ConvDropoutNormReLU at prefix P the tensors appear twice, under P.conv / P.norm and under
 * P.all_modules.{k} (the same modules held in an nn.Sequential, in order conv, dropout?, norm, nonlin — or
 * conv, dropout?, nonlin, norm when nonlin_first).
 */

export interface ConvUnit {
  /** Module prefix, e.g. `encoder.stages.0.0.convs.0`. */
  prefix: string;
  inChannels: number;
  outChannels: number;
  kernel: number[];
  stride: number[];
  /** Symmetric zero padding per axis: (k - 1) / 2, as dynamic-network-architectures pads. */
  padding: number[];
  bias: boolean;
  norm: NormSpec | null;
  nonlin: NonlinSpec | null;
  nonlinFirst: boolean;
  /** Index of the conv / norm inside `all_modules` (null when absent). */
  allModulesConvIndex: number;
  allModulesNormIndex: number | null;
}

export interface ResidualBlock {
  prefix: string;
  conv1: ConvUnit;
  conv2: ConvUnit;
  /** AvgPool kernel = stride on the skip path, when the block is strided. */
  skipPool: number[] | null;
  /** 1×1 conv + norm on the skip path, when channels change. */
  skipConv: ConvUnit | null;
  /** Applied after the residual add. */
  nonlin: NonlinSpec | null;
}

export interface EncoderStage {
  /** PlainConvUNet: the stage's convs. */
  convs: ConvUnit[];
  /** ResidualEncoderUNet: the stage's residual blocks. */
  blocks: ResidualBlock[];
  outChannels: number;
  stride: number[];
}

export interface TransposedConv {
  prefix: string;
  inChannels: number;
  outChannels: number;
  /** kernel = stride */
  stride: number[];
  bias: boolean;
}

export interface DecoderStage {
  transpconv: TransposedConv;
  /** The first conv takes [transpconv output, skip] concatenated on channels (in that order). */
  convs: ConvUnit[];
  /** 1×1×1 conv to numClasses, always with bias. */
  segLayer: { prefix: string; inChannels: number; outChannels: number };
}

export interface NetworkLayout {
  spec: NetworkSpec;
  /** ResidualEncoderUNet only. */
  stem: ConvUnit | null;
  encoder: EncoderStage[];
  /** Lowest resolution first (order of computation). */
  decoder: DecoderStage[];
}

function convUnit(
  spec: NetworkSpec,
  prefix: string,
  inChannels: number,
  outChannels: number,
  kernel: number[],
  stride: number[],
  opts: { bias?: boolean; nonlin?: boolean; dropout?: boolean; nonlinFirst?: boolean } = {},
): ConvUnit {
  const nonlin = opts.nonlin === false ? null : spec.nonlin;
  const norm = spec.norm;
  const dropout = opts.dropout ?? spec.dropout;
  const nonlinFirst = (opts.nonlinFirst ?? spec.nonlinFirst) && norm !== null && nonlin !== null;
  // all_modules = [conv, dropout?, norm?, nonlin?] with norm and nonlin swapped when nonlin_first.
  let normIndex: number | null = null;
  if (norm) normIndex = 1 + (dropout ? 1 : 0) + (nonlinFirst ? 1 : 0);
  return {
    prefix,
    inChannels,
    outChannels,
    kernel,
    stride,
    padding: kernel.map((k) => Math.floor((k - 1) / 2)),
    bias: opts.bias ?? spec.convBias,
    norm,
    nonlin,
    nonlinFirst,
    allModulesConvIndex: 0,
    allModulesNormIndex: normIndex,
  };
}

export function networkLayout(spec: NetworkSpec): NetworkLayout {
  const ones = new Array(spec.dim).fill(1);
  let stem: ConvUnit | null = null;
  const encoder: EncoderStage[] = [];
  let channels = spec.inputChannels;

  if (spec.networkClass === 'PlainConvUNet') {
    for (let s = 0; s < spec.nStages; s++) {
      const convs: ConvUnit[] = [];
      for (let i = 0; i < spec.nPerStageEncoder[s]; i++) {
        const out = spec.featuresPerStage[s];
        convs.push(
          convUnit(
            spec,
            `encoder.stages.${s}.0.convs.${i}`,
            channels,
            out,
            spec.kernelSizes[s],
            i === 0 ? spec.strides[s] : ones,
          ),
        );
        channels = out;
      }
      encoder.push({ convs, blocks: [], outChannels: channels, stride: spec.strides[s] });
    }
  } else {
    // ResidualEncoder passes no nonlin_first to its blocks or stem.
    const stemOut = spec.stemChannels ?? spec.featuresPerStage[0];
    stem = convUnit(spec, 'encoder.stem.convs.0', channels, stemOut, spec.kernelSizes[0], ones, {
      nonlinFirst: false,
    });
    channels = stemOut;
    for (let s = 0; s < spec.nStages; s++) {
      const blocks: ResidualBlock[] = [];
      for (let b = 0; b < spec.nPerStageEncoder[s]; b++) {
        const prefix = `encoder.stages.${s}.blocks.${b}`;
        const out = spec.featuresPerStage[s];
        const stride = b === 0 ? spec.strides[s] : ones;
        const strided = stride.some((x) => x !== 1);
        const project = channels !== out;
        blocks.push({
          prefix,
          conv1: convUnit(spec, `${prefix}.conv1`, channels, out, spec.kernelSizes[s], stride, {
            nonlinFirst: false,
          }),
          conv2: convUnit(spec, `${prefix}.conv2`, out, out, spec.kernelSizes[s], ones, {
            nonlin: false,
            dropout: false,
            nonlinFirst: false,
          }),
          skipPool: strided ? stride : null,
          skipConv: project
            ? convUnit(spec, `${prefix}.skip.${strided ? 1 : 0}`, channels, out, ones, ones, {
                bias: false,
                nonlin: false,
                dropout: false,
                nonlinFirst: false,
              })
            : null,
          nonlin: spec.nonlin,
        });
        channels = out;
      }
      encoder.push({ convs: [], blocks, outChannels: channels, stride: spec.strides[s] });
    }
  }

  const decoder: DecoderStage[] = [];
  // UNetDecoder: nonlin_first only when PlainConvUNet passes it through.
  const decNonlinFirst = spec.networkClass === 'PlainConvUNet' && spec.nonlinFirst;
  for (let d = 0; d < spec.nStages - 1; d++) {
    const below = encoder[spec.nStages - 1 - d].outChannels;
    const skip = encoder[spec.nStages - 2 - d].outChannels;
    const stride = encoder[spec.nStages - 1 - d].stride;
    const kernel = spec.kernelSizes[spec.nStages - 2 - d];
    const convs: ConvUnit[] = [];
    let ch = 2 * skip;
    for (let i = 0; i < spec.nConvPerStageDecoder[d]; i++) {
      convs.push(
        convUnit(spec, `decoder.stages.${d}.convs.${i}`, ch, skip, kernel, ones, {
          nonlinFirst: decNonlinFirst,
        }),
      );
      ch = skip;
    }
    decoder.push({
      transpconv: {
        prefix: `decoder.transpconvs.${d}`,
        inChannels: below,
        outChannels: skip,
        stride,
        bias: spec.convBias,
      },
      convs,
      segLayer: { prefix: `decoder.seg_layers.${d}`, inChannels: skip, outChannels: spec.numClasses },
    });
  }
  return { spec, stem, encoder, decoder };
}
