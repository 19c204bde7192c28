/// <reference lib="webworker" />
// Segmentation off the main thread: opens a model bundle (nnU-Net results folder or ONNX + card), exports
// each fold to ONNX, keeps onnxruntime-web sessions (WebGPU, or wasm with threads), and predicts whole
// cases. If WebGPU fails (no adapter, device lost, out of memory) it says so and carries on with wasm.

import mjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import wasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import * as ort from 'onnxruntime-web/webgpu';
import { describeError, TesseraError } from '../src/core/errors';
import { gpuAccumulatorFactory } from '../src/core/inference/gpu-tile-accumulator';
import { createModelNetworks, type ModelNetworks } from '../src/core/inference/model-networks';
import type { Backend, OrtLike } from '../src/core/inference/onnx-network';
import { type PostprocessingStep, parsePostprocessing } from '../src/core/inference/postprocessing';
import { predictWithCard } from '../src/core/inference/predict-card';
import { predictCase } from '../src/core/inference/predict-case';
import type { AccumulatorFactory, NetworkFn } from '../src/core/inference/predict-sliding-window';
import type { Volume } from '../src/core/io/volume/volume';
import { zyxShape, zyxSpacing } from '../src/core/io/volume/volume';
import { fileSetFromFiles, readJsonFile } from '../src/core/model/bundle/file-set';
import { inspectModel, type ModelFiles } from '../src/core/model/bundle/model-service';
import { type ModelBundle, openModelBundle } from '../src/core/model/bundle/open-bundle';
import { chooseVariant } from '../src/core/model/onnx/variant';
import { webEndpoint } from '../src/core/parallel/endpoints';
import { defaultPoolSize, WorkerPool } from '../src/core/parallel/pool';
import { type HandlerContext, serve, withTransfer } from '../src/core/parallel/rpc';
import { MIN_SPLIT_VOXELS, resampleInSlabs } from '../src/core/preprocessing/pool-preprocess';
import { resampleData } from '../src/core/resampling/resample-data';
import type { ResampleSpec } from '../src/core/resampling/resample-plan';

ort.env.wasm.wasmPaths = { wasm: wasmUrl, mjs: mjsUrl };
ort.env.wasm.numThreads = self.crossOriginIsolated
  ? Math.max(1, Math.min(8, navigator.hardwareConcurrency ?? 1))
  : 1;
ort.env.logLevel = 'error';

// A large scan's resampling and the export are split over a few preprocessing workers (nested
// workers), when there are cores.
let pool: WorkerPool | null = null;
function preprocessPool(): WorkerPool | undefined {
  const size = defaultPoolSize(navigator.hardwareConcurrency);
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
function resampleChannel(signal: AbortSignal) {
  return async (channel: Float32Array, spec: ResampleSpec): Promise<Float32Array> => {
    const voxels = spec.outShape[0] * spec.outShape[1] * spec.outShape[2];
    const workers = voxels < MIN_SPLIT_VOXELS ? undefined : preprocessPool();
    if (!workers) return resampleData(channel, spec);
    return resampleInSlabs(workers, channel, spec, { signal });
  };
}

interface Loaded {
  key: string;
  bundle: ModelBundle;
  nets: ModelNetworks;
  postprocessing?: PostprocessingStep[];
}
let loaded: Loaded | null = null;

export interface SegmentRequest {
  model: ModelFiles & { id: string };
  volume: Volume;
  backend: 'auto' | Backend;
  folds?: string[];
  tta: boolean;
  tileStepSize: number;
}

export interface SegmentResult {
  labels: Uint8Array | Uint16Array;
  backend: Backend;
  fallbackReason?: string;
  tiles: number;
  timings: { preprocessMs: number; networkMs: number; exportMs: number };
}

/** What WebGPU offers here; a software (fallback) adapter works but is slower than wasm. */
async function gpuUsable(): Promise<{ ok: boolean; software: boolean; features: string[]; reason?: string }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { ok: false, software: false, features: [], reason: 'this browser has no WebGPU' };
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return { ok: false, software: false, features: [], reason: 'no WebGPU adapter' };
  const software =
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ||
    adapter.info.isFallbackAdapter;
  return { ok: true, software: !!software, features: [...adapter.features] as string[] };
}

async function load(req: SegmentRequest, backend: Backend, features: string[]): Promise<Loaded> {
  const key = `${req.model.id}|${backend}|${(req.folds ?? []).join(',')}`;
  if (loaded?.key === key) return loaded;
  await loaded?.nets.release();
  loaded = null;
  const bundle = await openModelBundle(fileSetFromFiles(req.model.name, req.model.files));
  const nets = await createModelNetworks(ort as unknown as OrtLike, bundle, {
    backend,
    folds: req.folds,
    precision: backend === 'webgpu' ? chooseVariant(features) : 'fp32',
    // on WebGPU the logits stay on the GPU and the tile arithmetic runs there too
    outputOnGpu: backend === 'webgpu',
  });
  let postprocessing: PostprocessingStep[] | undefined;
  if (bundle.kind === 'nnunet') {
    const { files, root } = bundle.model.folder;
    const pp = files.paths
      .filter((p) => p.startsWith(root) && p.endsWith('postprocessing.json'))
      .sort((a, b) => a.length - b.length)[0];
    if (pp) postprocessing = parsePostprocessing(await readJsonFile(files, pp), `${files.name}/${pp}`);
  }
  loaded = { key, bundle, nets, postprocessing };
  return loaded;
}

async function run(
  req: SegmentRequest,
  backend: Backend,
  features: string[],
  ctx: HandlerContext,
): Promise<Omit<SegmentResult, 'backend'>> {
  ctx.progress({ stage: `preparing the model (${backend})`, done: 0, total: 1 });
  const { bundle, nets, postprocessing } = await load(req, backend, features);
  const v = req.volume;
  if (bundle.kind === 'nnunet') {
    const channels = bundle.model.spec.inputChannels;
    if (channels !== 1)
      throw new TesseraError(
        'bad-argument',
        v.name,
        `the model needs ${channels} channels; the page segments single-channel scans (use the CLI for multi-channel cases)`,
      );
    const input = { channels: [v.data], shape: zyxShape(v), spacing: zyxSpacing(v), name: v.name };
    const { plans, datasetJson } = bundle.model.folder;
    const options = {
      tileStepSize: req.tileStepSize,
      mirrorAxes: req.tta ? nets.mirrorAxes : [],
      postprocessing,
      resampleChannel: resampleChannel(ctx.signal),
      exportPool: preprocessPool(),
      signal: ctx.signal,
      onProgress: ctx.progress,
    };
    const predict = <T>(networks: NetworkFn<T>[], accumulator?: AccumulatorFactory<T>) =>
      predictCase<T>(
        input,
        plans,
        bundle.model.configuration,
        datasetJson,
        networks,
        bundle.model.spec.patchSize,
        {
          ...options,
          accumulator,
        },
      );
    // on WebGPU the logits stay on the GPU and the tile arithmetic runs there too
    const r =
      backend === 'webgpu'
        ? await predict(
            nets.networks.map((n) => n.runOnGpu),
            gpuAccumulatorFactory(await ort.env.webgpu.device),
          )
        : await predict(nets.networks.map((n) => n.run));
    return { labels: r.labels, tiles: r.tiles, timings: r.timings };
  }
  return predictWithCard(v, bundle.bundle.card, nets.networks[0].run, {
    signal: ctx.signal,
    onProgress: ctx.progress,
  });
}

async function segment(req: SegmentRequest, ctx: HandlerContext) {
  const gpu = req.backend === 'wasm' ? { ok: false, software: false, features: [] } : await gpuUsable();
  if (req.backend === 'webgpu' && !gpu.ok)
    throw new TesseraError('device-lost', 'WebGPU', `is not available here (${gpu.reason})`);
  // auto: the GPU when there is a real one; a software adapter (SwiftShader) is far slower than wasm
  let backend: Backend =
    req.backend === 'webgpu' || (req.backend === 'auto' && gpu.ok && !gpu.software) ? 'webgpu' : 'wasm';
  let fallbackReason: string | undefined =
    req.backend === 'auto' && backend === 'wasm' && 'reason' in gpu && gpu.reason
      ? `wasm: ${gpu.reason}`
      : req.backend === 'auto' && gpu.software
        ? 'wasm: the only GPU is a software one'
        : undefined;
  let result: Omit<SegmentResult, 'backend'>;
  try {
    result = await run(req, backend, gpu.features, ctx);
  } catch (e) {
    if (backend !== 'webgpu' || (e instanceof TesseraError && e.code === 'cancelled')) throw e;
    // device lost, out of memory, an op the GPU cannot run: retry on wasm, and say why
    fallbackReason = `WebGPU failed (${describeError(e)}); retried on wasm`;
    ctx.progress({ stage: fallbackReason, done: 0, total: 1 });
    await loaded?.nets.release();
    loaded = null;
    backend = 'wasm';
    result = await run(req, backend, [], ctx);
  }
  return withTransfer({ ...result, backend, fallbackReason } satisfies SegmentResult, [
    result.labels.buffer as ArrayBuffer,
  ]);
}

serve(webEndpoint(self as unknown as DedicatedWorkerGlobalScope), { inspect: inspectModel, segment });
