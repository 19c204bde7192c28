import type { NetworkSpec } from './network-spec';
import { loadNetworkWeights, type NnunetCheckpoint } from './nnunet-checkpoint';
import {
  type EmitOptions,
  emitAccumulatingHead,
  emitOnnx,
  emitSegmentationHead,
  segmentationLayerPrefix,
} from './onnx/emit-network';

/**
 * An nnU-Net checkpoint as an ONNX model: weights checked against the spec (strict), then emitted.
 * The model's metadata_props record where it came from, so a bundle can be recognised later.
 */
export async function exportCheckpointToOnnx(
  ckpt: NnunetCheckpoint,
  spec: NetworkSpec,
  options: EmitOptions = {},
): Promise<Uint8Array> {
  const weights = await loadNetworkWeights(ckpt, spec);
  return emitOnnx(spec, weights, {
    ...options,
    metadata: {
      'tessera.source': 'nnU-Net checkpoint',
      'tessera.network_class': spec.networkClass,
      'tessera.configuration': ckpt.configuration ?? '',
      'tessera.trainer': ckpt.trainerName ?? '',
      'tessera.fold': String(ckpt.fold ?? ''),
      'tessera.output_activation': spec.outputActivation,
      ...options.metadata,
    },
  });
}

/** The checkpoint's segmentation layer weights only (the heads below need no other tensor). */
async function segmentationLayerWeights(ckpt: NnunetCheckpoint, spec: NetworkSpec) {
  const layer = segmentationLayerPrefix(spec);
  return loadNetworkWeights(ckpt, spec, (k) => k.startsWith(`${layer}.`));
}

/** A checkpoint's 1×1 segmentation layer alone, for networks exported with `segmentationHead: 'separate'`. */
export async function exportSegmentationHeadToOnnx(
  ckpt: NnunetCheckpoint,
  spec: NetworkSpec,
): Promise<Uint8Array> {
  return emitSegmentationHead(spec, await segmentationLayerWeights(ckpt, spec));
}

/**
 * The segmentation layer fused with the float16 accumulation of a slice, or with its division and argmax
 * (emitAccumulatingHead).
 */
export async function exportAccumulatingHeadToOnnx(
  ckpt: NnunetCheckpoint,
  spec: NetworkSpec,
  output: 'sums' | 'labels' = 'sums',
): Promise<Uint8Array> {
  return emitAccumulatingHead(spec, await segmentationLayerWeights(ckpt, spec), output);
}
