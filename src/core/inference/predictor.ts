import { TesseraError } from '../errors';
import type { Volume, VoxelArray } from '../io/volume/volume';
import { assertLabelGrid, zyxShape, zyxSpacing } from '../io/volume/volume';
import type { FileSet } from '../model/bundle/file-set';
import type { ModelBundle } from '../model/bundle/open-bundle';
import { imageChannelCount } from '../nnunet/labels';
import type { Progress } from '../parallel/job';
import type { WorkerPool } from '../parallel/pool';
import type { ResampleSpec } from '../resampling/resample-plan';
import { averageProbabilities, probabilitiesToSegmentation } from './ensemble';
import { type GpuOutput, gpuAccumulatorFactory } from './gpu-tile-accumulator';
import { createModelNetworks, type ModelNetworks, type NetworkOptions } from './model-networks';
import type { Backend, OrtLike } from './onnx-network';
import {
  applyPostprocessing,
  type PostprocessingChoice,
  type ResolvedPostprocessing,
  resolvePostprocessing,
} from './postprocessing';
import { readPostprocessingFile } from './postprocessing-file';
import { predictWithCard } from './predict-card';
import { type CasePrediction, predictCase } from './predict-case';

/**
 * The one predictor the page (inference worker) and the CLI share: it owns the folds, the ONNX export of each
 * fold, the postprocessing rule and the nnU-Net / model-card branch. Callers keep only what is theirs: the
 * worker chooses the backend and falls back, the CLI reads flags and writes files.
 */
export interface PredictorRuntime {
  /** onnxruntime-web (page, Node wasm/WebGPU) or onnxruntime-node (CLI `cpu`) */
  ort: OrtLike;
  backend: Backend;
  /** onnxruntime-node's intra-op threads (onnxruntime-web takes env.wasm.numThreads) */
  threads?: number;
  /** where the segmentation head runs (see model-networks.ts); default 'auto' */
  segmentationHead?: NetworkOptions['segmentationHead'];
  /** with the head apart, where the float16 accumulation runs; default 'onnx' */
  headAccumulation?: NetworkOptions['headAccumulation'];
  /** fp16 only where the GPU has shader-f16 (see model/onnx/variant.ts) */
  precision?: 'fp32' | 'fp16';
  /**
   * WebGPU: the device onnxruntime runs on (asked for once its sessions exist). With it the logits stay in GPU
   * buffers and the tile arithmetic (mirroring, Gaussian, float16 accumulation) runs there too.
   */
  gpuDevice?: () => Promise<GPUDevice>;
  /** every node must run on WebGPU (session creation fails otherwise) */
  strictWebGPU?: boolean;
  /**
   * WebGPU: run nnU-Net folds on Tessera's own WGSL kernels (inference/engine-network.ts) on this device, with
   * the tile arithmetic on the same device, where the model and the device allow (onnxruntime otherwise)
   */
  tesseraKernels?: () => Promise<NonNullable<NetworkOptions['engine']>>;
  /** the export's slabs go to these workers (worker threads in Node, Web Workers in the page); default this thread */
  exportPool?: () => WorkerPool | undefined;
  /** resample one normalised channel elsewhere (a worker pool for a large scan); default this thread */
  resampleChannel?: (
    channel: Float32Array,
    spec: ResampleSpec,
    signal?: AbortSignal,
  ) => Promise<Float32Array>;
}

export interface PredictorOptions {
  /** nnU-Net results folders: fold names; default the numbered folds (fold_all when it is the only one) */
  folds?: string[];
  /**
   * nnU-Net's rule: a `postprocessing.json` at the results folder's root is applied ('root', the default); the
   * cross-validation one `find_best_configuration` writes only when asked ('crossval'); 'none' applies nothing.
   */
  postprocessing?: PostprocessingChoice;
}

/** A case: one volume per input channel, in the model's channel order, all on one grid. */
export interface PredictionCase {
  name: string;
  volumes: Volume[];
}

export interface PredictOptions {
  /** mirroring TTA over the checkpoint's allowed axes (default on) */
  tta?: boolean;
  /** nnU-Net's tile_step_size (default 0.5) */
  step?: number;
  /** the softmax/sigmoid probabilities on the source grid too (K × voxels: large) */
  saveProbabilities?: boolean;
  /** TotalSegmentator's fast export (argmax on the network grid, labels back nearest-neighbour): not nnU-Net-exact */
  resampleLabels?: boolean;
  /**
   * TotalSegmentator's z-chunking for very long scans: a scan of more than `maxSlices` slices (the file's k axis)
   * is predicted in chunks that overlap by `margin` slices on each inner side, and the labels stitched from each
   * chunk's core. Bounds memory by the chunk; not nnU-Net-exact near the seams.
   */
  zChunks?: { maxSlices: number; margin: number };
  /** a cascade stage: the previous stage's segmentation of this case, on its grid (one-hot extra channels) */
  previousStageSegmentation?: VoxelArray;
  signal?: AbortSignal;
  progress?: (p: Progress) => void;
}

export interface Predictor {
  kind: 'nnunet' | 'onnx';
  /** for logs: the configuration and folds, or the model card's name */
  description: string;
  /** folds in use (nnU-Net), [] for a model card */
  folds: string[];
  /** TTA axes the checkpoint allows */
  mirrorAxes: number[];
  /** image channels a case has (a cascade stage's one-hot channels come from `previousStage`, not the files) */
  inputChannels: number;
  /** a cascade stage: the configuration whose segmentation it takes (plans' `previous_stage`) */
  previousStage?: string;
  /** dataset.json's file_ending (what the model's cases are named with) */
  fileEnding: string;
  backend: Backend;
  /** where the segmentation layer runs: in the network, or apart, a few slices at a time (100+ classes) */
  segmentationHead: 'included' | 'separate';
  /** what runs the networks: onnxruntime, or Tessera's own WGSL kernels (WebGPU) */
  kernels: 'onnxruntime' | 'tessera';
  /** why Tessera's kernels were asked for and not used */
  kernelsNote?: string;
  postprocessing: ResolvedPostprocessing;
  predict(c: PredictionCase, options?: PredictOptions): Promise<CasePrediction>;
  release(): Promise<void>;
}

export async function openPredictor(
  bundle: ModelBundle,
  runtime: PredictorRuntime,
  options: PredictorOptions = {},
): Promise<Predictor> {
  if (bundle.kind === 'nnunet' && bundle.ensemble) return openEnsemblePredictor(bundle, runtime, options);
  const engine =
    runtime.backend === 'webgpu' && runtime.tesseraKernels && bundle.kind === 'nnunet'
      ? await runtime.tesseraKernels()
      : undefined;
  const nets: ModelNetworks = await createModelNetworks(runtime.ort, bundle, {
    backend: runtime.backend,
    folds: options.folds,
    precision: runtime.precision,
    strictWebGPU: runtime.strictWebGPU,
    threads: runtime.threads,
    outputOnGpu: runtime.backend === 'webgpu' && runtime.gpuDevice !== undefined,
    segmentationHead: runtime.segmentationHead,
    headAccumulation: runtime.headAccumulation,
    engine,
  });
  // the logits stay on the GPU (engine buffers or onnxruntime's gpu-buffer outputs): the tile arithmetic runs there
  const gpuDevice =
    nets.gpuDevice !== undefined
      ? async () => nets.gpuDevice!
      : runtime.backend === 'webgpu'
        ? runtime.gpuDevice
        : undefined;
  // a cascade dropped with its previous stage: that stage runs first, as nnUNetv2_predict would (no postprocessing)
  const first =
    bundle.kind === 'nnunet' && bundle.previousStage
      ? await openPredictor({ kind: 'nnunet', model: bundle.previousStage }, runtime, {
          folds: options.folds,
          postprocessing: 'none',
        }).catch(async (e) => {
          await nets.release();
          throw e;
        })
      : null;
  const postprocessing =
    bundle.kind === 'nnunet'
      ? await resolvePostprocessing(bundle.model.folder, nets.folds, options.postprocessing ?? 'root')
      : { steps: [], file: null, skipped: null };
  const inputChannels =
    bundle.kind === 'nnunet'
      ? imageChannelCount(bundle.model.folder.datasetJson)
      : bundle.bundle.card.input.channels;
  const previousStage =
    bundle.kind === 'nnunet' ? (bundle.model.plans.previous_stage ?? undefined) : undefined;

  const predictWhole = async (c: PredictionCase, o: PredictOptions = {}): Promise<CasePrediction> => {
    const ref = checkCase(c, bundle, inputChannels);
    if (bundle.kind === 'onnx') {
      const r = await predictWithCard(ref, bundle.bundle.card, nets.networks[0].run, {
        signal: o.signal,
        onProgress: o.progress,
      });
      return { ...r, shape: zyxShape(ref) };
    }
    const model = bundle.model;
    let previousStageSegmentation = o.previousStageSegmentation;
    let firstMs = 0;
    if (first && !previousStageSegmentation) {
      const stage = bundle.previousStage!.configuration;
      const r = await first.predict(c, {
        ...o,
        saveProbabilities: false,
        progress: (p) => o.progress?.({ ...p, stage: `${stage} · ${p.stage}` }),
      });
      previousStageSegmentation = r.labels;
      firstMs = r.timings.preprocessMs + r.timings.networkMs + r.timings.exportMs;
    }
    const progress = first
      ? (p: Progress) => o.progress?.({ ...p, stage: `${model.configuration} · ${p.stage}` })
      : o.progress;
    const input = {
      channels: c.volumes.map((v) => v.data),
      shape: zyxShape(ref),
      spacing: zyxSpacing(ref),
      name: c.name,
    };
    const resample = runtime.resampleChannel;
    const caseOptions = {
      tileStepSize: o.step ?? 0.5,
      mirrorAxes: o.tta === false ? [] : nets.mirrorAxes,
      saveProbabilities: o.saveProbabilities,
      postprocessing: postprocessing.steps,
      previousStageSegmentation,
      resampleLabels: o.resampleLabels,
      exportPool: runtime.exportPool?.(),
      resampleChannel: resample
        ? (ch: Float32Array, spec: ResampleSpec) => resample(ch, spec, o.signal)
        : undefined,
      signal: o.signal,
      onProgress: progress,
    };
    const { plans, datasetJson } = model.folder;
    const patch = model.spec.patchSize;
    const withFirst = (r: CasePrediction): CasePrediction =>
      firstMs ? { ...r, timings: { ...r.timings, networkMs: r.timings.networkMs + firstMs } } : r;
    if (gpuDevice)
      return withFirst(
        await predictCase<GpuOutput>(
          input,
          plans,
          model.configuration,
          datasetJson,
          nets.networks.map((n) => n.runOnGpu),
          patch,
          { ...caseOptions, accumulator: gpuAccumulatorFactory(await gpuDevice()) },
        ),
      );
    return withFirst(
      await predictCase(
        input,
        plans,
        model.configuration,
        datasetJson,
        nets.networks.map((n) => n.run),
        patch,
        {
          ...caseOptions,
          head: nets.head && {
            fns: nets.head.networks.map((n) => n.run),
            channels: nets.head.channels,
            accumulate: nets.head.accumulating.length ? nets.head.accumulating.map((n) => n.run) : undefined,
            labels: nets.head.labels.length ? nets.head.labels.map((n) => n.run) : undefined,
          },
        },
      ),
    );
  };

  const predict = (c: PredictionCase, o: PredictOptions = {}): Promise<CasePrediction> =>
    // probabilities are the whole scan's by definition: never chunked
    o.zChunks && !o.saveProbabilities && c.volumes[0] && c.volumes[0].shape[2] > o.zChunks.maxSlices
      ? predictInZChunks(c, o, o.zChunks, predictWhole)
      : predictWhole(c, o);

  return {
    kind: bundle.kind,
    description:
      bundle.kind === 'nnunet'
        ? `${first ? `${first.description} → ` : ''}${bundle.model.configuration}, fold(s) ${nets.folds.join(', ')}`
        : bundle.bundle.card.name,
    folds: nets.folds,
    mirrorAxes: nets.mirrorAxes,
    inputChannels,
    previousStage,
    fileEnding:
      bundle.kind === 'nnunet' ? (bundle.model.folder.datasetJson.file_ending ?? '.nii.gz') : '.nii.gz',
    backend: runtime.backend,
    segmentationHead: nets.head ? 'separate' : 'included',
    kernels: nets.kernels,
    kernelsNote: nets.kernelsNote,
    postprocessing,
    predict,
    release: async () => {
      await first?.release();
      await nets.release();
    },
  };
}

/** The channels must be the model's, on one grid; returns the reference volume (the first channel). */
function checkCase(c: PredictionCase, bundle: ModelBundle, channels: number): Volume {
  if (c.volumes.length === 0) throw new TesseraError('bad-argument', c.name, 'has no image');
  const ref = c.volumes[0];
  // a model card may take its channels from the frames of one 4-D volume
  if (bundle.kind === 'onnx') return ref;
  if (c.volumes.length !== channels)
    throw new TesseraError(
      'bad-argument',
      c.name,
      `has ${c.volumes.length} channel(s); the model needs ${channels} (${channelList(bundle)})`,
    );
  for (const v of c.volumes.slice(1)) assertLabelGrid(ref, v);
  return ref;
}

function channelList(bundle: ModelBundle): string {
  if (bundle.kind !== 'nnunet') return '';
  const ds = bundle.model.folder.datasetJson;
  const names = Object.values(ds.channel_names ?? (ds.modality as Record<string, string> | undefined) ?? {});
  return names.join(', ');
}

/**
 * find_best_configuration's ensemble as one model: each member predicts the case (its folds, no postprocessing)
 * with probabilities on the source grid; they are averaged as nnUNetv2_ensemble averages them, turned into labels
 * by the LabelManager, and the ensemble's postprocessing is applied (as nnUNetv2_apply_postprocessing).
 */
async function openEnsemblePredictor(
  bundle: Extract<ModelBundle, { kind: 'nnunet' }>,
  runtime: PredictorRuntime,
  options: PredictorOptions,
): Promise<Predictor> {
  const ensemble = bundle.ensemble!;
  const models = [bundle.model, ...ensemble.members];
  const members: Predictor[] = [];
  try {
    for (const model of models)
      members.push(
        await openPredictor({ kind: 'nnunet', model }, runtime, {
          folds: options.folds,
          postprocessing: 'none',
        }),
      );
  } catch (e) {
    for (const m of members) await m.release();
    throw e;
  }
  const { files } = bundle.model.folder;
  const steps =
    ensemble.postprocessing && options.postprocessing !== 'none'
      ? readPostprocessingFile(
          await readBytes(files, ensemble.postprocessing),
          `${files.name}/${ensemble.postprocessing}`,
        )
      : [];
  const labels = bundle.model.labels;
  return {
    ...members[0],
    description: `ensemble of ${members.map((m) => m.description).join(' and ')}`,
    postprocessing: {
      steps,
      file: steps.length ? `${files.name}/${ensemble.postprocessing}` : null,
      skipped: null,
    },
    async predict(c, o = {}) {
      const probabilities: Float32Array[] = [];
      let tiles = 0;
      const timings = { preprocessMs: 0, networkMs: 0, exportMs: 0 };
      let shape: [number, number, number] | null = null;
      for (const [i, m] of members.entries()) {
        const r = await m.predict(c, {
          ...o,
          saveProbabilities: true,
          progress: (p) => o.progress?.({ ...p, stage: `${models[i].configuration} · ${p.stage}` }),
        });
        probabilities.push(r.probabilities!);
        tiles += r.tiles;
        timings.preprocessMs += r.timings.preprocessMs;
        timings.networkMs += r.timings.networkMs;
        timings.exportMs += r.timings.exportMs;
        shape = r.shape;
      }
      const t0 = performance.now();
      const avg = averageProbabilities(probabilities);
      const seg = probabilitiesToSegmentation(avg, labels.numHeads, labels);
      if (steps.length) applyPostprocessing(seg, shape!, steps);
      timings.exportMs += performance.now() - t0;
      return {
        labels: seg,
        shape: shape!,
        probabilities: o.saveProbabilities ? avg : undefined,
        tiles,
        timings,
      };
    },
    async release() {
      for (const m of members) await m.release();
    },
  };
}

async function readBytes(files: FileSet, path: string): Promise<Uint8Array> {
  const src = await files.open(path);
  return src.read(0, src.size);
}

/** The slices [k0, k1) of a volume (the file's k axis, slowest in memory): a contiguous view, origin moved. */
function sliceK(v: Volume, k0: number, k1: number): Volume {
  const plane = v.shape[0] * v.shape[1];
  const affine = v.affine.map((row) => [...row]);
  for (let r = 0; r < 3; r++) affine[r][3] += k0 * v.affine[r][2];
  return {
    ...v,
    shape: [v.shape[0], v.shape[1], k1 - k0],
    data: v.data.subarray(k0 * plane, k1 * plane),
    affine,
  };
}

async function predictInZChunks(
  c: PredictionCase,
  o: PredictOptions,
  chunk: { maxSlices: number; margin: number },
  predictWhole: (c: PredictionCase, o: PredictOptions) => Promise<CasePrediction>,
): Promise<CasePrediction> {
  const ref = c.volumes[0];
  const K = ref.shape[2];
  const n = Math.ceil(K / chunk.maxSlices);
  const size = Math.ceil(K / n);
  const plane = ref.shape[0] * ref.shape[1];
  let labels: Uint8Array | Uint16Array | null = null;
  let tiles = 0;
  const timings = { preprocessMs: 0, networkMs: 0, exportMs: 0 };
  for (let i = 0; i < n; i++) {
    const core0 = i * size;
    const core1 = Math.min(K, core0 + size);
    const k0 = Math.max(0, core0 - chunk.margin);
    const k1 = Math.min(K, core1 + chunk.margin);
    const r = await predictWhole(
      { name: c.name, volumes: c.volumes.map((v) => sliceK(v, k0, k1)) },
      { ...o, progress: (p) => o.progress?.({ ...p, stage: `slices ${core0}–${core1 - 1} · ${p.stage}` }) },
    );
    labels ??= r.labels instanceof Uint16Array ? new Uint16Array(plane * K) : new Uint8Array(plane * K);
    // the chunk's core, without its margins
    labels.set(r.labels.subarray((core0 - k0) * plane, (core1 - k0) * plane), core0 * plane);
    tiles += r.tiles;
    timings.preprocessMs += r.timings.preprocessMs;
    timings.networkMs += r.timings.networkMs;
    timings.exportMs += r.timings.exportMs;
  }
  return { labels: labels!, shape: zyxShape(ref), tiles, timings };
}
