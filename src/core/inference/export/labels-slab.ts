import { roundToHalf } from '../../pycompat/float16';
import { resampleDataSlab } from '../../resampling/resample-data';
import { canResampleExactly, resampleLinearExact } from '../../resampling/resample-linear-exact';
import type { ResampleSpec, Slab } from '../../resampling/resample-plan';
import { argmaxSlabPruned, canArgmaxPruned } from './argmax-slab';
import { type ExportOptions, labelArray } from './export-geometry';

/**
 * Labels for output rows [slab.j0, slab.j1) of the cropped grid from the logits' rows
 * [slab.lo, slab.hi) (one array per channel): argmax of the resampled float16 logits (first maximum
 * wins), or sigmoid > 0.5 per region painted in regions_class_order. `bounds` per channel come from
 * clipBounds over the whole channel (skimage clips each resize to the input's range); ±∞ where the
 * kernel cannot leave the range anyway.
 */
export function logitsToLabelsSlab(
  logits: Float32Array[],
  spec: ResampleSpec | null,
  slab: Slab,
  bounds: Float64Array[] | null,
  o: ExportOptions = {},
): Uint8Array | Uint16Array {
  const store = (o.float16 ?? true) ? roundToHalf : Math.fround;
  const regions = o.regionsClassOrder;
  const foreground = o.foregroundLabels ?? (regions ? Math.max(0, ...regions) : logits.length - 1);
  const n =
    (slab.j1 - slab.j0) *
    (spec ? spec.outShape[1] * spec.outShape[2] : logits[0].length / (slab.hi - slab.lo));
  const out = labelArray(foreground, n);
  if (!regions && spec && bounds && canArgmaxPruned(spec)) {
    argmaxSlabPruned(logits, spec, slab, bounds, store, out);
    return out;
  }
  // on the network's own grid, values already stored in the logits' dtype are read in place (no copy)
  const asStored = !spec && (o.halfValued === true || store === Math.fround);
  let best: Float32Array | null = null;
  logits.forEach((channel, c) => {
    const v = asStored ? channel : resampled(channel, spec, slab, bounds?.[c], store);
    if (regions) {
      // torch.sigmoid in float32 > 0.5; the label of region c overwrites earlier ones
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (Math.fround(1 / (1 + Math.exp(-x))) > 0.5) out[i] = regions[c];
      }
      return;
    }
    if (!best) {
      best = asStored ? v.slice() : v;
      return;
    }
    // argmax: the first channel with the maximum wins, so only a strictly larger value moves it
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x > best[i]) {
        best[i] = x;
        out[i] = c;
      }
    }
  });
  return out;
}

/**
 * One channel on the cropped grid, in the logits' dtype (`store`). Linear kernels (the plans'
 * default) are evaluated exactly as scipy does; others separably in float32, then stored.
 */
export function resampled(
  channel: Float32Array,
  spec: ResampleSpec | null,
  slab: Slab,
  bounds: Float64Array | undefined,
  store: (v: number) => number,
): Float32Array {
  if (!spec) {
    const out = new Float32Array(channel.length);
    for (let i = 0; i < channel.length; i++) out[i] = store(channel[i]);
    return out;
  }
  if (canResampleExactly(spec)) return resampleLinearExact(channel, spec, slab, bounds!, store);
  const out = resampleDataSlab(channel, spec, slab, bounds!);
  for (let i = 0; i < out.length; i++) out[i] = store(out[i]);
  return out;
}
