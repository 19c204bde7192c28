import { roundToHalf } from '../pycompat/float16';
import { clipBounds, resampleDataSlab, wholeSlab } from '../resampling/resample-data';
import { canResampleExactly, resampleLinearExact } from '../resampling/resample-linear-exact';
import type { Slab } from '../resampling/resample-plan';
import { planResample, type ResampleSpec, sameShape } from '../resampling/resample-plan';
import type { BBox3, Shape3 } from './crop';
import type { PreprocessingPlans } from './plans-view';
import { gatherTransposed, isIdentity, transposedShape } from './transpose';

/**
 * The way back (nnU-Net's convert_predicted_logits_to_segmentation_with_correct_shape): logits at the
 * network's grid are resampled with the plans' probability kwargs to the cropped grid, turned into
 * labels (argmax of the logits, or sigmoid > 0.5 per region painted in regions_class_order), pasted
 * into the box they were cropped from and transposed back. The result is the C-order (z, y, x) label
 * array of the source image, i.e. a NIfTI buffer to write with the source geometry.
 *
 * Channels are resampled one at a time into a running maximum, never all at once.
 */
export interface CropGeometry {
  spacing: number[];
  shape_before_cropping: Shape3;
  bbox_used_for_cropping: BBox3;
  shape_after_cropping_and_before_resampling: Shape3;
}

export interface ExportOptions {
  /** nnU-Net holds logits in float16: round resampled values to half before the argmax (default true) */
  float16?: boolean;
  /** region-based models: the label painted for each output channel, in order */
  regionsClassOrder?: number[];
  /** foreground labels of the dataset (nnU-Net writes uint16 from 255 on); default: from the channels */
  foregroundLabels?: number;
}

/** The resampling from the network grid back to the cropped grid, or null when the shapes agree. */
export function exportResampleSpec(
  logitShape: Shape3,
  props: CropGeometry,
  plans: PreprocessingPlans,
): ResampleSpec | null {
  const target = props.shape_after_cropping_and_before_resampling;
  if (sameShape(logitShape, target)) return null;
  const spacing = transposedShape(props.spacing, plans.transposeForward) as number[];
  const current =
    plans.config.spacing.length === 3 ? plans.config.spacing : [spacing[0], ...plans.config.spacing];
  return planResample(logitShape, target, current, spacing, plans.config.probabilitiesKwargs);
}

/**
 * Labels for output rows [slab.j0, slab.j1) of the cropped grid from the logits' rows
 * [slab.lo, slab.hi) (one array per channel). `bounds` per channel come from clipBounds over the
 * whole channel (skimage clips each resize to the input's range).
 */
export function logitsToLabelsSlab(
  logits: Float32Array[],
  spec: ResampleSpec | null,
  slab: Slab,
  bounds: Float64Array[] | null,
  o: ExportOptions = {},
): Uint8Array | Uint16Array {
  const half = o.float16 ?? true;
  const regions = o.regionsClassOrder;
  const foreground = o.foregroundLabels ?? (regions ? Math.max(0, ...regions) : logits.length - 1);
  const n =
    (slab.j1 - slab.j0) *
    (spec ? spec.outShape[1] * spec.outShape[2] : logits[0].length / (slab.hi - slab.lo));
  const out = foreground >= 255 ? new Uint16Array(n) : new Uint8Array(n);
  let best: Float32Array | null = null;
  const store = half ? roundToHalf : Math.fround;
  logits.forEach((channel, c) => {
    const v = resampled(channel, spec, slab, bounds?.[c], store);
    if (regions) {
      // torch.sigmoid in float32 > 0.5; the label of region c overwrites earlier ones
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (Math.fround(1 / (1 + Math.exp(-x))) > 0.5) out[i] = regions[c];
      }
      return;
    }
    if (!best) {
      best = new Float32Array(v.length);
      best.set(v);
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

/** Paste the cropped labels into the pre-crop grid and undo the transpose: the source image's buffer. */
export function uncropAndTransposeBack(
  labels: Uint8Array | Uint16Array,
  props: CropGeometry,
  plans: PreprocessingPlans,
): { labels: Uint8Array | Uint16Array; shape: Shape3 } {
  const full = props.shape_before_cropping;
  const out =
    labels instanceof Uint16Array
      ? new Uint16Array(full[0] * full[1] * full[2])
      : new Uint8Array(full[0] * full[1] * full[2]);
  const b = props.bbox_used_for_cropping;
  const [, fy, fx] = full;
  const cx = b[2][1] - b[2][0];
  let o = 0;
  for (let z = b[0][0]; z < b[0][1]; z++)
    for (let y = b[1][0]; y < b[1][1]; y++) {
      out.set(labels.subarray(o, o + cx), (z * fy + y) * fx + b[2][0]);
      o += cx;
    }
  const tb = plans.transposeBackward;
  if (isIdentity(tb)) return { labels: out, shape: [...full] };
  const make = (n: number) => (out instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n));
  return { labels: gatherTransposed(out, full, tb, make), shape: transposedShape(full, tb) };
}

/** The whole way back for one case, on the calling thread. */
export function logitsToSegmentation(
  logits: Float32Array[],
  logitShape: Shape3,
  props: CropGeometry,
  plans: PreprocessingPlans,
  o: ExportOptions = {},
): { labels: Uint8Array | Uint16Array; shape: Shape3 } {
  const spec = exportResampleSpec(logitShape, props, plans);
  const slab = spec ? wholeSlab(spec) : { lo: 0, hi: logitShape[0], j0: 0, j1: logitShape[0] };
  const bounds = spec ? logits.map((l) => clipBounds(l, spec)) : null;
  const cropped = logitsToLabelsSlab(logits, spec, slab, bounds, o);
  return uncropAndTransposeBack(cropped, props, plans);
}
