/**
 * nnU-Net-style training on the engine, driven one iteration at a time so a worker can interleave
 * messages: epochs of `iterationsPerEpoch` batches (patches with foreground oversampling, augmented), the
 * DC_and_CE loss with deep supervision, clip_grad_norm + SGD Nesterov, the poly learning rate stepped
 * per epoch (nnUNetTrainer.on_train_epoch_start), and at each epoch's end `valIterations` validation
 * batches giving the validation loss and the pseudo-Dice with its moving average (checkpoint_best).
 *
 * API: step() runs one iteration (and the validation when an epoch completes); run() loops until done,
 * honouring pause()/resume()/cancel(); listeners receive iteration, epoch and state events.
 */
import type { Backend } from '../engine/backend';
import {
  deepSupervisionScales,
  deepSupervisionTargets,
  deepSupervisionWeights,
} from '../engine/deep-supervision';
import { NNUNET_SGD, polyLr, type SgdSettings, sgdStep } from '../engine/optimizer';
import { Rng } from '../engine/random';
import type { Tensor } from '../engine/tensor';
import { forwardBackward, readLoss } from '../engine/train-step';
import type { UNet } from '../engine/unet';
import { TesseraError } from '../errors';
import { augmentIntensity, augmentMirror, augmentSpatial, spatialPatch } from './augment';
import { emptyTrainingLog, type TrainingLogLists } from './checkpoint-out';
import { type Batch, PatchSampler } from './patch-sampler';
import { accumulateCounts, dicePerClass, emptyCounts, nanMean } from './pseudo-dice';
import type { TrainingCase } from './training-case';

export interface FineTuneOptions {
  epochs: number;
  iterationsPerEpoch: number;
  /** Validation batches per epoch (nnU-Net: 50 per 250 training iterations). */
  valIterations: number;
  initialLr: number;
  batchSize: number;
  /** Network patch (z, y, x), or (y, x) for 2-D networks. */
  patchSize: number[];
  oversampleForeground: number;
  freezeEncoder: boolean;
  augment: { mirror: boolean; intensity: boolean; spatial: boolean };
  /** Mirroring axes of the network's spatial dims (nnU-Net: all of them). */
  mirrorAxes: number[];
  seed: number;
  sgd: SgdSettings;
  /** The plans' batch_dice (MemoryEfficientSoftDiceLoss). */
  batchDice: boolean;
}

export function defaultFineTuneOptions(patchSize: number[], batchSize: number): FineTuneOptions {
  return {
    epochs: 1,
    iterationsPerEpoch: 250,
    valIterations: 50,
    initialLr: NNUNET_SGD.lr,
    batchSize,
    patchSize,
    oversampleForeground: 0.33,
    freezeEncoder: false,
    augment: { mirror: true, intensity: true, spatial: false },
    mirrorAxes: patchSize.map((_, i) => i),
    seed: 12345,
    sgd: NNUNET_SGD,
    batchDice: true,
  };
}

export interface IterationEvent {
  type: 'iteration';
  epoch: number;
  /** within the epoch, from 1 */
  iteration: number;
  /** over the whole run, from 1 */
  step: number;
  totalSteps: number;
  loss: number;
  ce: number;
  dice: number;
  lr: number;
  ms: number;
}

export interface EpochEvent {
  type: 'epoch';
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** pseudo-Dice per foreground class (NaN: class absent from predictions and targets) */
  dicePerClass: number[];
  meanFgDice: number;
  emaFgDice: number;
  /** the EMA improved: this is nnU-Net's checkpoint_best moment */
  isBest: boolean;
  ms: number;
}

export interface StateEvent {
  type: 'state';
  state: 'running' | 'paused' | 'done' | 'cancelled';
}

export type TrainerEvent = IterationEvent | EpochEvent | StateEvent;

export class FineTuner {
  readonly log: TrainingLogLists = emptyTrainingLog();
  bestEma: number | null = null;
  /** completed epochs */
  epoch = 0;
  private iteration = 0;
  private step_ = 0;
  private epochLosses: number[] = [];
  private epochStart = Date.now();
  private paused = false;
  private cancelled = false;
  private resumeWaiters: Array<() => void> = [];
  private readonly listeners: Array<(e: TrainerEvent) => void | Promise<void>> = [];
  private readonly trainSampler: PatchSampler;
  private readonly valSampler: PatchSampler | null;
  private readonly rng: Rng;
  private readonly samplePatch: [number, number, number];
  private readonly patch3: [number, number, number];
  private readonly is2d: boolean;
  private readonly weights: number[];
  private readonly scales: number[][];

  constructor(
    readonly net: UNet,
    train: readonly TrainingCase[],
    val: readonly TrainingCase[],
    readonly options: FineTuneOptions,
  ) {
    const spec = net.spec;
    this.is2d = spec.dim === 2;
    if (options.patchSize.length !== spec.dim)
      throw new TesseraError(
        'bad-argument',
        'patch',
        `needs ${spec.dim} sizes for this ${spec.dim}-D network`,
      );
    this.patch3 = (this.is2d ? [1, ...options.patchSize] : [...options.patchSize]) as [
      number,
      number,
      number,
    ];
    this.samplePatch = options.augment.spatial ? spatialPatch(this.patch3, this.is2d) : this.patch3;
    this.rng = new Rng(options.seed);
    this.trainSampler = new PatchSampler(
      train,
      this.samplePatch,
      options.batchSize,
      options.oversampleForeground,
      options.seed + 1,
    );
    this.valSampler = val.length
      ? new PatchSampler(val, this.patch3, options.batchSize, options.oversampleForeground, options.seed + 2)
      : null;
    net.setEncoderTrainable(!options.freezeEncoder);
    this.weights = spec.deepSupervision ? deepSupervisionWeights(spec.nStages) : [1];
    const s3 = (s: number[]) => (this.is2d ? [1, ...s] : s);
    this.scales = spec.deepSupervision ? deepSupervisionScales(spec).map(s3) : [[1, 1, 1]];
  }

  get be(): Backend {
    return this.net.be;
  }

  get totalSteps(): number {
    return this.options.epochs * this.options.iterationsPerEpoch;
  }

  get done(): boolean {
    return this.epoch >= this.options.epochs;
  }

  /** The learning rate of the current epoch. */
  get lr(): number {
    return polyLr(this.options.initialLr, this.epoch, this.options.epochs);
  }

  on(listener: (e: TrainerEvent) => void | Promise<void>): () => void {
    this.listeners.push(listener);
    return () => this.listeners.splice(this.listeners.indexOf(listener), 1);
  }

  private async emit(e: TrainerEvent): Promise<void> {
    for (const l of this.listeners) await l(e);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    void this.emit({ type: 'state', state: 'paused' });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    void this.emit({ type: 'state', state: 'running' });
    for (const w of this.resumeWaiters.splice(0)) w();
  }

  cancel(): void {
    this.cancelled = true;
    for (const w of this.resumeWaiters.splice(0)) w();
  }

  /** A batch: sampled, augmented per sample, as device tensors (input and one label tensor per output). */
  private prepare(
    sampler: PatchSampler,
    augment: boolean,
  ): { input: Tensor; labels: Tensor[]; batch: Batch } {
    const b = sampler.next();
    const C = this.net.spec.inputChannels;
    const [pd, ph, pw] = this.patch3;
    const out = new Float32Array(this.options.batchSize * C * pd * ph * pw);
    const seg = new Int16Array(this.options.batchSize * pd * ph * pw);
    const svol = b.patch[0] * b.patch[1] * b.patch[2];
    const vol = pd * ph * pw;
    const axes = this.options.augment.mirror
      ? this.options.mirrorAxes.map((a) => (this.is2d ? a + 1 : a))
      : [];
    for (let j = 0; j < this.options.batchSize; j++) {
      let chans = Array.from({ length: C }, (_, c) =>
        b.data.subarray((j * C + c) * svol, (j * C + c + 1) * svol),
      );
      let s = b.seg.subarray(j * svol, (j + 1) * svol);
      if (svol !== vol) {
        // sampled larger for rotation/scaling (training batches only)
        const r = augmentSpatial(chans, s, b.patch, this.patch3, this.is2d, this.rng);
        chans = r.channels;
        s = r.seg;
      }
      if (augment) {
        if (this.options.augment.intensity) augmentIntensity(chans, this.rng);
        augmentMirror(chans, s, this.patch3, axes, this.rng);
      }
      chans.forEach((ch, c) => {
        out.set(ch, (j * C + c) * vol);
      });
      seg.set(s, j * vol);
    }
    const input = this.be.tensor(out, [this.options.batchSize, C, pd, ph, pw]);
    const targets = deepSupervisionTargets(seg, this.options.batchSize, this.patch3, this.scales);
    const labels = targets.map((t, i) =>
      this.weights[i] === 0 ? this.be.zeros([1]) : this.be.tensor(t.data, t.shape),
    );
    return { input, labels, batch: { ...b, seg } };
  }

  /** One training iteration (plus the epoch's validation when it is the last of the epoch). */
  async step(): Promise<IterationEvent> {
    if (this.done) throw new Error('training is finished');
    const t0 = Date.now();
    if (this.iteration === 0) {
      this.epochStart = t0;
      this.epochLosses = [];
    }
    const lr = this.lr;
    const { input, labels } = this.prepare(this.trainSampler, true);
    let lossAcc: Tensor;
    try {
      lossAcc = forwardBackward(this.net, input, labels, {
        batchDice: this.options.batchDice,
        smooth: 1e-5,
        weights: this.weights,
      }).lossAcc;
      this.be.release(sgdStep(this.be, this.net.params, lr, this.options.sgd));
    } finally {
      this.be.release(input);
      for (const l of labels) this.be.release(l);
    }
    const loss = await readLoss(this.be, lossAcc);
    if (!Number.isFinite(loss.loss))
      throw new TesseraError(
        'bad-model',
        'training',
        `the loss became ${loss.loss} (lower the learning rate)`,
      );
    this.iteration++;
    this.step_++;
    this.epochLosses.push(loss.loss);
    const ev: IterationEvent = {
      type: 'iteration',
      epoch: this.epoch,
      iteration: this.iteration,
      step: this.step_,
      totalSteps: this.totalSteps,
      ...loss,
      lr,
      ms: Date.now() - t0,
    };
    await this.emit(ev);
    if (this.iteration >= this.options.iterationsPerEpoch) await this.endEpoch(lr);
    return ev;
  }

  private async endEpoch(lr: number): Promise<void> {
    const v = await this.validate();
    const trainLoss = this.epochLosses.reduce((a, b) => a + b, 0) / this.epochLosses.length;
    const L = this.log;
    L.train_losses.push(trainLoss);
    L.val_losses.push(v.loss);
    L.lrs.push(lr);
    L.mean_fg_dice.push(v.meanFgDice);
    L.dice_per_class_or_region.push(v.dicePerClass);
    const prev = L.ema_fg_dice.length ? L.ema_fg_dice[L.ema_fg_dice.length - 1] : null;
    const ema = prev === null ? v.meanFgDice : 0.9 * prev + 0.1 * v.meanFgDice;
    L.ema_fg_dice.push(ema);
    L.epoch_start_timestamps.push(this.epochStart / 1000);
    L.epoch_end_timestamps.push(Date.now() / 1000);
    const isBest = Number.isFinite(ema) && (this.bestEma === null || ema > this.bestEma);
    if (isBest) this.bestEma = ema;
    this.epoch++;
    this.iteration = 0;
    await this.emit({
      type: 'epoch',
      epoch: this.epoch - 1,
      trainLoss,
      valLoss: v.loss,
      dicePerClass: v.dicePerClass,
      meanFgDice: v.meanFgDice,
      emaFgDice: ema,
      isBest,
      ms: Date.now() - this.epochStart,
    });
  }

  /** Validation batches (no augmentation, no gradients): loss with deep supervision, pseudo-Dice. */
  async validate(): Promise<{ loss: number; dicePerClass: number[]; meanFgDice: number }> {
    const K = this.net.spec.numClasses;
    const counts = emptyCounts(K);
    if (!this.valSampler || this.options.valIterations === 0)
      return { loss: Number.NaN, dicePerClass: dicePerClass(counts), meanFgDice: Number.NaN };
    let lossSum = 0;
    for (let i = 0; i < this.options.valIterations; i++) {
      const { input, labels, batch } = this.prepare(this.valSampler, false);
      const acc = this.be.zeros([3]);
      const outs = this.net.forward({ be: this.be, tape: null }, { t: input, requiresGrad: false });
      outs.forEach((o, k) => {
        if (this.weights[k] !== 0)
          this.be.release(
            this.be.segLoss(
              o.t,
              labels[k],
              { batchDice: this.options.batchDice, smooth: 1e-5, weight: this.weights[k] },
              acc,
            ),
          );
      });
      const logits = await this.be.read(outs[0].t);
      for (const o of outs) this.be.release(o.t);
      this.be.release(input);
      for (const l of labels) this.be.release(l);
      lossSum += (await readLoss(this.be, acc)).loss;
      accumulateCounts(logits, batch.seg, this.options.batchSize, K, counts);
    }
    const d = dicePerClass(counts);
    return { loss: lossSum / this.options.valIterations, dicePerClass: d, meanFgDice: nanMean(d) };
  }

  /** Loop until done or cancelled; waits while paused. Returns whether training completed. */
  async run(signal?: AbortSignal): Promise<boolean> {
    signal?.addEventListener('abort', () => this.cancel());
    await this.emit({ type: 'state', state: 'running' });
    while (!this.done && !this.cancelled) {
      if (this.paused) {
        await new Promise<void>((r) => this.resumeWaiters.push(r));
        continue;
      }
      await this.step();
    }
    await this.emit({ type: 'state', state: this.cancelled ? 'cancelled' : 'done' });
    return !this.cancelled;
  }

  /** Canonical weights (state-dict name → values), for export or the ONNX emitter. */
  async weightsOut(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const p of this.net.params) out.set(p.name, await this.be.read(p.value));
    return out;
  }
}
