/// <reference lib="webworker" />
// Segmentation off the main thread. The predictor (core/inference/predictor.ts) does the work; this worker
// owns only what is the page's: onnxruntime-web's setup, the choice of WebGPU or wasm, the fallback to wasm
// when WebGPU fails (device lost, out of memory, an operator it cannot run), and a pool for large resamplings.

import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import * as ort from 'onnxruntime-web/webgpu';
import { describeError, TesseraError } from '../src/core/errors';
import { probeWebGpu } from '../src/core/gpu/adapter';
import { type GpuContext, openGpu } from '../src/core/gpu/device';
import { DEFAULT_MAX_FORWARD_BYTES } from '../src/core/inference/engine-network';
import type { Backend, OrtLike } from '../src/core/inference/onnx-network';
import type { PostprocessingChoice } from '../src/core/inference/postprocessing';
import { openPredictor, type Predictor } from '../src/core/inference/predictor';
import type { Volume } from '../src/core/io/volume/volume';
import { fileSetFromFiles } from '../src/core/model/bundle/file-set';
import { inspectModel, type ModelFiles } from '../src/core/model/bundle/model-service';
import { openModelBundle } from '../src/core/model/bundle/open-bundle';
import type { CheckpointChoice } from '../src/core/model/bundle/results-folder';
import { chooseVariant } from '../src/core/model/onnx/variant';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { isCancelled, type JobEvent } from '../src/core/parallel/job';
import { inferencePoolSize, WorkerPool } from '../src/core/parallel/pool';
import { type HandlerContext, serve, withTransfer } from '../src/core/parallel/rpc';
import { MIN_SPLIT_VOXELS, resampleInSlabs } from '../src/core/preprocessing/pool-preprocess';
import { resampleData } from '../src/core/resampling/resample-data';
import type { ResampleSpec } from '../src/core/resampling/resample-plan';

ort.env.wasm.wasmPaths = { wasm: wasmUrl, mjs: mjsUrl };
ort.env.wasm.numThreads = self.crossOriginIsolated
  ? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1))
  : 1;
ort.env.logLevel = 'error';

// A large scan's resampling and the export are split over preprocessing workers (nested workers), one per
// core when there are two or more.
let pool: WorkerPool | null = null;
function preprocessPool(): WorkerPool | undefined {
  const size = inferencePoolSize(navigator.hardwareConcurrency);
  if (size < 2) return undefined;
  pool ??= new WorkerPool(
    () =>
      webEndpoint(
        new Worker(new URL('./preprocess.worker.ts', import.meta.url), {
          type: 'module',
          name: 'tessera-preprocess',
        }),
      ),
    size,
  );
  return pool;
}
async function resampleChannel(channel: Float32Array, spec: ResampleSpec, signal?: AbortSignal) {
  const voxels = spec.outShape[0] * spec.outShape[1] * spec.outShape[2];
  const workers = voxels < MIN_SPLIT_VOXELS ? undefined : preprocessPool();
  if (!workers) return resampleData(channel, spec);
  return resampleInSlabs(workers, channel, spec, { signal });
}

export interface SegmentRequest {
  model: ModelFiles & { id: string };
  /** one volume per model input channel, in the model's channel order */
  volumes: Volume[];
  backend: 'auto' | Backend;
  folds?: string[];
  /** nnU-Net's -chk: which checkpoint file each fold is read from (default: final, else best). */
  checkpoint?: CheckpointChoice;
  tta: boolean;
  tileStepSize: number;
  /** TotalSegmentator's fast export (not nnU-Net-exact) */
  resampleLabels?: boolean;
  /** which postprocessing.json to apply (nnU-Net's rule by default: the results folder's root one) */
  postprocessing?: PostprocessingChoice;
  /** WebGPU: nnU-Net folds on Tessera's own WGSL kernels (default) or onnxruntime-web's */
  gpuKernels?: 'tessera' | 'onnxruntime';
}

export interface SegmentResult {
  labels: Uint8Array | Uint16Array;
  backend: Backend;
  /** what ran the network: onnxruntime, or Tessera's WGSL kernels (with why not, when they were asked for) */
  kernels: 'onnxruntime' | 'tessera';
  kernelsNote?: string;
  fallbackReason?: string;
  tiles: number;
  timings: { preprocessMs: number; networkMs: number; exportMs: number };
  /** the postprocessing.json applied, if any */
  postprocessing: string | null;
}

// The predictor of the last request, kept while the model, backend and folds stay the same.
let loaded: { key: string; predictor: Predictor } | null = null;

// Tessera's WGSL kernels run on a device of their own (onnxruntime-web keeps its device to itself), opened once.
let engineGpu: Promise<GpuContext> | null = null;

async function predictorFor(req: SegmentRequest, backend: Backend, features: string[]): Promise<Predictor> {
  const kernels = backend === 'webgpu' ? (req.gpuKernels ?? 'tessera') : 'onnxruntime';
  const key = `${req.model.id}|${backend}|${kernels}|${(req.folds ?? []).join(',')}|${req.postprocessing ?? 'root'}|${req.checkpoint ?? 'auto'}`;
  if (loaded?.key === key) return loaded.predictor;
  await release();
  const bundle = await openModelBundle(fileSetFromFiles(req.model.name, req.model.files), {
    checkpoint: req.checkpoint,
  });
  const predictor = await openPredictor(
    bundle,
    {
      ort: ort as unknown as OrtLike,
      backend,
      precision: backend === 'webgpu' ? chooseVariant(features) : 'fp32',
      // on WebGPU the logits stay on the GPU and the tile arithmetic runs there too
      gpuDevice: backend === 'webgpu' ? async () => (await ort.env.webgpu.device) as GPUDevice : undefined,
      tesseraKernels:
        kernels === 'tessera'
          ? async () => {
              engineGpu ??= openGpu(navigator.gpu).catch((e) => {
                engineGpu = null;
                throw e;
              });
              return { gpu: await engineGpu, maxForwardBytes: DEFAULT_MAX_FORWARD_BYTES };
            }
          : undefined,
      resampleChannel,
      exportPool: preprocessPool,
    },
    { folds: req.folds, postprocessing: req.postprocessing },
  );
  loaded = { key, predictor };
  return predictor;
}

async function release(): Promise<void> {
  await loaded?.predictor.release();
  loaded = null;
}

async function run(req: SegmentRequest, backend: Backend, features: string[], ctx: HandlerContext<JobEvent>) {
  ctx.progress({ stage: `preparing the model (${backend})`, done: 0, total: 1 });
  const predictor = await predictorFor(req, backend, features);
  const name = req.volumes[0]?.name ?? 'scan';
  const r = await predictor.predict(
    { name, volumes: req.volumes },
    {
      tta: req.tta,
      step: req.tileStepSize,
      resampleLabels: req.resampleLabels,
      signal: ctx.signal,
      progress: ctx.progress,
    },
  );
  return {
    labels: r.labels,
    tiles: r.tiles,
    timings: r.timings,
    postprocessing: predictor.postprocessing.file,
    kernels: predictor.kernels,
    kernelsNote: predictor.kernelsNote,
  };
}

async function segment(req: SegmentRequest, ctx: HandlerContext<JobEvent>) {
  const gpu = req.backend === 'wasm' ? null : await probeWebGpu();
  if (req.backend === 'webgpu' && !gpu?.ok)
    throw new TesseraError('device-lost', 'WebGPU', `is not available here (${gpu?.reason})`);
  // auto: the GPU when there is a real one; a software adapter (SwiftShader) is far slower than wasm
  let backend: Backend =
    req.backend === 'webgpu' || (req.backend === 'auto' && gpu?.ok && !gpu.software) ? 'webgpu' : 'wasm';
  let fallbackReason: string | undefined =
    req.backend !== 'auto' || backend === 'webgpu'
      ? undefined
      : gpu?.software
        ? 'wasm: the only GPU is a software one'
        : `wasm: ${gpu?.reason ?? 'no WebGPU'}`;
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(req, backend, gpu?.features ?? [], ctx);
  } catch (e) {
    if (backend !== 'webgpu' || isCancelled(e)) throw e;
    // device lost, out of memory, an op the GPU cannot run: retry on wasm, and say why
    fallbackReason = `WebGPU failed (${describeError(e)}); retried on wasm`;
    ctx.emit({ type: 'backend-fallback', from: 'webgpu', to: 'wasm', reason: fallbackReason });
    await release();
    // the failure may have lost or poisoned the device of Tessera's kernels: the next WebGPU run opens a new one
    const failed = engineGpu;
    engineGpu = null;
    failed?.then((g) => g.device.destroy()).catch(() => {});
    backend = 'wasm';
    result = await run(req, backend, [], ctx);
  }
  return withTransfer({ ...result, backend, fallbackReason } satisfies SegmentResult, [
    result.labels.buffer as ArrayBuffer,
  ]);
}

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), { inspect: inspectModel, segment });
