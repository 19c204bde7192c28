import { HALF_VALUES, halfBitsOfRow } from '../pycompat/float16';
import { flipAxes } from './flip';

/** What an accumulator needs to know about the sliding window it serves. */
export interface TileGeometry {
  /** output channels */
  K: number;
  /** (z, y, x) tile size; 2-D networks: z = 1 */
  patch: [number, number, number];
  /** padded image (z, y, x) */
  padded: number[];
  folds: number;
  /** float16-valued importance map of the tile, or null (every weight 1) */
  gaussian: Float32Array | null;
  /** network output shape, for flipping */
  outShape: number[];
  /** evaluations per tile and fold (1 + TTA mirror combinations); default 1 */
  evaluationsPerTile?: number;
}

/**
 * A slice's raw accumulators: per fold K × plane (float16 values) and the weight plane, as float32 values
 * (the GPU's) or as float16 bits (the CPU's, decoded only by the division that needs them).
 */
export type SliceSums =
  | { half: false; logits: Float32Array[]; weight: Float32Array }
  | { half: true; logits: Uint16Array[]; weight: Uint16Array };

/**
 * Where nnU-Net's tile arithmetic happens, for outputs of type T: on the CPU for Float32Array outputs
 * (below), or on the GPU for outputs that stay in GPU buffers (gpu-tile-accumulator.ts). The semantics are
 * the same: TTA predictions summed in float32 (flipped back), divided by their count, multiplied by the
 * float16 Gaussian in float32 and added into float16 accumulators; the Gaussian summed into float16 weights.
 */
export interface TileAccumulator<T> {
  /** number of values in a network output (checked against K × tile) */
  outputLength(out: T): number;
  /** one evaluation; `flip` (tensor axes) undoes the input's mirroring; `first` starts the TTA sum */
  addEvaluation(out: T, flip: number[], first: boolean): void | Promise<void>;
  /** sum / n × Gaussian into fold `fold`'s accumulators at the tile's (padded) origin */
  commitTile(fold: number, origin: number[], n: number): void | Promise<void>;
  /** the tile's Gaussian into the weights (once per tile, whatever the folds) */
  addWeights(origin: number[]): void | Promise<void>;
  /** a padded z slice's sums, forgotten afterwards; null when no tile touched it */
  takeSlice(z: number): Promise<SliceSums | null>;
  release?(): void;
}

/** A slice's accumulators as float16 bits: every value is a half anyway, and bits take half the memory. */
interface HalfSlice {
  logits: Uint16Array[];
  weight: Uint16Array;
}

/**
 * The CPU accumulator: slices created on first touch and dropped when taken (a slab of patch-z slices ×
 * folds, never the volume), stored as float16 bits, exactly the values nnU-Net's half tensors hold.
 */
export class CpuTileAccumulator implements TileAccumulator<Float32Array> {
  private readonly slices = new Map<number, HalfSlice>();
  /** the tile's prediction: the network's own output while it is the only evaluation, else the TTA sum */
  private pred: Float32Array = new Float32Array(0);
  // K × tile float32 each (0.75 GB for 118 classes at 112×112×128): made only when TTA needs them
  private sum: Float32Array | null = null;
  private back: Float32Array<ArrayBufferLike> | null = null;
  private readonly plane: number;
  private row = new Float32Array(0);
  private rowBits = new Uint32Array(0);

  constructor(private readonly g: TileGeometry) {
    this.plane = g.padded[1] * g.padded[2];
  }

  outputLength(out: Float32Array): number {
    return out.length;
  }

  addEvaluation(out: Float32Array, flip: number[], first: boolean): void {
    const n = out.length;
    if (flip.length) this.back ??= new Float32Array(n) as Float32Array<ArrayBufferLike>;
    const src = flip.length ? flipAxes(out, this.g.outShape, flip, this.back!) : out;
    // one evaluation per tile: use the network's output as it is (no K × tile copy)
    if ((this.g.evaluationsPerTile ?? 1) === 1) {
      this.pred = src;
      return;
    }
    this.sum ??= new Float32Array(n);
    this.pred = this.sum;
    const sum = this.sum;
    if (first) sum.set(src);
    else for (let i = 0; i < n; i++) sum[i] = Math.fround(sum[i] + src[i]);
  }

  private slice(z: number): HalfSlice {
    let s = this.slices.get(z);
    if (!s) {
      s = {
        logits: Array.from({ length: this.g.folds }, () => new Uint16Array(this.g.K * this.plane)),
        weight: new Uint16Array(this.plane),
      };
      this.slices.set(z, s);
    }
    return s;
  }

  /** A padded z slice's float16 sums of one fold (K × plane), made on first touch: for in-place accumulation. */
  halfLogits(z: number, fold: number): Uint16Array {
    return this.slice(z).logits[fold];
  }

  commitTile(fold: number, origin: number[], n: number): void {
    const pred = this.pred;
    if (n > 1) for (let i = 0; i < pred.length; i++) pred[i] = Math.fround(pred[i] / n);
    this.commitSlab(fold, origin, pred, 0, this.g.patch[0]);
    this.pred = new Float32Array(0);
  }

  /**
   * Slices dz0 … dz0 + dzN − 1 of a tile's (already averaged) prediction, `pred` = K × dzN × Py × Px: how a
   * network with a separate segmentation head hands its logits over, a few slices at a time.
   */
  commitSlab(fold: number, origin: number[], pred: Float32Array, dz0: number, dzN: number): void {
    const { K, patch, padded, gaussian } = this.g;
    const [, Py, Px] = patch;
    const [z0, y0, x0] = origin;
    const planeP = Py * Px;
    const slabVox = dzN * planeP;
    const { row, rowBits } = this.scratch(Px);
    // predicted_logits[sl] += prediction * gaussian   (float32 product, float32 sum, rounded to float16)
    for (let dz = 0; dz < dzN; dz++) {
      const target = this.slice(z0 + dz0 + dz).logits[fold];
      for (let k = 0; k < K; k++)
        for (let dy = 0; dy < Py; dy++) {
          const src = k * slabVox + dz * planeP + dy * Px;
          const g0 = (dz0 + dz) * planeP + dy * Px;
          const dst = k * this.plane + (y0 + dy) * padded[2] + x0;
          if (gaussian)
            for (let dx = 0; dx < Px; dx++)
              row[dx] = HALF_VALUES[target[dst + dx]] + Math.fround(pred[src + dx] * gaussian[g0 + dx]);
          else for (let dx = 0; dx < Px; dx++) row[dx] = HALF_VALUES[target[dst + dx]] + pred[src + dx];
          halfBitsOfRow(row, rowBits, Px, target, dst);
        }
    }
  }

  addWeights(origin: number[]): void {
    const { patch, padded, gaussian } = this.g;
    const [Pz, Py, Px] = patch;
    const [z0, y0, x0] = origin;
    const { row, rowBits } = this.scratch(Px);
    for (let dz = 0; dz < Pz; dz++) {
      const w = this.slice(z0 + dz).weight;
      for (let dy = 0; dy < Py; dy++) {
        const g0 = (dz * Py + dy) * Px;
        const dst = (y0 + dy) * padded[2] + x0;
        for (let dx = 0; dx < Px; dx++)
          row[dx] = HALF_VALUES[w[dst + dx]] + (gaussian ? gaussian[g0 + dx] : 1);
        halfBitsOfRow(row, rowBits, Px, w, dst);
      }
    }
  }

  /** A float32 row (and its bits) for the float32 sums before they are rounded into the float16 slices. */
  private scratch(n: number): { row: Float32Array; rowBits: Uint32Array } {
    if (this.row.length < n) {
      this.row = new Float32Array(n);
      this.rowBits = new Uint32Array(this.row.buffer);
    }
    return { row: this.row, rowBits: this.rowBits };
  }

  async takeSlice(z: number): Promise<SliceSums | null> {
    const s = this.slices.get(z);
    if (!s) return null;
    this.slices.delete(z);
    return { half: true, logits: s.logits, weight: s.weight };
  }
}

export function halfsToFloats(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = HALF_VALUES[h[i]];
  return out;
}
