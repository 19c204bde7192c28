import type { VoxelArray } from '../io/volume/volume';
import { labelManager } from '../nnunet/labels';
import { InOrder } from '../parallel/in-order';
import type { Progress } from '../parallel/job';
import { throwIfCancelled } from '../parallel/job';
import type { WorkerPool } from '../parallel/pool';
import type { Shape3 } from '../preprocessing/crop';
import type { PreprocessingPlans } from '../preprocessing/plans-view';
import { readPreprocessingPlans } from '../preprocessing/plans-view';
import {
  type CaseInput,
  type CaseProperties,
  cropAndNormalize,
  preprocessCase,
} from '../preprocessing/preprocess-case';
import { preprocessWithPreviousStage } from '../preprocessing/previous-stage';
import type { ResampleSpec } from '../resampling/resample-plan';
import { exportResampleSpec, labelArray, uncropAndTransposeBack } from './export/export-geometry';
import { sliceLabels } from './export/slice-labels';
import { exportLogits, StreamingExport } from './export/streaming-export';
import { finalizeSlice, transferableSums } from './finalize-slice';
import { applyPostprocessing, type PostprocessingStep } from './postprocessing';
import {
  type AccumulatorFactory,
  type NetworkFn,
  type SegmentationHead,
  type SliceOfSums,
  streamSlidingWindow,
} from './predict-sliding-window';
import { logitsToProbabilities } from './probabilities';

export interface PredictCaseOptions {
  /** nnU-Net's tile_step_size (default 0.5) */
  tileStepSize?: number;
  /** spatial axes TTA mirrors (the checkpoint's inference_allowed_mirroring_axes); [] or null = off */
  mirrorAxes?: number[] | null;
  /** also return the softmax/sigmoid probabilities on the source grid (K × source voxels: large) */
  saveProbabilities?: boolean;
  postprocessing?: PostprocessingStep[];
  /**
   * 3d_cascade_fullres: the previous stage's segmentation on the case's own grid ((z, y, x), like the
   * channels); it becomes one-hot input channels after the image's (-prev_stage_predictions).
   */
  previousStageSegmentation?: VoxelArray;
  /**
   * Resample one normalised channel to the network grid elsewhere (e.g. split over a worker pool for a
   * large scan); default: on this thread.
   */
  resampleChannel?: (channel: Float32Array, spec: ResampleSpec) => Promise<Float32Array>;
  /** workers serving preprocessHandlers: the export's slabs run there in parallel (default: this thread) */
  exportPool?: WorkerPool;
  /**
   * TotalSegmentator's fast export, not nnU-Net-exact: the argmax is taken on the network's grid and the labels
   * are brought back nearest-neighbour, instead of resampling every class's logits to the scan's grid.
   */
  resampleLabels?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface CasePrediction {
  /** labels in the source image's (z, y, x) order: the NIfTI voxel buffer to write with its geometry */
  labels: Uint8Array | Uint16Array;
  shape: Shape3;
  /** K × source voxels, channel-major, when asked for */
  probabilities?: Float32Array;
  /** nnU-Net's case properties (crop box, shapes, spacing); a model card's prediction has none */
  properties?: CaseProperties;
  tiles: number;
  timings: { preprocessMs: number; networkMs: number; exportMs: number };
}

/**
 * One case through nnU-Net's whole predictor: preprocess (transpose, crop, normalise, resample) → sliding
 * window over every fold (float16 accumulation, TTA, fold averaging) → back to the source grid (logits
 * resampled with the plans' probability kwargs, argmax or regions, uncrop, transpose back) → optional
 * postprocessing.
 *
 * The export streams: logits arrive from the sliding window slice by slice and each slab of output rows is
 * resampled and turned into labels as soon as its input rows are there, so K × volume logits are never
 * held at once. (Probabilities, when asked for, are K × volume by definition.)
 */
export async function predictCase<T = Float32Array>(
  input: CaseInput,
  plansJson: unknown,
  configuration: string,
  datasetJson: unknown,
  folds: NetworkFn<T>[],
  patchSize: number[],
  options: PredictCaseOptions & { accumulator?: AccumulatorFactory<T>; head?: SegmentationHead } = {},
): Promise<CasePrediction> {
  const t0 = performance.now();
  const report = (stage: string, done: number, total: number) => options.onProgress?.({ stage, done, total });
  const plans = readPreprocessingPlans(plansJson, configuration);
  const scheme = labelManager(datasetJson);
  report('preprocessing', 0, 1);
  const pre = options.previousStageSegmentation
    ? await preprocessWithPreviousStage(
        input,
        plans,
        options.previousStageSegmentation,
        scheme.foregroundLabels,
        options,
      )
    : await preprocess(input, plans, options);
  const t1 = performance.now();
  throwIfCancelled(options.signal);

  const K = scheme.numHeads;
  const logitShape = pre.shape;
  const fast = options.resampleLabels === true && !options.saveProbabilities;
  // fast mode: labels on the network grid (no logit resampling), brought back at the end
  const spec = fast ? null : exportResampleSpec(logitShape, pre.properties, plans);
  const exportGeometry = fast ? networkGridGeometry(logitShape) : pre.properties;
  const exportOptions = {
    regionsClassOrder: scheme.regionsClassOrder ?? undefined,
    foregroundLabels: Math.max(...scheme.foregroundLabels, 0),
    halfValued: true,
  };
  let exportMs = 0;
  let tiles = 0;

  const planeN = logitShape[1] * logitShape[2];
  // Three ways out: labels straight from each slice's sums (no resampling to do, argmax labels), logits
  // streamed into the export (linear or nearest resampling: clipping cannot matter), or logits collected.
  const onGrid = !options.saveProbabilities && !spec && !scheme.regionsClassOrder;
  const streaming = !onGrid && !options.saveProbabilities && (!spec || (spec.order <= 1 && spec.orderZ <= 1));
  const gridLabels = onGrid ? labelArray(exportOptions.foregroundLabels, logitShape[0] * planeN) : null;
  const collected: Float32Array[] | null =
    onGrid || streaming ? null : Array.from({ length: K }, () => new Float32Array(logitShape[0] * planeN));
  const exporter = streaming
    ? new StreamingExport(K, logitShape, exportGeometry, spec, {
        ...exportOptions,
        pool: options.exportPool,
        signal: options.signal,
      })
    : null;
  const takeLogits = async (z: number, logits: Float32Array) => {
    if (collected)
      for (let k = 0; k < K; k++) collected[k].set(logits.subarray(k * planeN, (k + 1) * planeN), z * planeN);
    else await exporter!.push(z, logits);
  };
  // On the grid, finished slices become labels on the export workers, several at once, used in z order
  // (without workers, here). Otherwise they are divided here: the workers are busy resampling then, and
  // this thread would idle.
  const pool = options.exportPool;
  const inOrder = new InOrder(pool?.size ?? 1);
  const onSums = async ({ z, sums, crop }: SliceOfSums) => {
    const s = performance.now();
    if (gridLabels) {
      const fg = exportOptions.foregroundLabels;
      const t = pool ? transferableSums(sums) : null;
      const labels = t
        ? pool!.call<Uint8Array | Uint16Array>(
            'sliceLabels',
            { sums: t.sums, crop, foregroundLabels: fg },
            { transfer: t.buffers, signal: options.signal },
          )
        : Promise.resolve(sliceLabels(sums, crop, fg));
      await inOrder.add(labels, (l) => gridLabels.set(l, z * planeN));
    } else await takeLogits(z, finalizeSlice(sums, crop));
    exportMs += performance.now() - s;
  };

  await streamSlidingWindow<T>(pre.data, [pre.data.length, ...logitShape], folds, {
    patchSize,
    numClasses: K,
    tileStepSize: options.tileStepSize ?? 0.5,
    mirrorAxes: options.mirrorAxes ?? [],
    accumulator: options.accumulator,
    head: options.head,
    signal: options.signal,
    onSums,
    // the head's own labels for slices one tile covers alone (one fold, the tile spans the plane)
    onLabels: gridLabels ? (z, labels) => gridLabels.set(labels, z * planeN) : undefined,
    onProgress: (done, total) => {
      tiles = total;
      report('network', done, total);
    },
  });
  const t2 = performance.now();
  report('export', 0, 1);
  await inOrder.drain();
  let result: { labels: Uint8Array | Uint16Array; shape: Shape3 };
  let probabilities: Float32Array | undefined;
  if (gridLabels) {
    // exact mode: the grids agree and this is the identity; fast mode: TotalSegmentator's way back
    const cropped = nearestResample(
      gridLabels,
      logitShape,
      pre.properties.shape_after_cropping_and_before_resampling,
    );
    result = uncropAndTransposeBack(cropped, pre.properties, plans);
  } else if (exporter && fast) {
    const onGrid = await exporter.finish({ transposeBackward: [0, 1, 2] });
    const cropped = nearestResample(
      onGrid.labels,
      logitShape,
      pre.properties.shape_after_cropping_and_before_resampling,
    );
    result = uncropAndTransposeBack(cropped, pre.properties, plans);
  } else if (exporter) result = await exporter.finish(plans);
  else {
    result = await exportLogits(collected!, logitShape, pre.properties, plans, {
      ...exportOptions,
      pool: options.exportPool,
      signal: options.signal,
    });
    if (options.saveProbabilities)
      probabilities = logitsToProbabilities(collected!, logitShape, pre.properties, plans, scheme.activation);
  }
  if (options.postprocessing?.length)
    applyPostprocessing(result.labels, result.shape, options.postprocessing);
  const t3 = performance.now();
  report('done', 1, 1);
  return {
    labels: result.labels,
    shape: result.shape,
    probabilities,
    properties: pre.properties,
    tiles,
    timings: { preprocessMs: t1 - t0, networkMs: t2 - t1 - exportMs, exportMs: exportMs + (t3 - t2) },
  };
}

/** run_case for an unlabelled case, the resampling optionally handed to `resampleChannel`. */
async function preprocess(
  input: CaseInput,
  plans: PreprocessingPlans,
  o: PredictCaseOptions,
): Promise<{ data: Float32Array[]; shape: Shape3; properties: CaseProperties }> {
  // dataOnly: no label to resample at inference (saves the crop mask's resampling)
  if (!o.resampleChannel) return preprocessCase(input, plans, { signal: o.signal, dataOnly: true });
  const c = cropAndNormalize(input, plans);
  if (!c.dataSpec) return { data: c.data, shape: c.newShape, properties: c.properties };
  const data: Float32Array[] = [];
  for (const ch of c.data) {
    throwIfCancelled(o.signal);
    data.push(await o.resampleChannel(ch, c.dataSpec));
  }
  return { data, shape: c.newShape, properties: c.properties };
}

export type { PreprocessingPlans };

/** The network grid as an export target: no crop, no transpose (fast mode's labels stay on it). */
function networkGridGeometry(shape: Shape3): CaseProperties {
  return {
    shape_before_cropping: [...shape],
    bbox_used_for_cropping: [
      [0, shape[0]],
      [0, shape[1]],
      [0, shape[2]],
    ],
    shape_after_cropping_and_before_resampling: [...shape],
  } as unknown as CaseProperties;
}

/**
 * Labels to another grid by nearest neighbour, as scipy's zoom with order 0 maps coordinates (corners aligned:
 * in = out · (n_in − 1) / (n_out − 1), rounded half up) — TotalSegmentator's way back to the scan's grid.
 */
export function nearestResample(
  labels: Uint8Array | Uint16Array,
  from: readonly number[],
  to: readonly number[],
): Uint8Array | Uint16Array {
  if (from.every((n, a) => n === to[a])) return labels;
  const index = (a: number) =>
    Int32Array.from({ length: to[a] }, (_, j) =>
      to[a] === 1 ? 0 : Math.min(from[a] - 1, Math.floor((j * (from[a] - 1)) / (to[a] - 1) + 0.5)),
    );
  const [iz, iy, ix] = [index(0), index(1), index(2)];
  const out =
    labels instanceof Uint16Array
      ? new Uint16Array(to[0] * to[1] * to[2])
      : new Uint8Array(to[0] * to[1] * to[2]);
  let o = 0;
  for (let z = 0; z < to[0]; z++)
    for (let y = 0; y < to[1]; y++) {
      const row = (iz[z] * from[1] + iy[y]) * from[2];
      for (let x = 0; x < to[2]; x++) out[o++] = labels[row + ix[x]];
    }
  return out;
}
