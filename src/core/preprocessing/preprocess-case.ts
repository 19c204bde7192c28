import { TesseraError } from '../errors';
import type { Affine, VoxelArray } from '../io/volume/volume';
import type { Progress } from '../parallel/job';
import { throwIfCancelled } from '../parallel/job';
import { computeNewShape, planResample, type ResampleSpec, sameShape } from '../resampling/resample-plan';
import { resampleSeg } from '../resampling/resample-seg';
import { resampleDataStreaming } from '../resampling/resample-stream';
import {
  type ClassLocations,
  classesToSample,
  type LabelDict,
  sampleClassLocations,
} from './class-locations';
import { type BBox3, bboxOfMask, bboxShape, fillHoles, type Shape3 } from './crop';
import { normalizeChannel } from './normalization';
import type { PreprocessingPlans } from './plans-view';
import { forEachTransposedRow, gatherTransposed, transposeBBox, transposedShape } from './transpose';

/**
 * nnU-Net's DefaultPreprocessor.run_case_npy: transpose → crop to nonzero → normalise → resample,
 * then class locations for training. Inputs are the volumes as read (C-order (z, y, x) = the NIfTI
 * buffer); outputs are in the transposed, cropped, resampled space nnU-Net saves.
 *
 * Memory: the float32 channels are made directly in cropped, transposed form from the raw voxels
 * (no full-size float32 copy), and each stage drops what it no longer needs.
 */
export interface CaseInput {
  /** one array per channel, each (z, y, x) of `shape` */
  channels: VoxelArray[];
  shape: Shape3;
  /** (z, y, x) spacing of the volumes (nnU-Net's properties['spacing']) */
  spacing: number[];
  /** label map on the same grid, for training cases */
  label?: VoxelArray;
  /** case identifier, for messages */
  name?: string;
}

export interface CaseProperties {
  spacing: number[];
  shape_before_cropping: Shape3;
  bbox_used_for_cropping: BBox3;
  shape_after_cropping_and_before_resampling: Shape3;
}

export interface PreprocessedCase {
  /** one (z, y, x) float32 array per channel: nnU-Net's data[c] */
  data: Float32Array[];
  /** seg[0]: labels, -1 outside the nonzero mask (int8 range unless a label exceeds 127) */
  seg: Int16Array;
  /** shape of data[c] and seg */
  shape: Shape3;
  properties: CaseProperties;
  /** sampled foreground locations (training cases only) */
  classLocations?: ClassLocations;
  /** the image's affine when it came from a NIfTI (nnU-Net keeps it as properties['nibabel_stuff']) */
  affine?: Affine;
}

export interface CaseOptions {
  /** dataset.json labels, for class locations; without it none are sampled */
  labels?: LabelDict;
  /**
   * The caller gives up `input`: its channels and label are dropped from it once cropped, so that
   * their memory can be reclaimed while the rest runs (workers do this).
   */
  consume?: boolean;
  /**
   * Inference: skip resampling the crop mask nnU-Net carries as `seg` for an unlabelled case (the
   * predictor never reads it); `seg` then stays at the cropped grid.
   */
  dataOnly?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** A case after crop and normalisation, with everything the resampling needs decided. */
export interface CroppedCase {
  /** cropped, normalised channels */
  data: Float32Array[];
  /** cropped labels, -1 outside the nonzero mask */
  seg: Int16Array;
  shape: Shape3;
  newShape: Shape3;
  /** null when the shape does not change (nnU-Net then skips resampling) */
  dataSpec: ResampleSpec | null;
  segSpec: ResampleSpec | null;
  properties: CaseProperties;
}

/** Stages 1 and 2 of run_case: transpose + crop to nonzero, then normalise. */
export function cropAndNormalize(
  input: CaseInput,
  plans: PreprocessingPlans,
  o: { consume?: boolean } = {},
): CroppedCase {
  const name = input.name ?? 'case';
  const { config } = plans;
  const tf = plans.transposeForward;
  const n = input.shape[0] * input.shape[1] * input.shape[2];
  if (input.channels.length !== config.normalizationSchemes.length)
    throw new TesseraError(
      'bad-dataset',
      name,
      `has ${input.channels.length} channel(s) but configuration '${config.name}' expects ${config.normalizationSchemes.length}`,
    );
  for (const ch of input.channels)
    if (ch.length !== n) throw new TesseraError('grid-mismatch', name, 'its channels differ in size');
  if (input.label && input.label.length !== n)
    throw new TesseraError('grid-mismatch', name, 'its label map does not match the image size');

  // crop to the nonzero region (holes filled), computed on the untransposed grid: filling holes
  // with a cross structure commutes with axis permutations
  const mask = nonzeroMask(input.channels, input.shape);
  const box = bboxOfMask(mask, input.shape);
  const shapeBefore = transposedShape(input.shape, tf);
  const bbox = transposeBBox(box, tf);
  const shape: Shape3 = bboxShape(bbox);
  const data = input.channels.map((ch) =>
    gatherTransposed(ch, input.shape, tf, (k) => new Float32Array(k), box),
  );
  // labels that are 0 outside the mask become -1 (a mask of 0 / -1 without labels)
  const seg = new Int16Array(shape[0] * shape[1] * shape[2]);
  const label = input.label;
  forEachTransposedRow(input.shape, tf, box, (src, stride, count, dst) => {
    for (let k = 0, i = src; k < count; k++, i += stride) {
      const l = label ? label[i] : 0;
      seg[dst + k] = l === 0 && !mask[i] ? -1 : l;
    }
  });
  if (o.consume) {
    // the caller hands the raw volumes over: let them go before the float work starts
    input.channels = [];
    input.label = undefined;
  }

  const spacing = transposedShape(input.spacing, tf) as number[];
  const target = config.spacing.length < 3 ? [spacing[0], ...config.spacing] : config.spacing;
  const newShape = computeNewShape(shape, spacing, target) as Shape3;

  // normalisation must precede resampling: the nonzero mask fits the image only before it
  data.forEach((ch, c) => {
    normalizeChannel(ch, shape, config.normalizationSchemes[c], {
      useMaskForNorm: config.useMaskForNorm[c],
      seg,
      intensity: plans.intensityProperties[String(c)],
      iterationAxes: plans.transposeBackward,
      name,
    });
  });
  const resample = !sameShape(shape, newShape);
  return {
    data,
    seg,
    shape,
    newShape,
    dataSpec: resample ? planResample(shape, newShape, spacing, target, config.dataKwargs) : null,
    segSpec: resample ? planResample(shape, newShape, spacing, target, config.segKwargs) : null,
    properties: {
      spacing: [...input.spacing],
      shape_before_cropping: shapeBefore,
      bbox_used_for_cropping: bbox,
      shape_after_cropping_and_before_resampling: shape,
    },
  };
}

/** Stage 4: class locations of a resampled training case (none without labels). */
export function caseClassLocations(
  seg: Int16Array,
  shape: Shape3,
  labels: LabelDict | undefined,
): ClassLocations | undefined {
  return labels ? sampleClassLocations(seg, shape, classesToSample(labels)) : undefined;
}

/** The whole of run_case on the calling thread. */
export function preprocessCase(
  input: CaseInput,
  plans: PreprocessingPlans,
  o: CaseOptions = {},
): PreprocessedCase {
  const hasLabel = input.label !== undefined;
  const report = (done: number, stage: string) => o.onProgress?.({ done, total: 4, stage });
  report(0, 'crop and normalize');
  const c = cropAndNormalize(input, plans, { consume: o.consume });
  throwIfCancelled(o.signal);
  report(1, 'resample');
  let data: Float32Array[] = c.data;
  let seg: Int16Array = c.seg;
  if (c.dataSpec && c.segSpec) {
    // labels first: their int16 input is then gone before the float channels need room
    if (!(o.dataOnly && !hasLabel)) {
      seg = resampleSeg(c.seg, c.segSpec);
      c.seg = EMPTY_SEG;
    }
    throwIfCancelled(o.signal);
    data = [];
    for (let k = 0; k < c.data.length; k++) {
      const owned: { data: Float32Array | null } = { data: c.data[k] };
      c.data[k] = EMPTY;
      data.push(resampleDataStreaming(owned, c.dataSpec));
      throwIfCancelled(o.signal);
    }
  }
  report(3, 'class locations');
  const classLocations = hasLabel ? caseClassLocations(seg, c.newShape, o.labels) : undefined;
  report(4, 'done');
  return { data, seg, shape: c.newShape, properties: c.properties, classLocations };
}

const EMPTY = new Float32Array(0);
const EMPTY_SEG = new Int16Array(0);

/** OR over channels of (float32 value) != 0, holes filled: crop_to_nonzero's mask. */
function nonzeroMask(channels: VoxelArray[], shape: Shape3): Uint8Array {
  const n = shape[0] * shape[1] * shape[2];
  const mask = new Uint8Array(n);
  for (const ch of channels) {
    // nnU-Net casts to float32 first: a float64 value too small for float32 counts as zero
    if (ch instanceof Float64Array) for (let i = 0; i < n; i++) mask[i] |= Math.fround(ch[i]) !== 0 ? 1 : 0;
    else for (let i = 0; i < n; i++) mask[i] |= ch[i] !== 0 ? 1 : 0;
  }
  fillHoles(mask, shape);
  return mask;
}

/** nnU-Net stores seg as int8 unless a label exceeds 127. */
export function segStorage(seg: Int16Array): Int8Array | Int16Array {
  let max = -1;
  for (let i = 0; i < seg.length; i++) if (seg[i] > max) max = seg[i];
  return max > 127 ? seg : Int8Array.from(seg);
}
