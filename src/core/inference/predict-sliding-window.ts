import { TesseraError } from '../errors';
import { throwIfCancelled } from '../parallel/job';
import { finalizeSlice, type SliceCrop } from './finalize-slice';
import { flipAxes, mirrorCombinations } from './flip';
import { computeGaussian, computeSteps } from './sliding-window';
import {
  CpuTileAccumulator,
  type SliceSums,
  type TileAccumulator,
  type TileGeometry,
} from './tile-accumulator';

/** One network evaluation: input [1, C, ...patch] → logits [1, K, ...patch], C order (on the CPU, or a GPU handle). */
export type NetworkFn<T = Float32Array> = (tile: Float32Array, shape: number[]) => Promise<T>;

export interface SlidingWindowOptions {
  /** (z, y, x) for 3-D networks, (y, x) for 2-D networks run slice by slice on a 3-D image */
  patchSize: number[];
  /** number of output channels K */
  numClasses: number;
  tileStepSize?: number;
  useGaussian?: boolean;
  /** spatial axes of the network input that TTA mirrors (the checkpoint's allowed axes); [] = no TTA */
  mirrorAxes?: number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /**
   * Take finished slices as their sums, in z order, instead of onSlice's logits: the caller finalizes
   * them (finalize-slice.ts), e.g. several at once on workers, or takes the labels straight from them.
   */
  onSums?: (slice: SliceOfSums) => Promise<void>;
  /**
   * With onSums: take the labels (Y × X, nnU-Net's argmax) of the slices whose labels the segmentation head
   * computes itself (`SegmentationHead.labels`: one fold, a slice one tile alone covers). They come as the
   * head runs, before the slices around them; onSums never sees these slices.
   */
  onLabels?: (z: number, labels: Int32Array) => Promise<void> | void;
}

/** A finished slice before the division: its sums and where its plane sits in the image. */
export interface SliceOfSums {
  /** z index in the unpadded image */
  z: number;
  sums: SliceSums;
  crop: SliceCrop;
}

/**
 * nnU-Net's float16 accumulation of one z slice through the segmentation layer (onnx-network.ts
 * createAccumulatingHead, model/onnx emitAccumulatingHead): features C × plane, the slice's float16 sums
 * K × plane and the Gaussian's plane in, the new sums out.
 */
export type AccumulateFn = (
  features: Float32Array,
  accumulator: Uint16Array,
  gaussian: Float32Array,
  plane: [number, number],
) => Promise<Uint16Array>;

/**
 * The segmentation layer through nnU-Net's division and argmax for a slice one tile alone covers, one fold
 * (onnx-network.ts createLabelsHead, model/onnx emitAccumulatingHead's 'labels'): features C × plane and the
 * Gaussian's plane (then also the slice's weight) in, the padded plane's labels out.
 */
export type SliceLabelsFn = (
  features: Float32Array,
  gaussian: Float32Array,
  plane: [number, number],
) => Promise<Int32Array>;

/**
 * Networks exported with a separate segmentation head (`segmentationHead: 'separate'`): the fold's network
 * returns the last decoder features (`channels` × tile) and `fns[fold]` maps [1, channels, dz, y, x] to
 * [1, K, dz, y, x]. The head runs a few slices at a time straight into the accumulator, so a K × tile
 * array never exists (0.75 GB at 118 classes and a 112 × 112 × 128 tile). TTA averages the features,
 * flipped back, before the head: the head is affine, so this is the same mean as nnU-Net's over logits.
 */
export interface SegmentationHead {
  fns: NetworkFn[];
  channels: number;
  /** logits per head call (K × slices × plane); default ~32 MB of float32 */
  valuesPerCall?: number;
  /**
   * per fold, the head fused with the float16 accumulation of one slice (onnx-network.ts AccumulateFn):
   * used for 3-D tiles that span the padded image's plane (a slice's sums are then exactly the tile's
   * K × plane), with the Gaussian; the arithmetic is the accumulator's, bit for bit
   */
  accumulate?: AccumulateFn[];
  /** per fold, with `accumulate`: labels of the slices a tile alone covers, when the caller takes labels */
  labels?: SliceLabelsFn[];
}

/** Values per head call (K × slices × plane): ~32 MB of float32 logits at a time. */
export const HEAD_CHUNK_VALUES = 8 << 20;

/** Where the tile arithmetic runs: the CPU by default; a GPU accumulator keeps the outputs on the GPU. */
export type AccumulatorFactory<T> = (geometry: TileGeometry) => TileAccumulator<T>;

export interface LogitSlice {
  /** z index in the unpadded image */
  z: number;
  /** K × Y × X logits of that slice (float16 values, as nnU-Net's half accumulation gives them) */
  logits: Float32Array;
}

/**
 * nnU-Net's `predict_sliding_window_return_logits` for one or more folds, with its exact float16
 * semantics: the image is zero-padded (virtually) to at least the patch, tiles step as
 * compute_steps_for_sliding_window says, each tile's float32 logits (averaged over mirror combinations)
 * are multiplied by the float16 Gaussian and added into float16 accumulators, divided by the summed
 * Gaussian; folds are then summed and averaged in float16.
 *
 * Streaming: tiles run in z order and every z slice is handed to `onSlice` as soon as no later tile can
 * touch it, then freed — so memory holds only a slab of (patch depth + one step) slices × K × folds, never the
 * whole K × volume. `predictSlidingWindow` below collects the slices when the caller wants them all.
 */
export async function streamSlidingWindow<T = Float32Array>(
  data: Float32Array | Float32Array[],
  shape: readonly number[],
  folds: NetworkFn<T>[],
  options: SlidingWindowOptions & { accumulator?: AccumulatorFactory<T>; head?: SegmentationHead },
  onSlice?: (slice: LogitSlice) => void | Promise<void>,
): Promise<void> {
  const [C, Z, Y, X] = shape;
  // one (z, y, x) array per channel; a single (c, z, y, x) array is viewed per channel (no copy)
  const n = Z * Y * X;
  const channels = Array.isArray(data)
    ? data
    : Array.from({ length: C }, (_, c) => data.subarray(c * n, (c + 1) * n));
  if (shape.length !== 4 || channels.length !== C || channels.some((ch) => ch.length !== n)) {
    throw new Error(`data must be (c, z, y, x) of shape ${shape}`);
  }
  if (folds.length === 0) throw new TesseraError('bad-model', 'model', 'no folds to predict with');
  const K = options.numClasses;
  const is2d = options.patchSize.length === 2;
  const patch = (is2d ? [1, ...options.patchSize] : options.patchSize) as [number, number, number];
  const spatial = [Z, Y, X];
  // Zero-pad to at least the patch, split as nnU-Net's pad_nd_image does (below: diff // 2).
  const padded = spatial.map((s, d) => Math.max(s, patch[d]));
  const padBelow = spatial.map((s, d) => Math.floor((padded[d] - s) / 2));
  const steps = is2d
    ? [
        Array.from({ length: padded[0] }, (_, z) => z),
        ...computeSteps(padded.slice(1), options.patchSize, options.tileStepSize ?? 0.5),
      ]
    : computeSteps(padded, patch, options.tileStepSize ?? 0.5);
  const useGaussian = options.useGaussian ?? true;
  const gaussian = useGaussian ? computeGaussian(options.patchSize) : null;
  const combos = mirrorCombinations(options.mirrorAxes ?? []);
  const tilesPerFold = steps[0].length * steps[1].length * steps[2].length;
  const total = tilesPerFold * (1 + combos.length) * folds.length;
  let done = 0;

  const [Pz, Py, Px] = patch;
  const tileVox = Pz * Py * Px;
  const netShape = is2d ? [1, C, Py, Px] : [1, C, Pz, Py, Px];
  const outShape = is2d ? [1, K, Py, Px] : [1, K, Pz, Py, Px];
  const geometry: TileGeometry = {
    K,
    patch,
    padded,
    folds: folds.length,
    gaussian,
    outShape,
    evaluationsPerTile: 1 + combos.length,
  };
  const head = options.head;
  if (head && options.accumulator)
    throw new Error('a separate segmentation head runs on the CPU accumulator only');
  // the separate head commits slabs itself, so it needs the CPU accumulator's own methods
  const cpu = head ? new CpuTileAccumulator(geometry) : null;
  const acc: TileAccumulator<T> = cpu
    ? (cpu as unknown as TileAccumulator<T>)
    : options.accumulator
      ? options.accumulator(geometry)
      : (new CpuTileAccumulator(geometry) as unknown as TileAccumulator<T>);
  const featureShape = head ? [1, head.channels, ...netShape.slice(2)] : [];

  const tile = new Float32Array(C * tileVox);
  const flipped = new Float32Array(C * tileVox);
  let nextFinal = 0; // padded z below which everything has been emitted
  // padded slices whose labels the head gave (onLabels): their sums stay empty and are not emitted
  const labelled = new Uint8Array(padded[0]);

  const crop: SliceCrop = { K, padded, padBelow, Y, X };
  const emitUpTo = async (zEnd: number) => {
    for (; nextFinal < zEnd; nextFinal++) {
      const sums = await acc.takeSlice(nextFinal);
      const zOrig = nextFinal - padBelow[0];
      if (zOrig < 0 || zOrig >= Z || !sums || labelled[nextFinal]) continue;
      if (options.onSums) await options.onSums({ z: zOrig, sums, crop });
      else await onSlice?.({ z: zOrig, logits: finalizeSlice(sums, crop) });
    }
  };
  const evaluate = async (f: number, input: Float32Array): Promise<T> => {
    throwIfCancelled(options.signal);
    const out = await folds[f](input, netShape);
    const length = acc.outputLength(out);
    const channels = head ? head.channels : K;
    if (length !== channels * tileVox) {
      throw new TesseraError(
        'bad-model',
        'model',
        `the network returned ${length} values; expected ${channels}×${tileVox} for a [${head ? featureShape : outShape}] output`,
      );
    }
    done++;
    options.onProgress?.(done, total);
    return out;
  };

  // the separate-head path: features (TTA-averaged in float32), then the head slab by slab into the accumulator
  let featureSum: Float32Array | null = null;
  let featureBack: Float32Array | null = null;
  const commitThroughHead = async (f: number, origin: number[]) => {
    const h = head!;
    let features = (await evaluate(f, tile)) as unknown as Float32Array;
    if (combos.length) {
      featureSum ??= new Float32Array(features.length);
      featureBack ??= new Float32Array(features.length);
      const sum = featureSum;
      sum.set(features);
      for (const axes of combos) {
        const fa = axes.map((a) => a + 2);
        flipAxes(tile, netShape, fa, flipped);
        const out = (await evaluate(f, flipped)) as unknown as Float32Array;
        const back = flipAxes(out, featureShape, fa, featureBack);
        for (let i = 0; i < sum.length; i++) sum[i] = Math.fround(sum[i] + back[i]);
      }
      const n = combos.length + 1;
      for (let i = 0; i < sum.length; i++) sum[i] = Math.fround(sum[i] / n);
      features = sum;
    }
    const planeP = Py * Px;
    if (h.accumulate && !is2d && gaussian && Py === padded[1] && Px === padded[2]) {
      const slice = new Float32Array(h.channels * planeP);
      // the tile is the plane: with one fold, a slice no other tile row covers gets its labels from the head
      const row = steps[0].indexOf(origin[0]);
      const alone = (z: number) =>
        (row === 0 || steps[0][row - 1] + Pz <= z) && (row === steps[0].length - 1 || steps[0][row + 1] > z);
      const labelsFn = options.onLabels && folds.length === 1 ? h.labels?.[f] : undefined;
      for (let dz = 0; dz < Pz; dz++) {
        throwIfCancelled(options.signal);
        gatherSlices(features, h.channels, tileVox, planeP, dz, 1, slice);
        const g = gaussian.subarray(dz * planeP, (dz + 1) * planeP);
        const z = origin[0] + dz;
        if (labelsFn && alone(z)) {
          labelled[z] = 1;
          if (z < padBelow[0] || z >= padBelow[0] + Z) continue; // padding: never exported
          const labels = await labelsFn(slice, g, [Py, Px]);
          if (labels.length !== planeP)
            throw new TesseraError('bad-model', 'model', `the labels head returned ${labels.length} values`);
          await options.onLabels!(z - padBelow[0], cropPlane(labels, crop));
          continue;
        }
        const sums = cpu!.halfLogits(z, f);
        const out = await h.accumulate[f](slice, sums, g, [Py, Px]);
        if (out.length !== sums.length)
          throw new TesseraError('bad-model', 'model', `the accumulating head returned ${out.length} values`);
        sums.set(out);
      }
      return;
    }
    const dzChunk = is2d
      ? 1
      : Math.max(1, Math.min(Pz, Math.floor((h.valuesPerCall ?? HEAD_CHUNK_VALUES) / (K * planeP))));
    const chunk = new Float32Array(h.channels * dzChunk * planeP);
    for (let dz0 = 0; dz0 < Pz; dz0 += dzChunk) {
      throwIfCancelled(options.signal);
      const dzN = Math.min(dzChunk, Pz - dz0);
      const input = gatherSlices(features, h.channels, tileVox, planeP, dz0, dzN, chunk);
      const shape = is2d ? [1, h.channels, Py, Px] : [1, h.channels, dzN, Py, Px];
      const logits = await h.fns[f](input, shape);
      if (logits.length !== K * dzN * planeP)
        throw new TesseraError(
          'bad-model',
          'model',
          `the segmentation head returned ${logits.length} values; expected ${K}×${dzN * planeP}`,
        );
      cpu!.commitSlab(f, origin, logits, dz0, dzN);
    }
  };

  try {
    for (const z0 of steps[0]) {
      // Everything below this tile row's start is final (later rows start higher).
      await emitUpTo(z0);
      for (const y0 of steps[1])
        for (const x0 of steps[2]) {
          extractTile(channels, spatial, padBelow, [z0, y0, x0], patch, tile);
          for (let f = 0; f < folds.length; f++) {
            if (head && cpu) {
              await commitThroughHead(f, [z0, y0, x0]);
              continue;
            }
            await acc.addEvaluation(await evaluate(f, tile), [], true);
            // mirroring TTA: flip the input, predict, flip the prediction back, sum (float32)
            for (const axes of combos) {
              const fa = axes.map((a) => a + 2);
              flipAxes(tile, netShape, fa, flipped);
              await acc.addEvaluation(await evaluate(f, flipped), fa, false);
            }
            await acc.commitTile(f, [z0, y0, x0], combos.length + 1);
          }
          // n_predictions[sl] += gaussian   (float16), once per tile whatever the number of folds
          await acc.addWeights([z0, y0, x0]);
        }
    }
    await emitUpTo(padded[0]);
  } finally {
    acc.release?.();
  }
}

/** The image's Y × X out of a padded plane. */
function cropPlane(plane: Int32Array, { padded, padBelow, Y, X }: SliceCrop): Int32Array {
  if (Y === padded[1] && X === padded[2]) return plane;
  const out = new Int32Array(Y * X);
  for (let y = 0; y < Y; y++) {
    const row = (y + padBelow[1]) * padded[2] + padBelow[2];
    out.set(plane.subarray(row, row + X), y * X);
  }
  return out;
}

/** Slices dz0 … dz0 + dzN − 1 of every channel of a C × tile array, channel-major, into the front of `out`. */
function gatherSlices(
  tile: Float32Array,
  channels: number,
  tileVox: number,
  plane: number,
  dz0: number,
  dzN: number,
  out: Float32Array,
): Float32Array {
  const n = dzN * plane;
  for (let c = 0; c < channels; c++)
    out.set(tile.subarray(c * tileVox + dz0 * plane, c * tileVox + dz0 * plane + n), c * n);
  return out.subarray(0, channels * n);
}

/** Copy a tile out of the (virtually zero-padded) image. */
function extractTile(
  channels: Float32Array[],
  spatial: number[],
  padBelow: number[],
  origin: number[],
  patch: number[],
  out: Float32Array,
): void {
  const [Z, Y, X] = spatial;
  const [Pz, Py, Px] = patch;
  out.fill(0);
  for (let c = 0; c < channels.length; c++)
    for (let dz = 0; dz < Pz; dz++) {
      const z = origin[0] + dz - padBelow[0];
      if (z < 0 || z >= Z) continue;
      for (let dy = 0; dy < Py; dy++) {
        const y = origin[1] + dy - padBelow[1];
        if (y < 0 || y >= Y) continue;
        const x0 = origin[2] - padBelow[2];
        const lo = Math.max(0, -x0);
        const hi = Math.min(Px, X - x0);
        if (hi <= lo) continue;
        const src = (z * Y + y) * X + x0;
        const dst = ((c * Pz + dz) * Py + dy) * Px;
        out.set(channels[c].subarray(src + lo, src + hi), dst + lo);
      }
    }
}

/** The whole K × Z × Y × X logit volume (float16 values), for small images and tests. */
export async function predictSlidingWindow<T = Float32Array>(
  data: Float32Array | Float32Array[],
  shape: readonly number[],
  folds: NetworkFn<T>[],
  options: SlidingWindowOptions & { accumulator?: AccumulatorFactory<T>; head?: SegmentationHead },
): Promise<Float32Array> {
  const [, Z, Y, X] = shape;
  const K = options.numClasses;
  const out = new Float32Array(K * Z * Y * X);
  await streamSlidingWindow<T>(data, shape, folds, options, ({ z, logits }) => {
    for (let k = 0; k < K; k++) out.set(logits.subarray(k * Y * X, (k + 1) * Y * X), (k * Z + z) * Y * X);
  });
  return out;
}
