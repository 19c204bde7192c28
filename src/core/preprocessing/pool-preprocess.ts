import type { WorkerPool } from '../parallel/pool';
import type { Progress } from '../parallel/rpc';
import { throwIfCancelled } from '../parallel/rpc';
import type { ClassLocations, LabelDict } from './class-locations';
import type { Shape3 } from './crop';
import { type CropGeometry, type ExportOptions, exportResampleSpec } from './export-prediction';
import type { PreprocessingPlans } from './plans-view';
import type { CroppedCase, PreprocessedCase } from './preprocess-case';
import { clipBounds, dataSlab, type Slab } from './resample-data';
import type { ResampleSpec } from './resample-plan';
import { segSlab } from './resample-seg';
import type { CaseFiles } from './worker-handlers';

/**
 * Preprocessing on a pool of workers (workers/preprocess.worker.ts): the cases of a dataset in
 * parallel, one per worker; or one large case with its resampling split in z-slabs over the workers.
 * The calling thread only slices inputs and assembles outputs (memory copies); progress is reported
 * per finished case or slab, and an abort rejects at once (a worker finishes its current job).
 */
export interface PoolRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** number of z-slabs to split a resampling into (default: twice the pool, for large volumes) */
  parts?: number;
}

/** Below this many output voxels a volume is resampled in one job (splitting costs more than it saves). */
export const MIN_SPLIT_VOXELS = 4_000_000;

type CaseSource = CaseFiles | (() => Promise<CaseFiles>);

function fileBuffers(files: CaseFiles): Transferable[] {
  const all = [...files.images, ...(files.label ? [files.label] : [])];
  return [...new Set(all.map((f) => f.bytes.buffer))].filter(
    (b): b is ArrayBuffer => b instanceof ArrayBuffer,
  );
}

/**
 * Every case through run_case, `pool.size` at a time. Each result goes to `onCase` as soon as it is
 * ready (so a caller can store it and let it go); without `onCase` the results are returned in order.
 * Files are loaded lazily when given as functions, and their buffers are transferred, not copied.
 */
export async function preprocessDataset(
  pool: WorkerPool,
  cases: CaseSource[],
  plans: PreprocessingPlans,
  labels: LabelDict | undefined,
  o: PoolRunOptions & { onCase?: (id: string, result: PreprocessedCase) => void | Promise<void> } = {},
): Promise<PreprocessedCase[]> {
  const results: PreprocessedCase[] = [];
  const fractions = new Array(cases.length).fill(0);
  const report = (stage?: string) =>
    o.onProgress?.({ done: fractions.reduce((a, b) => a + b, 0), total: cases.length, stage });
  let next = 0;
  const lane = async () => {
    while (next < cases.length) {
      throwIfCancelled(o.signal);
      const i = next++;
      const source = cases[i];
      const files = typeof source === 'function' ? await source() : source;
      const r = await pool.call<PreprocessedCase>(
        'preprocessCase',
        { files, plans, labels },
        {
          transfer: fileBuffers(files),
          signal: o.signal,
          onProgress: (p) => {
            fractions[i] = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
            report(`${files.id}: ${p.stage ?? ''}`);
          },
        },
      );
      fractions[i] = 1;
      report(files.id);
      if (o.onCase) await o.onCase(files.id, r);
      else results[i] = r;
    }
  };
  await Promise.all(Array.from({ length: Math.min(pool.size, cases.length) }, lane));
  return results;
}

/** One case, its resampling split in z-slabs across the pool (for volumes too big for one worker's time). */
export async function preprocessLargeCase(
  pool: WorkerPool,
  files: CaseFiles,
  plans: PreprocessingPlans,
  labels: LabelDict | undefined,
  o: PoolRunOptions = {},
): Promise<PreprocessedCase> {
  const hasLabel = files.label !== undefined;
  const c = await pool.call<CroppedCase>(
    'cropAndNormalize',
    { files, plans },
    { transfer: fileBuffers(files), signal: o.signal },
  );
  const steps = c.data.length + 2;
  let done = 1;
  const report = (stage: string, fraction = 0) =>
    o.onProgress?.({ done: done + fraction, total: steps, stage });
  report('crop and normalize');
  let data = c.data;
  let seg = c.seg;
  if (c.dataSpec && c.segSpec) {
    data = [];
    for (let k = 0; k < c.data.length; k++) {
      data.push(
        await resampleInSlabs(pool, c.data[k], c.dataSpec, {
          ...o,
          onProgress: (p) => report('resample', p.done / p.total),
        }),
      );
      c.data[k] = new Float32Array(0);
      done++;
    }
    seg = await resampleInSlabs(pool, c.seg, c.segSpec, {
      ...o,
      onProgress: (p) => report('resample', p.done / p.total),
    });
  } else done += c.data.length;
  let classLocations: ClassLocations | undefined;
  if (hasLabel && labels) {
    const r = await pool.call<{ seg: Int16Array; locations: ClassLocations }>(
      'classLocations',
      { seg, shape: c.newShape, labels },
      { transfer: [seg.buffer as ArrayBuffer], signal: o.signal },
    );
    seg = r.seg;
    classLocations = r.locations;
  }
  done = steps;
  report('done');
  return { data, seg, shape: c.newShape, properties: c.properties, classLocations };
}

/**
 * skimage's clip range of a channel, scanned by a worker: the channel travels there and back by
 * transfer. A view into a larger buffer cannot travel alone (its neighbours would go too), so it is
 * scanned here instead.
 */
async function boundsOf(
  pool: WorkerPool,
  channel: Float32Array,
  spec: ResampleSpec,
  signal?: AbortSignal,
): Promise<{ channel: Float32Array; bounds: Float64Array }> {
  if (
    channel.byteOffset !== 0 ||
    channel.byteLength !== channel.buffer.byteLength ||
    !(channel.buffer instanceof ArrayBuffer)
  )
    return { channel, bounds: clipBounds(channel, spec) };
  return pool.call('clipBounds', { channel, spec }, { transfer: [channel.buffer], signal });
}

/** Split output rows [0, depth) into up to `parts` contiguous ranges of near-equal size. */
export function splitRows(depth: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, depth));
  return Array.from({ length: k }, (_, i) => [
    Math.floor((i * depth) / k),
    Math.floor(((i + 1) * depth) / k),
  ]);
}

function slabCount(pool: WorkerPool, spec: ResampleSpec): number {
  const voxels = spec.outShape[0] * spec.outShape[1] * spec.outShape[2];
  return pool.size > 1 && voxels >= MIN_SPLIT_VOXELS ? pool.size * 2 : 1;
}

/**
 * Resample one channel (image, or label map when spec.isSeg) with its output rows split across the
 * pool. Each job gets a copy of just the input rows its slab needs (halo included).
 */
export async function resampleInSlabs<T extends Float32Array | Int16Array>(
  pool: WorkerPool,
  input: T,
  spec: ResampleSpec,
  o: PoolRunOptions & { bounds?: Float64Array } = {},
): Promise<T> {
  const [, ny, nx] = spec.inShape;
  const [mz, my, mx] = spec.outShape;
  let bounds = o.bounds;
  if (!spec.isSeg && !bounds) {
    const r = await boundsOf(pool, input as Float32Array, spec, o.signal);
    input = r.channel as T;
    bounds = r.bounds;
  }
  const plane = ny * nx;
  const slabs: Slab[] = splitRows(mz, o.parts ?? slabCount(pool, spec)).map(([j0, j1]) =>
    spec.isSeg ? segSlab(spec, j0, j1) : dataSlab(spec, j0, j1),
  );
  const parts = await pool.map<Slab, T>(
    slabs,
    'resampleSlab',
    (s) => {
      const part = input.slice(s.lo * plane, s.hi * plane);
      return { payload: { input: part, spec, slab: s, bounds }, transfer: [part.buffer] };
    },
    { signal: o.signal, onProgress: o.onProgress, stage: 'resample' },
  );
  const out = (spec.isSeg ? new Int16Array(mz * my * mx) : new Float32Array(mz * my * mx)) as T;
  parts.forEach((p, i) => {
    out.set(p, slabs[i].j0 * my * mx);
  });
  return out;
}

/**
 * The export (logits → labels on the source grid) with its resampling split in z-slabs. `logits` are
 * one (z, y, x) array per output channel at the network's grid.
 */
export async function logitsToSegmentationInPool(
  pool: WorkerPool,
  logits: Float32Array[],
  shape: Shape3,
  geometry: CropGeometry,
  plans: PreprocessingPlans,
  options: ExportOptions = {},
  o: PoolRunOptions = {},
): Promise<{ labels: Uint8Array | Uint16Array; shape: Shape3 }> {
  const spec = exportResampleSpec(shape, geometry, plans);
  const out = geometry.shape_after_cropping_and_before_resampling;
  const plane = shape[1] * shape[2];
  let bounds: Float64Array[] | null = null;
  if (spec) {
    bounds = [];
    for (let c = 0; c < logits.length; c++) {
      const r = await boundsOf(pool, logits[c], spec, o.signal);
      logits[c] = r.channel;
      bounds.push(r.bounds);
    }
  }
  const parts = spec ? (o.parts ?? slabCount(pool, spec)) : 1;
  const slabs: Slab[] = splitRows(out[0], parts).map(([j0, j1]) =>
    spec ? dataSlab(spec, j0, j1) : { lo: j0, hi: j1, j0, j1 },
  );
  const pieces = await pool.map<Slab, Uint8Array | Uint16Array>(
    slabs,
    'labelsSlab',
    (s) => {
      const part = logits.map((l) => l.slice(s.lo * plane, s.hi * plane));
      return {
        payload: { logits: part, spec, slab: s, bounds, options },
        transfer: part.map((p) => p.buffer),
      };
    },
    { signal: o.signal, onProgress: o.onProgress, stage: 'export' },
  );
  const outPlane = out[1] * out[2];
  const total = out[0] * outPlane;
  const cropped = pieces[0] instanceof Uint16Array ? new Uint16Array(total) : new Uint8Array(total);
  pieces.forEach((p, i) => {
    cropped.set(p, slabs[i].j0 * outPlane);
  });
  return pool.call(
    'uncrop',
    { labels: cropped, geometry, plans },
    { transfer: [cropped.buffer], signal: o.signal },
  );
}
