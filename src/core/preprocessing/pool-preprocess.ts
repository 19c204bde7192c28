import type { Progress } from '../parallel/job';
import { throwIfCancelled } from '../parallel/job';
import type { WorkerPool } from '../parallel/pool';
import { clipBounds, dataSlab } from '../resampling/resample-data';
import { gatherRows, phasedSplitApplies, scatterRows, zFirst } from '../resampling/resample-phases';
import type { ResampleSpec, Slab } from '../resampling/resample-plan';
import { segSlab } from '../resampling/resample-seg';
import type { LabelDict } from './class-locations';
import type { PreprocessingPlans } from './plans-view';
import type { PreprocessedCase } from './preprocess-case';
import type { CaseFiles } from './worker-handlers';

/**
 * Preprocessing on a pool of workers (workers/preprocess.worker.ts): the cases of a dataset in
 * parallel, one per worker; or one large channel's resampling split in z-slabs over the workers.
 * The calling thread only slices inputs and assembles outputs (memory copies); progress is reported
 * per finished case or slab, and an abort rejects at once (a worker finishes its current job).
 */
export interface PoolRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** number of z-slabs to split a resampling into (default: twice the pool, for large volumes) */
  parts?: number;
  /** share arrays with the workers through SharedArrayBuffer (default: when the platform allows) */
  shared?: boolean;
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
  if (phasedSplitApplies(spec))
    return (await resampleInPhases(pool, input as Float32Array, spec, bounds!, o)) as T;
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
 * Spline image resampling split without overlap (resample-phases.ts): the in-plane passes over
 * z-slabs, the z pass over y-slabs; each phase's pieces run in parallel.
 */
async function resampleInPhases(
  pool: WorkerPool,
  input: Float32Array,
  spec: ResampleSpec,
  bounds: Float64Array,
  o: PoolRunOptions,
): Promise<Float32Array> {
  const parts = o.parts ?? slabCount(pool, spec);
  const [n0, n1, n2] = spec.inShape;
  const [m0, m1, m2] = spec.outShape;
  const whole: [number, number] | undefined = spec.axis === null ? [bounds[0], bounds[1]] : undefined;
  const sliceBounds = spec.axis === 0 ? bounds : undefined;
  const opts = (stage: string) => ({ signal: o.signal, onProgress: o.onProgress, stage });
  const inPlane = async (src: Float32Array, rows: number, clipAll: boolean): Promise<Float32Array> => {
    const [a1, a2] = [n1 * n2, m1 * m2];
    const pieces = splitRows(rows, parts);
    const outs = await pool.map<[number, number], Float32Array>(
      pieces,
      'inPlanePhase',
      ([r0, r1]) => {
        const block = src.slice(r0 * a1, r1 * a1);
        const payload = {
          block,
          shape: [r1 - r0, n1, n2],
          spec,
          firstRow: r0,
          sliceBounds,
          clip: clipAll ? whole : undefined,
        };
        return { payload, transfer: [block.buffer] };
      },
      opts('resample in-plane'),
    );
    const out = new Float32Array(rows * a2);
    outs.forEach((p, i) => {
      out.set(p, pieces[i][0] * a2);
    });
    return out;
  };
  const alongZ = async (
    src: Float32Array,
    ny: number,
    nx: number,
    clipAll: boolean,
  ): Promise<Float32Array> => {
    const pieces = splitRows(ny, parts);
    const outs = await pool.map<[number, number], Float32Array>(
      pieces,
      'zPhase',
      ([y0, y1]) => {
        const block = gatherRows(src, [n0, ny, nx], y0, y1);
        return {
          payload: { block, shape: [n0, y1 - y0, nx], spec, clip: clipAll ? whole : undefined },
          transfer: [block.buffer],
        };
      },
      opts('resample along z'),
    );
    const out = new Float32Array(m0 * ny * nx);
    outs.forEach((p, i) => {
      scatterRows(out, [m0, ny, nx], pieces[i][0], p);
    });
    return out;
  };
  const zChanges = n0 !== m0;
  const planeChanges = n1 !== m1 || n2 !== m2 || spec.axis === 0;
  if (sharedMemory())
    return resampleShared(pool, input, spec, { whole, sliceBounds, parts, zChanges, planeChanges }, o);
  if (zFirst(spec)) {
    const z = await alongZ(input, n1, n2, !planeChanges);
    return planeChanges ? inPlane(z, m0, true) : z;
  }
  const p = planeChanges ? await inPlane(input, n0, !zChanges) : input;
  return zChanges ? alongZ(p, m1, m2, spec.axis === null) : p;
}

/** SharedArrayBuffer is there (Node; a cross-origin-isolated page): workers can share arrays. */
function sharedMemory(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
}

function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

/**
 * resampleInPhases with the input, the intermediate and the output in shared memory: the workers read
 * and write them in place, nothing is copied between phases. The result is SharedArrayBuffer-backed.
 */
async function resampleShared(
  pool: WorkerPool,
  input: Float32Array,
  spec: ResampleSpec,
  p: {
    whole?: [number, number];
    sliceBounds?: Float64Array;
    parts: number;
    zChanges: boolean;
    planeChanges: boolean;
  },
  o: PoolRunOptions,
): Promise<Float32Array> {
  const [n0, n1, n2] = spec.inShape;
  const [m0, m1, m2] = spec.outShape;
  let src = input;
  if (!(input.buffer instanceof SharedArrayBuffer)) {
    src = sharedFloat32(input.length);
    src.set(input);
  }
  const opts = (stage: string) => ({ signal: o.signal, onProgress: o.onProgress, stage });
  const inPlane = async (from: Float32Array, rows: number, clipAll: boolean) => {
    const dst = sharedFloat32(rows * m1 * m2);
    await pool.map(
      splitRows(rows, p.parts),
      'inPlanePhaseShared',
      ([r0, r1]) => ({
        payload: {
          src: from,
          dst,
          r0,
          r1,
          spec,
          sliceBounds: p.sliceBounds,
          clip: clipAll ? p.whole : undefined,
        },
      }),
      opts('resample in-plane'),
    );
    return dst;
  };
  const alongZ = async (from: Float32Array, ny: number, nx: number, clipAll: boolean) => {
    const dst = sharedFloat32(m0 * ny * nx);
    await pool.map(
      splitRows(ny, p.parts),
      'zPhaseShared',
      ([y0, y1]) => ({
        payload: { src: from, dst, shape: [n0, ny, nx], y0, y1, spec, clip: clipAll ? p.whole : undefined },
      }),
      opts('resample along z'),
    );
    return dst;
  };
  if (zFirst(spec)) {
    const z = await alongZ(src, n1, n2, !p.planeChanges);
    return p.planeChanges ? inPlane(z, m0, true) : z;
  }
  const mid = p.planeChanges ? await inPlane(src, n0, !p.zChanges) : src;
  return p.zChanges ? alongZ(mid, m1, m2, spec.axis === null) : mid;
}
