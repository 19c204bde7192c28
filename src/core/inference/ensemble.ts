import type { LabelManager } from '../nnunet/labels';

/**
 * nnUNetv2_ensemble's arithmetic (ensembling/ensemble.py): the probabilities of every folder summed in
 * float32 in the order given, then divided by their count — each step rounded to float32 as NumPy's
 * in-place `+=` and `/=` on a float32 array do, so the average is bit-identical.
 */
export function averageProbabilities(arrays: Float32Array[]): Float32Array {
  if (arrays.length === 0) throw new Error('averageProbabilities needs at least one array');
  const avg = Float32Array.from(arrays[0]);
  for (const a of arrays.slice(1)) {
    if (a.length !== avg.length) throw new Error('probability arrays differ in size');
    for (let i = 0; i < avg.length; i++) avg[i] = Math.fround(avg[i] + a[i]);
  }
  const n = arrays.length;
  if (n > 1) for (let i = 0; i < avg.length; i++) avg[i] = Math.fround(avg[i] / n);
  return avg;
}

/**
 * LabelManager.convert_probabilities_to_segmentation on (K, …) channel-major probabilities: argmax over
 * the channels (the first maximum, as numpy.argmax) for label models; regions painted in
 * regions_class_order where their probability exceeds 0.5. uint8 when every value fits below 255, as the
 * image writers store it, else uint16.
 */
export function probabilitiesToSegmentation(
  probabilities: Float32Array,
  channels: number,
  scheme: Pick<LabelManager, 'hasRegions' | 'regionsClassOrder'>,
): Uint8Array | Uint16Array {
  const n = probabilities.length / channels;
  const seg = new Uint16Array(n);
  if (scheme.hasRegions) {
    const order = scheme.regionsClassOrder ?? [];
    if (order.length !== channels)
      throw new Error(`regions_class_order has ${order.length} entries for ${channels} channels`);
    order.forEach((label, k) => {
      const p = probabilities.subarray(k * n, (k + 1) * n);
      for (let i = 0; i < n; i++) if (p[i] > 0.5) seg[i] = label;
    });
  } else {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let max = probabilities[i];
      for (let k = 1; k < channels; k++) {
        const v = probabilities[k * n + i];
        if (v > max || (Number.isNaN(v) && !Number.isNaN(max))) {
          max = v;
          best = k;
        }
      }
      seg[i] = best;
    }
  }
  let top = 0;
  for (let i = 0; i < n; i++) if (seg[i] > top) top = seg[i];
  return top < 255 ? Uint8Array.from(seg) : seg;
}
