import type { BBox3, Shape3 } from '../../preprocessing/crop';
import type { PreprocessingPlans } from '../../preprocessing/plans-view';
import { gatherTransposed, isIdentity, transposedShape } from '../../preprocessing/transpose';
import { planResample, type ResampleSpec, sameShape } from '../../resampling/resample-plan';

/**
 * The geometry of nnU-Net's way back (convert_predicted_logits_to_segmentation_with_correct_shape):
 * logits at the network's grid are resampled with the plans' probability kwargs to the cropped grid,
 * turned into labels, pasted into the box they were cropped from and transposed back. The result is
 * the C-order (z, y, x) label array of the source image, i.e. a NIfTI buffer to write with the source
 * geometry.
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
  /**
   * The logits already hold float16 values (the sliding window's output): where no resampling is needed
   * there is nothing to round, and the argmax reads them as they are.
   */
  halfValued?: boolean;
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

/** nnU-Net writes uint8 labels, uint16 from 255 foreground labels on. */
export function labelArray(foregroundLabels: number, n: number): Uint8Array | Uint16Array {
  return foregroundLabels >= 255 ? new Uint16Array(n) : new Uint8Array(n);
}

/** Paste the cropped labels into the pre-crop grid and undo the transpose: the source image's buffer. */
export function uncropAndTransposeBack(
  labels: Uint8Array | Uint16Array,
  props: CropGeometry,
  plans: Pick<PreprocessingPlans, 'transposeBackward'>,
): { labels: Uint8Array | Uint16Array; shape: Shape3 } {
  const full = props.shape_before_cropping;
  const make = (n: number) => (labels instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n));
  const out = make(full[0] * full[1] * full[2]);
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
  return { labels: gatherTransposed(out, full, tb, make), shape: transposedShape(full, tb) };
}
