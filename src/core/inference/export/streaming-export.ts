import type { WorkerPool } from '../../parallel/pool';
import type { Shape3 } from '../../preprocessing/crop';
import type { PreprocessingPlans } from '../../preprocessing/plans-view';
import { clipBounds, dataSlab } from '../../resampling/resample-data';
import type { ResampleSpec, Slab } from '../../resampling/resample-plan';
import {
  type CropGeometry,
  type ExportOptions,
  exportResampleSpec,
  labelArray,
  uncropAndTransposeBack,
} from './export-geometry';
import { logitsToLabelsSlab } from './labels-slab';

/** Output rows per slab: small enough that K × its input rows stay a few tens of MB. */
const SLAB_ROWS = 8;

export interface StreamingExportOptions extends ExportOptions {
  /**
   * Clip ranges per channel (clipBounds over the whole channel). Needed only for spline kernels:
   * linear and nearest interpolation never leave the input's range, so skimage's clip is a no-op and
   * the export can start before the last logit row exists.
   */
  bounds?: Float64Array[];
  /** workers serving `labelsSlab` (preprocessHandlers): slabs run there, `pool.size` at a time */
  pool?: WorkerPool;
  signal?: AbortSignal;
}

/**
 * The one export of predicted logits: network-grid logit rows (z order, K × Y × X each) go in as they
 * are final, and every slab of output rows is resampled and turned into labels as soon as its input
 * rows are there — on this thread, or on a worker pool with `pool.size` slabs in flight. Only the rows
 * the next slabs need are held, never K × the volume at either resolution.
 */
export class StreamingExport {
  private readonly rows = new Map<number, Float32Array>();
  private readonly out: Uint8Array | Uint16Array;
  private readonly outRows: number;
  private readonly outPlane: number;
  private readonly plane: number;
  private readonly bounds: Float64Array[] | null;
  private nextRow = 0;
  private inflight: Promise<void>[] = [];
  private failure: unknown = null;

  constructor(
    private readonly K: number,
    private readonly logitShape: Shape3,
    private readonly geometry: CropGeometry,
    private readonly spec: ResampleSpec | null,
    private readonly options: StreamingExportOptions,
  ) {
    const target = geometry.shape_after_cropping_and_before_resampling;
    this.outRows = target[0];
    this.outPlane = target[1] * target[2];
    this.plane = logitShape[1] * logitShape[2];
    this.out = labelArray(this.foreground(), target[0] * this.outPlane);
    if (spec && !options.bounds && !(spec.order <= 1 && (spec.axis === null || spec.orderZ <= 1)))
      throw new Error('spline export kernels need the clip bounds of the whole channels');
    this.bounds = spec ? (options.bounds ?? Array.from({ length: K }, () => infiniteBounds(spec))) : null;
  }

  private foreground(): number {
    const o = this.options;
    return o.foregroundLabels ?? (o.regionsClassOrder ? Math.max(0, ...o.regionsClassOrder) : this.K - 1);
  }

  /** Logits of network row z (K × Y × X, channel-major); rows arrive in increasing z. */
  async push(z: number, logits: Float32Array): Promise<void> {
    this.rows.set(z, logits);
    await this.flush(z + 1);
  }

  /** Labels on the source grid (uncropped, transposed back), once every row has been pushed. */
  async finish(plans: Pick<PreprocessingPlans, 'transposeBackward'>): Promise<{
    labels: Uint8Array | Uint16Array;
    shape: Shape3;
  }> {
    await this.flush(this.logitShape[0]);
    await Promise.all(this.inflight);
    this.inflight = [];
    if (this.failure) throw this.failure;
    return uncropAndTransposeBack(this.out, this.geometry, plans);
  }

  private slabAt(j0: number): Slab {
    const j1 = Math.min(this.outRows, j0 + SLAB_ROWS);
    return this.spec ? dataSlab(this.spec, j0, j1) : { lo: j0, hi: j1, j0, j1 };
  }

  /** Produce every output slab whose input rows are all below `available`. */
  private async flush(available: number): Promise<void> {
    while (this.nextRow < this.outRows) {
      if (this.failure) throw this.failure;
      const slab = this.slabAt(this.nextRow);
      if (slab.hi > available && available < this.logitShape[0]) return;
      const channels = Array.from({ length: this.K }, (_, k) => {
        const a = new Float32Array((slab.hi - slab.lo) * this.plane);
        for (let r = slab.lo; r < slab.hi; r++) {
          const row = this.rows.get(r);
          if (row) a.set(row.subarray(k * this.plane, (k + 1) * this.plane), (r - slab.lo) * this.plane);
        }
        return a;
      });
      this.nextRow = slab.j1;
      // rows below the next slab's first input row are no longer needed
      const nextLo = this.nextRow < this.outRows ? this.slabAt(this.nextRow).lo : Number.POSITIVE_INFINITY;
      for (const r of [...this.rows.keys()]) if (r < nextLo) this.rows.delete(r);
      await this.run(channels, slab);
    }
  }

  private async run(channels: Float32Array[], slab: Slab): Promise<void> {
    const { pool, signal, bounds: _b, ...options } = this.options;
    if (!pool) {
      this.place(logitsToLabelsSlab(channels, this.spec, slab, this.bounds, options), slab);
      return;
    }
    if (this.inflight.length >= pool.size) await this.inflight.shift();
    const job = pool
      .call<Uint8Array | Uint16Array>(
        'labelsSlab',
        { logits: channels, spec: this.spec, slab, bounds: this.bounds, options },
        { transfer: channels.map((c) => c.buffer as ArrayBuffer), signal },
      )
      .then((labels) => this.place(labels, slab))
      .catch((e) => {
        this.failure ??= e;
      });
    this.inflight.push(job);
  }

  private place(labels: Uint8Array | Uint16Array, slab: Slab): void {
    this.out.set(labels, slab.j0 * this.outPlane);
  }
}

function infiniteBounds(spec: ResampleSpec): Float64Array {
  const n = spec.axis === null ? 1 : spec.inShape[spec.axis];
  const b = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    b[2 * i] = Number.NEGATIVE_INFINITY;
    b[2 * i + 1] = Number.POSITIVE_INFINITY;
  }
  return b;
}

/**
 * The whole way back for logits already in memory (one (z, y, x) array per channel at the network
 * grid): the same streaming export fed all rows, with skimage's clip ranges of the whole channels.
 */
export async function exportLogits(
  logits: Float32Array[],
  logitShape: Shape3,
  geometry: CropGeometry,
  plans: PreprocessingPlans,
  options: Omit<StreamingExportOptions, 'bounds'> = {},
): Promise<{ labels: Uint8Array | Uint16Array; shape: Shape3 }> {
  const spec = exportResampleSpec(logitShape, geometry, plans);
  const bounds = spec ? logits.map((l) => clipBounds(l, spec)) : undefined;
  const exporter = new StreamingExport(logits.length, logitShape, geometry, spec, { ...options, bounds });
  const plane = logitShape[1] * logitShape[2];
  for (let z = 0; z < logitShape[0]; z++) {
    const row = new Float32Array(logits.length * plane);
    logits.forEach((l, k) => {
      row.set(l.subarray(z * plane, (z + 1) * plane), k * plane);
    });
    await exporter.push(z, row);
  }
  return exporter.finish(plans);
}
