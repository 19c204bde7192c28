/**
 * The trainer as worker calls (core/parallel/rpc), for the app's Fine-tune panel:
 *
 *   train.prepare  {model, cases, options}  → summary (backend, cases, split, memory estimate)
 *   train.step     {}                        → one IterationEvent (and the epoch's EpochEvent, if it ended)
 *   train.run      {}                        → runs to the end; every TrainerEvent is a job event
 *                                              (as `event`, beside done/total/stage); cancel = the call's abort
 *   train.pause / train.resume {}            → while train.run is going
 *   train.validate {}                        → sliding-window Dice on the validation cases
 *   train.export   {checkpoint?, onnx?}      → nnU-Net checkpoint_final.pth bytes and/or ONNX (transferred)
 *   train.dispose  {}
 *
 * One session per worker. The model is an nnU-Net results folder (or its plans for `fromScratch`), the
 * cases raw volumes (image channels + label) preprocessed here with the model's plans.
 */
import type { Backend } from '../engine/backend';
import { CpuBackend } from '../engine/cpu/cpu-backend';
import { patchDivisor } from '../engine/deep-supervision';
import { heInit } from '../engine/he-init';
import { estimateTrainingMemory, type MemoryEstimate } from '../engine/memory-estimate';
import { UNet } from '../engine/unet';
import { WebGpuBackend } from '../engine/webgpu/webgpu-backend';
import { describeError, TesseraError } from '../errors';
import { openGpu } from '../gpu/device';
import type { Volume } from '../io/volume/volume';
import { networkSpecFromPlans } from '../model/architecture';
import { fileSetFromFiles, readText } from '../model/bundle/file-set';
import type { ModelFiles } from '../model/bundle/model-service';
import { openNnunetModel } from '../model/bundle/nnunet-model';
import { loadNetworkWeights } from '../model/nnunet-checkpoint';
import { emitOnnx } from '../model/onnx/emit-network';
import type { HandlerContext, Handlers } from '../parallel/rpc';
import { withTransfer } from '../parallel/rpc';
import { readPreprocessingPlans } from '../preprocessing/plans-view';
import { parsePythonJson } from '../pycompat/python-json';
import { nnunetCheckpointBytes } from './checkpoint-out';
import {
  defaultFineTuneOptions,
  type EpochEvent,
  type FineTuneOptions,
  FineTuner,
  type TrainerEvent,
} from './fine-tuner';
import { assertTrainableLabels, prepareTrainingCase } from './prepare-case';
import { nnunetSplit } from './split';
import { validateCases } from './validate-cases';

export interface PrepareRequest {
  model: ModelFiles;
  /** Raw training cases: image channels (in channel order) and the label map, on one grid. */
  cases: Array<{ id: string; images: Volume[]; label: Volume }>;
  backend?: 'auto' | 'webgpu' | 'cpu';
  fromScratch?: boolean;
  /** nnU-Net fold (0–4) or 'all'; fewer than five cases always train on all. */
  fold?: number | 'all';
  options?: Partial<Omit<FineTuneOptions, 'sgd'>>;
}

export interface PrepareSummary {
  backend: 'webgpu' | 'cpu';
  backendNote?: string;
  configuration: string;
  train: string[];
  val: string[];
  fold: number | 'all';
  patchSize: number[];
  batchSize: number;
  memory: MemoryEstimate;
  totalSteps: number;
}

interface Session {
  be: Backend;
  net: UNet;
  tuner: FineTuner;
  val: ReturnType<typeof prepareTrainingCase>[];
  configuration: string;
  plansText: string;
  datasetJsonText: string;
  fold: number | 'all';
}

let session: Session | null = null;

async function openBackend(choice: 'auto' | 'webgpu' | 'cpu'): Promise<{ be: Backend; note?: string }> {
  if (choice === 'cpu') return { be: new CpuBackend() };
  if (choice === 'webgpu') return { be: new WebGpuBackend(await openGpu()) };
  try {
    const ctx = await openGpu();
    if (!ctx.software) return { be: new WebGpuBackend(ctx) };
    ctx.device.destroy();
    return {
      be: new CpuBackend(),
      note: `the WebGPU adapter is software (${ctx.description}); training on the CPU`,
    };
  } catch (e) {
    return { be: new CpuBackend(), note: `WebGPU unavailable (${describeError(e)}); training on the CPU` };
  }
}

export async function prepare(req: PrepareRequest, ctx?: HandlerContext): Promise<PrepareSummary> {
  dispose();
  const files = fileSetFromFiles(req.model.name, req.model.files);
  const model = await openNnunetModel(files);
  assertTrainableLabels(model.folder.datasetJson, `${req.model.name}/dataset.json`);
  const root = model.folder.root;
  const plansText = await readText(files, `${root}plans.json`);
  const datasetJsonText = await readText(files, `${root}dataset.json`);
  const spec = networkSpecFromPlans(model.folder.plans, model.configuration, model.folder.datasetJson, {
    deepSupervision: true,
  });
  const plans = readPreprocessingPlans(model.folder.plans, model.configuration);
  const labels = model.folder.datasetJson.labels;
  const cases = req.cases.map((c, i) => {
    ctx?.progress({ done: i, total: req.cases.length, stage: `preprocessing ${c.id}` });
    return prepareTrainingCase(c.id, c.images, c.label, plans, labels);
  });
  const split = nnunetSplit(
    cases.map((c) => c.id),
    req.fold ?? 0,
  );
  const byId = new Map(cases.map((c) => [c.id, c]));
  const cfg = model.plans;
  const o = req.options ?? {};
  const patch = o.patchSize ?? spec.patchSize;
  const div = patchDivisor(spec);
  if (patch.length !== spec.dim || patch.some((p, a) => p % div[a] !== 0))
    throw new TesseraError(
      'bad-argument',
      'patch size',
      `needs ${spec.dim} sizes divisible by ${div.join(',')}`,
    );
  const opts: FineTuneOptions = {
    ...defaultFineTuneOptions(patch, o.batchSize ?? cfg?.batch_size ?? 2),
    batchDice: cfg?.batch_dice ?? true,
    ...o,
  };
  const memory = estimateTrainingMemory(spec, patch, opts.batchSize, { freezeEncoder: opts.freezeEncoder });
  const { be, note } = await openBackend(req.backend ?? 'auto');
  const net = new UNet(be, spec);
  if (req.fromScratch) heInit(net, opts.seed);
  else {
    const ckpt = [...model.checkpoints.values()][0];
    const w = await loadNetworkWeights(ckpt, model.spec);
    for (const p of net.params) be.write(p.value, w.get(p.name)!);
  }
  const val = split.val.map((id) => byId.get(id)!);
  const tuner = new FineTuner(
    net,
    split.train.map((id) => byId.get(id)!),
    val,
    opts,
  );
  session = {
    be,
    net,
    tuner,
    val,
    configuration: model.configuration,
    plansText,
    datasetJsonText,
    fold: split.fold,
  };
  return {
    backend: be.kind,
    backendNote: note,
    configuration: model.configuration,
    train: split.train,
    val: split.val,
    fold: split.fold,
    patchSize: patch,
    batchSize: opts.batchSize,
    memory,
    totalSteps: tuner.totalSteps,
  };
}

function current(): Session {
  if (!session)
    throw new TesseraError('bad-argument', 'trainer', 'no training session (call train.prepare first)');
  return session;
}

export async function step(): Promise<{ iteration: TrainerEvent; epoch: EpochEvent | null }> {
  const s = current();
  let epoch: EpochEvent | null = null;
  const off = s.tuner.on((e) => {
    if (e.type === 'epoch') epoch = e;
  });
  try {
    return { iteration: await s.tuner.step(), epoch };
  } finally {
    off();
  }
}

export async function run(
  _: unknown,
  ctx: HandlerContext<TrainerEvent>,
): Promise<{ completed: boolean; epochs: number }> {
  const s = current();
  // progress for any listener; the trainer's own typed events (loss, Dice, state) as job events
  const off = s.tuner.on((e) => {
    if (e.type === 'iteration') ctx.progress({ done: e.step, total: s.tuner.totalSteps, stage: 'training' });
    ctx.emit(e);
  });
  try {
    const completed = await s.tuner.run(ctx.signal);
    return { completed, epochs: s.tuner.epoch };
  } finally {
    off();
  }
}

export async function exportModel(req: { checkpoint?: boolean; onnx?: boolean } = {}) {
  const s = current();
  const spec = s.net.spec;
  const checkpoint =
    req.checkpoint === false
      ? null
      : await nnunetCheckpointBytes({
          net: s.net,
          plans: parsePythonJson(s.plansText),
          datasetJson: parsePythonJson(s.datasetJsonText),
          configuration: s.configuration,
          fold: s.fold,
          currentEpoch: s.tuner.epoch,
          initialLr: s.tuner.options.initialLr,
          lr: s.tuner.lr,
          momentum: s.tuner.options.sgd.momentum,
          weightDecay: s.tuner.options.sgd.weightDecay,
          logging: s.tuner.log,
          bestEma: s.tuner.bestEma,
          mirrorAxes: spec.patchSize.map((_, i) => i),
        });
  const onnx =
    req.onnx === false ? null : emitOnnx({ ...spec, deepSupervision: false }, await s.tuner.weightsOut());
  const transfer = [checkpoint, onnx].filter((b): b is Uint8Array => !!b).map((b) => b.buffer as ArrayBuffer);
  return withTransfer(
    { checkpoint, onnx, fold: s.fold, plansJson: s.plansText, datasetJson: s.datasetJsonText },
    transfer,
  );
}

export function dispose(): void {
  if (!session) return;
  session.tuner.cancel();
  session.net.dispose();
  session.be.dispose();
  session = null;
}

export const trainerHandlers: Handlers = {
  'train.prepare': (req: PrepareRequest, ctx) => prepare(req, ctx),
  'train.step': () => step(),
  'train.run': (p, ctx) => run(p, ctx),
  'train.pause': () => current().tuner.pause(),
  'train.resume': () => current().tuner.resume(),
  'train.validate': async () => {
    const s = current();
    return validateCases(s.net, s.val, s.tuner.options.patchSize);
  },
  'train.export': (req: { checkpoint?: boolean; onnx?: boolean }) => exportModel(req),
  'train.dispose': () => dispose(),
};
