import type { Shape3 } from '../preprocessing/crop';
import { resampleData } from './resample-data';
import { planResample, type ResampleKwargs, type ResampleSpec, sameShape } from './resample-plan';
import { resampleSeg } from './resample-seg';

export type { ResampleKwargs, ResampleSpec } from './resample-plan';

/**
 * nnU-Net's resample_data_or_seg_to_shape for a (c, z, y, x) array given as one (z, y, x) array per
 * channel. Images come back as float32 (nnU-Net computes in float64 and stores in the input's dtype,
 * float32 in preprocessing); label maps as int16. When the shape does not change the input is
 * returned as is, like nnU-Net (no clipping, no copy).
 */
export function resampleDataOrSegToShape<T extends Float32Array | Int16Array>(
  channels: T[],
  shape: Shape3,
  newShape: readonly number[],
  currentSpacing: readonly number[],
  newSpacing: readonly number[],
  kwargs: ResampleKwargs,
): T[] {
  if (sameShape(shape, newShape)) return channels;
  const spec = planResample(shape, newShape, currentSpacing, newSpacing, kwargs);
  return channels.map((ch) => resampleChannel(ch, spec) as T);
}

/** One channel under a plan: label maps (spec.isSeg) take Int16Array, images Float32Array. */
export function resampleChannel(
  channel: Float32Array | Int16Array,
  spec: ResampleSpec,
): Float32Array | Int16Array {
  if (spec.isSeg) {
    const labels = channel instanceof Int16Array ? channel : Int16Array.from(channel);
    return resampleSeg(labels, spec);
  }
  const data = channel instanceof Float32Array ? channel : Float32Array.from(channel);
  return resampleData(data, spec);
}
