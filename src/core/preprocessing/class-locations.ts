import { type ClassOrRegion, type LabelValue, labelManagerOf } from '../nnunet/labels';
import { choiceWithoutReplacement, RandomState } from '../pycompat/random-state';
import type { Shape3 } from './crop';

/**
 * Foreground class locations for training-time oversampling, as nnU-Net's
 * DefaultPreprocessor._sample_foreground_locations: per class (or region), at least
 * min(10000, count) and at least 1 % of its voxels, drawn without replacement with one
 * RandomState(1234) shared by the classes in order. Voxels of a class are enumerated in C order, a
 * region's labels one after another in the region's order; coordinates are (channel 0, z, y, x).
 */
export type { ClassOrRegion };

/** dataset.json `labels`: name → value, or → list of values for a region. */
export type LabelDict = Record<string, LabelValue>;

/** LabelManager: the classes (or regions) preprocessing samples locations for. */
export function classesToSample(labels: LabelDict, file = 'dataset.json'): ClassOrRegion[] {
  return labelManagerOf(labels, undefined, file).classesToSample;
}

/** The key nnU-Net's properties use: the label, or the region as Python prints a tuple. */
export function classKey(c: ClassOrRegion): string {
  if (!Array.isArray(c)) return String(c);
  return c.length === 1 ? `(${c[0]},)` : `(${c.join(', ')})`;
}

export interface SampleOptions {
  seed?: number;
  minNumSamples?: number;
  minPercentCoverage?: number;
}

/** Sampled (0, z, y, x) coordinates per class key, flattened: 4 numbers per location. */
export type ClassLocations = Record<string, Int32Array>;

export function sampleClassLocations(
  seg: ArrayLike<number>,
  shape: Shape3,
  classes: ClassOrRegion[],
  o: SampleOptions = {},
): ClassLocations {
  const minNum = o.minNumSamples ?? 10000;
  const minCover = o.minPercentCoverage ?? 0.01;
  const rng = new RandomState(o.seed ?? 1234);
  const wanted = new Set(classes.flatMap((c) => (Array.isArray(c) ? c : [c])));
  const voxels = voxelsByLabel(seg, wanted);
  const out: ClassLocations = {};
  const [, ny, nx] = shape;
  for (const c of classes) {
    const labs = Array.isArray(c) ? c : [c];
    const lists = labs
      .map((l) => voxels.get(l))
      .filter((v): v is Int32Array => v !== undefined && v.length > 0);
    const total = lists.reduce((s, v) => s + v.length, 0);
    if (total === 0) {
      out[classKey(c)] = new Int32Array(0);
      continue;
    }
    let target = Math.min(minNum, total);
    target = Math.max(target, Math.ceil(total * minCover));
    const picks = choiceWithoutReplacement(rng, total, target);
    const locs = new Int32Array(4 * target);
    for (let k = 0; k < target; k++) {
      let off = picks[k];
      let li = 0;
      while (off >= lists[li].length) off -= lists[li++].length;
      const flat = lists[li][off];
      const x = flat % nx;
      const y = ((flat - x) / nx) % ny;
      locs[4 * k + 1] = (flat - x - y * nx) / (nx * ny);
      locs[4 * k + 2] = y;
      locs[4 * k + 3] = x;
    }
    out[classKey(c)] = locs;
  }
  return out;
}

/** C-order flat indices of the voxels of each wanted label (a counting sort over the int16 range). */
function voxelsByLabel(seg: ArrayLike<number>, wanted: Set<number>): Map<number, Int32Array> {
  const OFF = 32768;
  const slot = new Int32Array(65536).fill(-1);
  const labels = [...wanted].filter((l) => l >= -OFF && l < OFF);
  labels.forEach((l, k) => {
    slot[l + OFF] = k;
  });
  const counts = new Int32Array(labels.length);
  for (let i = 0; i < seg.length; i++) {
    const k = slot[seg[i] + OFF];
    if (k >= 0) counts[k]++;
  }
  const lists = labels.map((_, k) => new Int32Array(counts[k]));
  const fill = new Int32Array(labels.length);
  for (let i = 0; i < seg.length; i++) {
    const k = slot[seg[i] + OFF];
    if (k >= 0) lists[k][fill[k]++] = i;
  }
  return new Map(labels.map((l, k) => [l, lists[k]]));
}

/** As nnU-Net's properties hold them: key → list of [0, z, y, x]. */
export function classLocationsToJson(locs: ClassLocations): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const [k, v] of Object.entries(locs)) {
    const rows: number[][] = [];
    for (let i = 0; i < v.length; i += 4) rows.push([v[i], v[i + 1], v[i + 2], v[i + 3]]);
    out[k] = rows;
  }
  return out;
}
