import { TesseraError } from '../errors';
import type { VoxelArray } from '../io/volume';
import type { Progress } from '../parallel/rpc';
import { throwIfCancelled } from '../parallel/rpc';
import {
  type ClassLocations,
  classesToSample,
  type LabelDict,
  sampleClassLocations,
} from './class-locations';
import { type BBox3, bboxOfMask, bboxShape, fillHoles, type Shape3 } from './crop';
import { normalizeChannel } from './normalization';
import type { PreprocessingPlans } from './plans-view';
import { resampleData } from './resample-data';
import { computeNewShape, planResample, sameShape } from './resample-plan';
import { resampleSeg } from './resample-seg';
import { gatherTransposed, transposeBBox, transposedShape } from './transpose';

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
}

export interface CaseOptions {
  /** dataset.json labels, for class locations; without it none are sampled */
  labels?: LabelDict;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

const STAGES = 5;

export function preprocessCase(
  input: CaseInput,
  plans: PreprocessingPlans,
  o: CaseOptions = {},
): PreprocessedCase {
  const name = input.name ?? 'case';
  const { config } = plans;
  const tf = plans.transposeForward;
  const report = (done: number, stage: string) => o.onProgress?.({ done, total: STAGES, stage });
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
  report(0, 'crop');
  const mask = nonzeroMask(input.channels, input.shape);
  const box = bboxOfMask(mask, input.shape);
  const shapeBefore = transposedShape(input.shape, tf);
  const bbox = transposeBBox(box, tf);
  const shape: Shape3 = bboxShape(bbox);
  const data = input.channels.map((ch) =>
    gatherTransposed(ch, input.shape, tf, (k) => new Float32Array(k), box),
  );
  const maskCrop = gatherTransposed(mask, input.shape, tf, (k) => new Uint8Array(k), box);
  let seg: Int16Array;
  if (input.label) {
    seg = gatherTransposed(input.label, input.shape, tf, (k) => new Int16Array(k), box);
    for (let i = 0; i < seg.length; i++) if (seg[i] === 0 && !maskCrop[i]) seg[i] = -1;
  } else {
    seg = new Int16Array(maskCrop.length);
    for (let i = 0; i < seg.length; i++) seg[i] = maskCrop[i] ? 0 : -1;
  }
  throwIfCancelled(o.signal);

  const spacing = transposedShape(input.spacing, tf) as number[];
  const target = config.spacing.length < 3 ? [spacing[0], ...config.spacing] : config.spacing;
  const newShape = computeNewShape(shape, spacing, target) as Shape3;

  report(1, 'normalize');
  const iterationAxes = plans.transposeBackward;
  data.forEach((ch, c) => {
    normalizeChannel(ch, shape, config.normalizationSchemes[c], {
      useMaskForNorm: config.useMaskForNorm[c],
      seg,
      intensity: plans.intensityProperties[String(c)],
      iterationAxes,
      name,
    });
  });
  throwIfCancelled(o.signal);

  report(2, 'resample');
  let outData: Float32Array[] = data;
  let outSeg: Int16Array = seg;
  if (!sameShape(shape, newShape)) {
    const dataSpec = planResample(shape, newShape, spacing, target, config.dataKwargs);
    outData = [];
    for (let c = 0; c < data.length; c++) {
      outData.push(resampleData(data[c], dataSpec));
      data[c] = new Float32Array(0); // let the cropped channel go
      throwIfCancelled(o.signal);
    }
    report(3, 'resample');
    outSeg = resampleSeg(seg, planResample(shape, newShape, spacing, target, config.segKwargs));
  }
  throwIfCancelled(o.signal);

  report(4, 'class locations');
  const classLocations =
    input.label && o.labels ? sampleClassLocations(outSeg, newShape, classesToSample(o.labels)) : undefined;
  report(5, 'done');
  return {
    data: outData,
    seg: outSeg,
    shape: newShape,
    properties: {
      spacing: [...input.spacing],
      shape_before_cropping: shapeBefore,
      bbox_used_for_cropping: bbox,
      shape_after_cropping_and_before_resampling: shape,
    },
    classLocations,
  };
}

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
