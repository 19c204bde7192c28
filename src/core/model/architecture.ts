/**
 * The network nnU-Net builds for a plans configuration — the single source of truth for the ONNX emitter,
 * the training engine and the checkpoint writer:
 * - network-spec.ts: NetworkSpec from plans (+ dataset.json), incl. legacy flat plans keys;
 * - network-layout.ts: the module tree with state-dict prefixes (documented there);
 * - parameters.ts: every state-dict key and shape in order, aliases, parameter count.
 */
export type { LabelManager } from '../nnunet/labels';
export { imageChannelCount, labelManager } from '../nnunet/labels';
export { configurationNames, getConfiguration } from '../nnunet/plans';
export type {
  ConvUnit,
  DecoderStage,
  EncoderStage,
  NetworkLayout,
  ResidualBlock,
  TransposedConv,
} from './network-layout';
export { networkLayout } from './network-layout';
export type { NetworkClass, NetworkSpec, NonlinSpec, NormSpec } from './network-spec';
export { networkSpecFromConfiguration, networkSpecFromPlans } from './network-spec';
export type { ParameterEntry } from './parameters';
export { numel, parameterCount, parameterShapes, uniqueParameters } from './parameters';
