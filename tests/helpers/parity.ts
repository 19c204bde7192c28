import fs from 'node:fs';
import path from 'node:path';
import { bytesSource } from '../../src/core/io/archive/byte-source';
import { openZip, readZipEntry } from '../../src/core/io/archive/zip-reader';
import { type NpyArray, readNpy } from '../../src/core/io/volume/npy';
import { readVolume } from '../../src/core/io/volume/read-volume';
import type { Volume } from '../../src/core/io/volume/volume';

/** A NIfTI (or other volume) file from disk. */
export async function readVolumePath(file: string): Promise<Volume> {
  return readVolume(new Uint8Array(fs.readFileSync(file)), path.basename(file));
}

export function readNpyPath(file: string): NpyArray {
  const b = fs.readFileSync(file);
  return readNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), path.basename(file));
}

/** The `probabilities` array of a `tessera predict --save-probabilities` / nnU-Net .npz. */
export async function readProbabilitiesNpz(file: string): Promise<NpyArray> {
  const zip = await openZip(bytesSource(new Uint8Array(fs.readFileSync(file)), path.basename(file)));
  return readNpy(await readZipEntry(zip, 'probabilities.npy'), file);
}

/**
 * Probabilities vs nnU-Net's: nnU-Net accumulates logits in float16, so an ONNX-vs-PyTorch difference far
 * below 1e-4 can still move an accumulated logit across a float16 rounding boundary — one float16 step,
 * ≤ 7.8e-3 for |logit| < 8 — which moves a softmax/sigmoid probability by at most a quarter of that.
 * Measured on the parity fixtures: ≤ 4e-4 (onnxruntime-node and -web).
 */
export const PROBABILITY_TOLERANCE = 2e-3;

export interface LabelComparison {
  voxels: number;
  differing: number;
  agreement: number;
}

export function compareLabels(ours: ArrayLike<number>, theirs: ArrayLike<number>): LabelComparison {
  if (ours.length !== theirs.length) throw new Error(`${ours.length} voxels vs ${theirs.length}`);
  let differing = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
  return { voxels: ours.length, differing, agreement: 1 - differing / ours.length };
}

/**
 * Largest |ours − theirs| over nnU-Net's sampled probabilities: `index` holds flat (z, y, x) voxel indices,
 * `values` is K × samples (channel-major); `probabilities` is our K × voxels array.
 */
export function maxProbabilityDifference(
  probabilities: ArrayLike<number>,
  index: NpyArray,
  values: NpyArray,
): number {
  const [K, S] = values.shape;
  const n = probabilities.length / K;
  let max = 0;
  for (let k = 0; k < K; k++)
    for (let s = 0; s < S; s++) {
      const d = Math.abs(probabilities[k * n + Number(index.data[s])] - Number(values.data[k * S + s]));
      if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    }
  return max;
}

/** Geometry must be the source scan's, exactly as nnU-Net's NibabelIO writes it. */
export function maxAffineDifference(a: Volume, b: Volume): number {
  let max = 0;
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) max = Math.max(max, Math.abs(a.affine[r][c] - b.affine[r][c]));
  return max;
}
