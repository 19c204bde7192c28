/**
 * One training case's share of nnU-Net's dataset fingerprint (DatasetFingerprintExtractor.analyze_case):
 * crop to the nonzero region (holes filled), record spacing, shape after crop and the relative size,
 * and sample the foreground intensities (label > 0 inside the crop) per channel with
 * RandomState(1234).choice(foreground, numSamples, replace=True), channels one after the other on the
 * same generator.
 *
 * Pure and self-contained, so cases can be farmed out to workers. The result keeps the samples in a
 * compact, replayable form (see ChannelSamples) from which aggregateFingerprint reproduces NumPy's
 * statistics over the concatenated samples to the bit.
 */

import { reorientedVolume } from '../io/volume/nibabel-reorient';
import type { Volume } from '../io/volume/volume';
import { frame, voxelCount, zyxShape, zyxSpacing } from '../io/volume/volume';
import { type BBox3, bboxOfMask, bboxShape, nonzeroMask, type Shape3 } from '../preprocessing/crop';
import { RandomState, type RandomStateSnapshot } from '../pycompat/mt19937';

/** nnU-Net samples 10e7 foreground voxels per channel over the whole dataset. */
export const FINGERPRINT_SAMPLE_BUDGET = 10e7;
export const FINGERPRINT_SEED = 1234;

export function samplesPerCase(numCases: number): number {
  return Math.floor(FINGERPRINT_SAMPLE_BUDGET / numCases);
}

export type Codes = Uint8Array | Uint16Array | Uint32Array;

/**
 * The foreground samples of one channel. `values` are sorted distinct float32 intensities, `counts` how
 * many samples hold each. The draw order is kept one of two ways, whichever is smaller:
 * - 'draws': `codes[j]` is the value index of sample j (numSamples entries);
 * - 'replay': `codes[i]` is the value index of foreground voxel i (C order) and `rng` the generator
 *   state before this channel's draws, so the draws can be repeated.
 */
export interface ChannelSamples {
  values: Float32Array;
  counts: Uint32Array;
  order: { kind: 'draws'; codes: Codes } | { kind: 'replay'; codes: Codes; rng: RandomStateSnapshot };
}

export interface CaseFingerprint {
  /** (z, y, x) */
  spacing: number[];
  shapeBeforeCrop: Shape3;
  shapeAfterCrop: Shape3;
  bbox: BBox3;
  relativeSizeAfterCropping: number;
  /** foreground voxels (label > 0) inside the crop */
  foregroundVoxels: number;
  numSamples: number;
  /** one per channel; empty sample sets when the case has no foreground */
  channels: ChannelSamples[];
}

/** A case as nnU-Net's readers hand it over: channels of one (z, y, x) grid, a label map on that grid. */
export interface CaseArrays {
  channels: ArrayLike<number>[];
  label: ArrayLike<number>;
  /** (z, y, x) */
  shape: Shape3;
  /** (z, y, x) */
  spacing: number[];
}

export type ReaderWriterName = string;

/**
 * Volumes → CaseArrays. Channels are one 3-D file each, or the frames of a single 4-D file (a raw
 * Decathlon case). SimpleITKIO reports absolute spacings; NibabelIO the header's zooms as they are.
 */
export function caseArraysFromVolumes(
  images: readonly Volume[],
  label: Volume,
  readerWriter: ReaderWriterName = 'SimpleITKIO',
): CaseArrays {
  if (readerWriter === 'NibabelIOWithReorient') {
    images = images.map(reorientedVolume);
    label = reorientedVolume(label);
  }
  const first = images[0];
  const channels =
    images.length === 1 && first.shape.length > 3
      ? Array.from({ length: first.shape.slice(3).reduce((a, b) => a * b, 1) }, (_, t) => frame(first, t))
      : images.map((v) => (v.shape.length > 3 ? frame(v, 0) : v.data));
  const raw = zyxSpacing(first);
  const spacing = readerWriter.startsWith('SimpleITK') ? raw.map(Math.abs) : raw;
  return { channels, label: label.data, shape: zyxShape(first), spacing };
}

export interface FingerprintCaseOptions {
  /** samples per channel: floor(10e7 / number of training cases) */
  numSamples: number;
}

export function fingerprintCase(input: CaseArrays, options: FingerprintCaseOptions): CaseFingerprint {
  const { shape, label } = input;
  const mask = nonzeroMask(input.channels, shape);
  const bbox = bboxOfMask(mask, shape);
  const after = bboxShape(bbox);
  const fgIndex = foregroundIndices(label, shape, bbox);
  const rng = new RandomState(FINGERPRINT_SEED);
  const channels = input.channels.map((ch) => sampleChannel(ch, fgIndex, options.numSamples, rng));
  return {
    spacing: [...input.spacing],
    shapeBeforeCrop: [...shape],
    shapeAfterCrop: after,
    bbox,
    relativeSizeAfterCropping: voxelCount(after) / voxelCount(shape),
    foregroundVoxels: fgIndex.length,
    numSamples: options.numSamples,
    channels,
  };
}

/** Voxel indices (into the full volume) of label > 0 inside the box, in the crop's C order. */
function foregroundIndices(label: ArrayLike<number>, shape: Shape3, bbox: BBox3): Uint32Array {
  const [, ny, nx] = shape;
  let n = 0;
  const scan = (emit: (i: number) => void) => {
    for (let z = bbox[0][0]; z < bbox[0][1]; z++)
      for (let y = bbox[1][0]; y < bbox[1][1]; y++) {
        const row = (z * ny + y) * nx;
        for (let x = bbox[2][0]; x < bbox[2][1]; x++) if (label[row + x] > 0) emit(row + x);
      }
  };
  scan(() => n++);
  const out = new Uint32Array(n);
  let k = 0;
  scan((i) => {
    out[k++] = i;
  });
  return out;
}

function codesFor(distinct: number): (n: number) => Codes {
  if (distinct <= 0x100) return (n) => new Uint8Array(n);
  if (distinct <= 0x10000) return (n) => new Uint16Array(n);
  return (n) => new Uint32Array(n);
}

/** Sorted distinct values of `x` and each element's index among them. */
export function encodeValues(x: Float32Array): { values: Float32Array; codes: Codes } {
  const n = x.length;
  if (n === 0) return { values: new Float32Array(0), codes: new Uint8Array(0) };
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let integral = true;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (integral && !Number.isInteger(v)) integral = false;
  }
  const span = hi - lo + 1;
  if (integral && span <= 1 << 22) {
    // integer intensities (CT in HU, most MR): a lookup table instead of a sort
    const table = new Int32Array(span).fill(-1);
    for (let i = 0; i < n; i++) table[x[i] - lo] = 0;
    let d = 0;
    for (let t = 0; t < span; t++) if (table[t] === 0) table[t] = d++;
    const values = new Float32Array(d);
    for (let t = 0; t < span; t++) if (table[t] >= 0) values[table[t]] = t + lo;
    const codes = codesFor(d)(n);
    for (let i = 0; i < n; i++) codes[i] = table[x[i] - lo];
    return { values, codes };
  }
  const sorted = x.slice().sort();
  let d = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[d - 1]) sorted[d++] = sorted[i] + 0; // -0 → 0
  const values = sorted.slice(0, d);
  const codes = codesFor(d)(n);
  for (let i = 0; i < n; i++) {
    const v = x[i];
    let a = 0;
    let b = d - 1;
    while (a < b) {
      const m = (a + b) >> 1;
      if (values[m] < v) a = m + 1;
      else b = m;
    }
    codes[i] = a;
  }
  return { values, codes };
}

const CHUNK = 1 << 16;

function sampleChannel(
  channel: ArrayLike<number>,
  fgIndex: Uint32Array,
  numSamples: number,
  rng: RandomState,
): ChannelSamples {
  const f = fgIndex.length;
  if (f === 0) {
    // nnU-Net draws nothing for an empty foreground (and the generator does not advance)
    return {
      values: new Float32Array(0),
      counts: new Uint32Array(0),
      order: { kind: 'draws', codes: new Uint8Array(0) },
    };
  }
  const fg = new Float32Array(f);
  for (let i = 0; i < f; i++) fg[i] = channel[fgIndex[i]];
  const idx = new Uint32Array(CHUNK);
  if (f <= numSamples) {
    // fewer voxels than samples: keep the voxels' codes and the generator state, replay later
    const { values, codes } = encodeValues(fg);
    const counts = new Uint32Array(values.length);
    const snapshot = rng.snapshot();
    for (let done = 0; done < numSamples; done += CHUNK) {
      const n = Math.min(CHUNK, numSamples - done);
      rng.randintInto(f, idx, n);
      for (let j = 0; j < n; j++) counts[codes[idx[j]]]++;
    }
    return { values, counts, order: { kind: 'replay', codes, rng: snapshot } };
  }
  const drawn = new Float32Array(numSamples);
  for (let done = 0; done < numSamples; done += CHUNK) {
    const n = Math.min(CHUNK, numSamples - done);
    rng.randintInto(f, idx, n);
    for (let j = 0; j < n; j++) drawn[done + j] = fg[idx[j]];
  }
  const { values, codes } = encodeValues(drawn);
  const counts = new Uint32Array(values.length);
  for (let j = 0; j < numSamples; j++) counts[codes[j]]++;
  return { values, counts, order: { kind: 'draws', codes } };
}

/** The typed arrays of a CaseFingerprint, to transfer (not copy) it from a worker. */
export function caseFingerprintTransferables(c: CaseFingerprint): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const ch of c.channels) {
    for (const a of [ch.values, ch.counts, ch.order.codes]) out.add(a.buffer as ArrayBuffer);
    if (ch.order.kind === 'replay') out.add(ch.order.rng.key.buffer as ArrayBuffer);
  }
  return [...out];
}
