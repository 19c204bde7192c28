import { TesseraError } from '../errors';
import type { ExportOptions } from '../inference/export/export-geometry';
import { logitsToLabelsSlab } from '../inference/export/labels-slab';
import { sliceLabels } from '../inference/export/slice-labels';
import type { SliceCrop } from '../inference/finalize-slice';
import type { SliceSums } from '../inference/tile-accumulator';
import { readVolume } from '../io/volume/read-volume';
import { assertLabelGrid, frame, frameCount, type Volume, zyxShape, zyxSpacing } from '../io/volume/volume';
import { throwIfCancelled } from '../parallel/job';
import { type HandlerContext, withTransfer } from '../parallel/rpc';
import { clipBounds, resampleDataSlab } from '../resampling/resample-data';
import { inPlanePhase, zPhase, zPhaseColumns } from '../resampling/resample-phases';
import type { ResampleSpec, Slab } from '../resampling/resample-plan';
import { resampleSegSlab } from '../resampling/resample-seg';
import type { ClassLocations, LabelDict } from './class-locations';
import type { Shape3 } from './crop';
import type { PreprocessingPlans } from './plans-view';
import { type CaseInput, caseClassLocations, preprocessCase } from './preprocess-case';

/**
 * What a preprocessing worker answers (workers/preprocess.worker.ts serves these; tests serve them over
 * a MessageChannel). Every handler takes transferred buffers and transfers its results back.
 */

/** A case as files: the worker decodes them (NIfTI / NRRD / npy) itself. */
export interface CaseFiles {
  id: string;
  /** one file per channel, in channel order (a single 4-D file holds all channels) */
  images: { name: string; bytes: Uint8Array }[];
  label?: { name: string; bytes: Uint8Array };
}

export interface CaseRequest {
  files: CaseFiles;
  plans: PreprocessingPlans;
  labels?: LabelDict;
  /** inference: skip resampling the unlabelled case's crop mask (see CaseOptions.dataOnly) */
  dataOnly?: boolean;
}

export interface ResampleSlabRequest {
  input: Float32Array | Int16Array;
  spec: ResampleSpec;
  slab: Slab;
  /** images only: clipBounds over the whole channel */
  bounds?: Float64Array;
}

export interface LabelsSlabRequest {
  logits: Float32Array[];
  spec: ResampleSpec | null;
  slab: Slab;
  bounds: Float64Array[] | null;
  options: ExportOptions;
}

/**
 * Decode a case's files into the preprocessor's input (label grid checked against the image). With
 * `release`, each file's bytes are dropped from `files` once decoded.
 */
export async function decodeCase(
  files: CaseFiles,
  release = false,
): Promise<{ input: CaseInput; reference: Volume }> {
  if (files.images.length === 0) throw new TesseraError('bad-dataset', files.id, 'has no image files');
  const take = (f: { name: string; bytes: Uint8Array }) => {
    const b = f.bytes;
    if (release) f.bytes = new Uint8Array(0);
    return b;
  };
  const volumes: Volume[] = [];
  for (const f of files.images) volumes.push(await readVolume(take(f), f.name));
  const reference = volumes[0];
  const channels = volumes.flatMap((v) => Array.from({ length: frameCount(v) }, (_, t) => frame(v, t)));
  for (const v of volumes.slice(1)) assertLabelGrid(reference, v);
  let label: Volume | undefined;
  if (files.label) {
    label = await readVolume(take(files.label), files.label.name);
    assertLabelGrid(reference, label);
  }
  return {
    input: {
      channels,
      shape: zyxShape(reference),
      spacing: zyxSpacing(reference),
      label: label?.data,
      name: files.id,
    },
    reference,
  };
}

/** The affine nnU-Net's NibabelIO keeps in the properties (NIfTI sources only). */
export function niftiAffine(v: Volume): Volume['affine'] | undefined {
  return v.source.format.startsWith('NIfTI') ? v.affine : undefined;
}

function buffers(...arrays: (ArrayBufferView | undefined)[]): Transferable[] {
  const set = new Set<ArrayBufferLike>();
  for (const a of arrays) if (a) set.add(a.buffer);
  return [...set].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

function locationBuffers(locs: ClassLocations | undefined): Int32Array[] {
  return locs ? Object.values(locs) : [];
}

export const preprocessHandlers = {
  /** decode + the whole run_case: for datasets, one case per worker */
  async preprocessCase(p: CaseRequest, ctx: HandlerContext) {
    const decoded = await decodeCase(p.files, true);
    const { input } = decoded;
    const affine = niftiAffine(decoded.reference);
    // from here the voxels live only in `input`, which preprocessCase consumes
    decoded.reference.data = new Uint8Array(0);
    throwIfCancelled(ctx.signal);
    const r = preprocessCase(input, p.plans, {
      labels: p.labels,
      dataOnly: p.dataOnly,
      consume: true,
      signal: ctx.signal,
      onProgress: ctx.progress,
    });
    r.affine = affine;
    return withTransfer(r, buffers(...r.data, r.seg, ...locationBuffers(r.classLocations)));
  },

  resampleSlab(p: ResampleSlabRequest) {
    const out = p.spec.isSeg
      ? resampleSegSlab(p.input as Int16Array, p.spec, p.slab)
      : resampleDataSlab(p.input as Float32Array, p.spec, p.slab, p.bounds!);
    return withTransfer(out, buffers(out));
  },

  /** two-phase image resampling (resample-phases.ts): y and x passes of some z rows */
  inPlanePhase(p: {
    block: Float32Array;
    shape: Shape3;
    spec: ResampleSpec;
    firstRow: number;
    sliceBounds?: Float64Array;
    clip?: [number, number];
  }) {
    const out = inPlanePhase(p.block, p.shape, p.spec, p);
    return withTransfer(out, buffers(out));
  },

  /** two-phase image resampling: the z pass of some y rows */
  zPhase(p: { block: Float32Array; shape: Shape3; spec: ResampleSpec; clip?: [number, number] }) {
    const out = zPhase(p.block, p.shape, p.spec, p.clip);
    return withTransfer(out, buffers(out));
  },

  /** inPlanePhase on rows [r0, r1) of a shared array, written into a shared output (no copies) */
  inPlanePhaseShared(p: {
    src: Float32Array;
    dst: Float32Array;
    r0: number;
    r1: number;
    spec: ResampleSpec;
    sliceBounds?: Float64Array;
    clip?: [number, number];
  }) {
    const [, n1, n2] = p.spec.inShape;
    const [, m1, m2] = p.spec.outShape;
    const block = p.src.subarray(p.r0 * n1 * n2, p.r1 * n1 * n2);
    const out = inPlanePhase(block, [p.r1 - p.r0, n1, n2], p.spec, { ...p, firstRow: p.r0 });
    p.dst.set(out, p.r0 * m1 * m2);
    return null;
  },

  /** zPhase on rows y0..y1 of a shared (n0, ny, nx) array into a shared (m0, ny, nx) output */
  zPhaseShared(p: {
    src: Float32Array;
    dst: Float32Array;
    shape: Shape3;
    y0: number;
    y1: number;
    spec: ResampleSpec;
    clip?: [number, number];
  }) {
    zPhaseColumns(p.src, p.shape, p.spec, p.y0 * p.shape[2], p.y1 * p.shape[2], p.dst, p.clip);
    return null;
  },

  /** skimage's clip range of a channel; the channel goes back to the caller untouched */
  clipBounds(p: { channel: Float32Array; spec: ResampleSpec }) {
    const bounds = clipBounds(p.channel, p.spec);
    return withTransfer({ channel: p.channel, bounds }, buffers(p.channel, bounds));
  },

  classLocations(p: { seg: Int16Array; shape: Shape3; labels?: LabelDict }) {
    const locs = caseClassLocations(p.seg, p.shape, p.labels) ?? {};
    return withTransfer({ seg: p.seg, locations: locs }, buffers(p.seg, ...locationBuffers(locs)));
  },

  labelsSlab(p: LabelsSlabRequest) {
    const out = logitsToLabelsSlab(p.logits, p.spec, p.slab, p.bounds, p.options);
    return withTransfer(out, buffers(out));
  },

  /** a finished slice's sums → its labels, where the logits need no resampling */
  sliceLabels(p: { sums: SliceSums; crop: SliceCrop; foregroundLabels: number }) {
    const out = sliceLabels(p.sums, p.crop, p.foregroundLabels);
    return withTransfer(out, buffers(out));
  },
};

export type PreprocessMethod = keyof typeof preprocessHandlers;
