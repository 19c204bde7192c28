import { patchDivisor } from '../../core/engine/deep-supervision';
import { heInit } from '../../core/engine/he-init';
import { estimateTrainingMemory } from '../../core/engine/memory-estimate';
import { UNet } from '../../core/engine/unet';
import { TesseraError } from '../../core/errors';
import { emitOnnx } from '../../core/model/onnx/emit-network';
import { getConfiguration } from '../../core/nnunet/plans';
import { nnunetCheckpointBytes } from '../../core/training/checkpoint-out';
import { defaultFineTuneOptions, FineTuner } from '../../core/training/fine-tuner';
import { nnunetSplit } from '../../core/training/split';
import { validateCases } from '../../core/training/validate-cases';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { loadTrainingCases, openStartingModel, pythonJson, writeResultsFolder } from '../finetune-io';
import { openBackend, parseBackendChoice } from '../node-gpu';

const MiB = 2 ** 20;
const fmt = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : 'nan');

function positiveInt(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new TesseraError('bad-argument', 'tessera finetune', `${name} must be a positive integer`);
  return n;
}

export const finetuneCommand: Command = {
  name: 'finetune',
  summary:
    'fine-tune an nnU-Net model (or train from scratch) on a raw dataset; writes an nnU-Net results folder',
  usage:
    'tessera finetune -m <results_folder> -d <raw_dataset_dir> -o <out_folder> [--iterations N] [--epochs E] ' +
    '[--lr 0.01] [--patch z,y,x] [--batch N] [--backend auto|webgpu|cpu] [--fold 0-4|all] [--freeze-encoder] ' +
    '[--from-scratch] [-c configuration] [--val-iterations N] [--val-step 0.5] [--no-augment] [--spatial-augment] ' +
    '[--seed S] [--no-onnx]',
  async run(argv, out) {
    const { values } = parseCommandArgs(
      'finetune',
      argv,
      {
        model: { type: 'string', short: 'm' },
        dataset: { type: 'string', short: 'd' },
        output: { type: 'string', short: 'o' },
        configuration: { type: 'string', short: 'c' },
        iterations: { type: 'string' },
        epochs: { type: 'string' },
        lr: { type: 'string' },
        patch: { type: 'string' },
        batch: { type: 'string' },
        backend: { type: 'string' },
        fold: { type: 'string' },
        'freeze-encoder': { type: 'boolean' },
        'from-scratch': { type: 'boolean' },
        'val-iterations': { type: 'string' },
        'no-augment': { type: 'boolean' },
        'spatial-augment': { type: 'boolean' },
        seed: { type: 'string' },
        'no-onnx': { type: 'boolean' },
        'val-step': { type: 'string' },
      },
      false,
    );
    const bad = (d: string) => new TesseraError('bad-argument', 'tessera finetune', d);
    if (!values.model || !values.dataset || !values.output)
      throw bad('needs -m <results_folder>, -d <dataset> and -o <out>');
    const choice = parseBackendChoice(values.backend, 'finetune');
    const lr = values.lr === undefined ? 0.01 : Number(values.lr);
    if (!(lr > 0)) throw bad('--lr must be a positive number');
    const foldArg = values.fold ?? '0';
    if (!/^([0-4]|all)$/.test(foldArg)) throw bad('--fold must be 0-4 or all');

    const opened = await openBackend(choice, out.stderr);
    if ('reexec' in opened) return opened.reexec;
    const be = opened.backend;
    try {
      const model = await openStartingModel(values.model, {
        configuration: values.configuration,
        fromScratch: !!values['from-scratch'],
      });
      const spec = model.spec;
      const patch = values.patch ? values.patch.split(',').map(Number) : spec.patchSize;
      const div = patchDivisor(spec);
      if (
        patch.length !== spec.dim ||
        patch.some((p, a) => !Number.isInteger(p) || p < 1 || p % div[a] !== 0)
      )
        throw bad(`--patch needs ${spec.dim} sizes divisible by ${div.join(',')} (the network's strides)`);
      // inherits_from resolved: a cascade configuration gets its parent's batch size, as in nnU-Net
      const cfg = getConfiguration(model.plans, model.configuration);
      const plansBatch = cfg.batch_size ?? 2;
      const batch = positiveInt(values.batch, '--batch', plansBatch);
      const iterations = positiveInt(values.iterations, '--iterations', 250);
      const epochs = positiveInt(values.epochs, '--epochs', Math.max(1, Math.round(iterations / 250)));
      const perEpoch = Math.ceil(iterations / epochs);

      out.stdout(
        `model: ${model.source}, configuration ${model.configuration}, ${spec.networkClass} ${spec.dim}-D\n`,
      );
      out.stdout(
        `backend: ${be.kind === 'webgpu' ? `WebGPU (${(be as { ctx?: { description: string } }).ctx?.description})` : 'CPU (TypeScript)'}\n`,
      );
      const mem = estimateTrainingMemory(spec, patch, batch, { freezeEncoder: !!values['freeze-encoder'] });
      out.stdout(
        `memory estimate: ${(mem.peakBytes / MiB).toFixed(0)} MiB per step (largest tensor ${(mem.largestTensorBytes / MiB).toFixed(0)} MiB) for patch ${patch.join('×')}, batch ${batch}\n`,
      );
      if (be.kind === 'webgpu') {
        const lim = (be as unknown as { ctx: { limits: { maxStorageBufferBindingSize: number } } }).ctx
          .limits;
        if (mem.largestTensorBytes > lim.maxStorageBufferBindingSize)
          throw new TesseraError(
            'out-of-memory',
            'WebGPU',
            `a ${(mem.largestTensorBytes / MiB).toFixed(0)} MiB tensor exceeds the adapter's ${(lim.maxStorageBufferBindingSize / MiB).toFixed(0)} MiB binding limit: use a smaller --patch or --batch`,
          );
      }

      out.stdout(`reading ${values.dataset}\n`);
      const cases = await loadTrainingCases(values.dataset, model, out.stdout);
      const split = nnunetSplit(
        cases.map((c) => c.id),
        foldArg === 'all' ? 'all' : Number(foldArg),
      );
      const byId = new Map(cases.map((c) => [c.id, c]));
      const train = split.train.map((id) => byId.get(id)!);
      const val = split.val.map((id) => byId.get(id)!);
      out.stdout(
        split.fold === 'all'
          ? `fold all: ${cases.length} case(s), training and validating on all of them\n`
          : `fold ${split.fold}: ${train.length} training, ${val.length} validation case(s)\n`,
      );

      const net = new UNet(be, spec);
      if (model.weights) for (const p of net.params) be.write(p.value, model.weights.get(p.name)!);
      else heInit(net, positiveInt(values.seed, '--seed', 12345));
      const opts = defaultFineTuneOptions(patch, batch);
      Object.assign(opts, {
        epochs,
        iterationsPerEpoch: perEpoch,
        valIterations: positiveInt(
          values['val-iterations'],
          '--val-iterations',
          Math.max(1, Math.round(perEpoch / 5)),
        ),
        initialLr: lr,
        freezeEncoder: !!values['freeze-encoder'],
        batchDice: cfg.batch_dice ?? true,
        seed: positiveInt(values.seed, '--seed', 12345),
        augment: {
          mirror: !values['no-augment'],
          intensity: !values['no-augment'],
          spatial: !!values['spatial-augment'] && !values['no-augment'],
        },
      });
      const tuner = new FineTuner(net, train, val, opts);
      const checkpointOf = async (name: string) =>
        nnunetCheckpointBytes({
          net,
          plans: pythonJson(model.plansText),
          datasetJson: pythonJson(model.datasetJsonText),
          configuration: model.configuration,
          fold: split.fold,
          currentEpoch: tuner.epoch,
          initialLr: lr,
          lr: tuner.lr,
          momentum: opts.sgd.momentum,
          weightDecay: opts.sgd.weightDecay,
          logging: tuner.log,
          bestEma: tuner.bestEma,
          mirrorAxes: spec.patchSize.map((_, i) => i),
          archiveName: name.replace(/\.pth$/, ''),
        });
      let best: Uint8Array | null = null;
      const iterLog: unknown[] = [];
      tuner.on(async (e) => {
        if (e.type === 'iteration') {
          iterLog.push({
            step: e.step,
            epoch: e.epoch,
            loss: e.loss,
            ce: e.ce,
            dice: e.dice,
            lr: e.lr,
            ms: e.ms,
          });
          out.stdout(
            `iteration ${e.step}/${e.totalSteps} (epoch ${e.epoch + 1}/${epochs}): loss ${fmt(e.loss)} (CE ${fmt(e.ce)}, Dice ${fmt(e.dice)}) lr ${e.lr.toFixed(6)} ${e.ms} ms\n`,
          );
        } else if (e.type === 'epoch') {
          out.stdout(
            `epoch ${e.epoch + 1}/${epochs}: train loss ${fmt(e.trainLoss)}, val loss ${fmt(e.valLoss)}, pseudo Dice [${e.dicePerClass.map((d) => fmt(d)).join(', ')}], EMA ${fmt(e.emaFgDice)}${e.isBest ? ' (best)' : ''}\n`,
          );
          if (e.isBest) best = await checkpointOf('checkpoint_best.pth');
        }
      });
      await tuner.run();

      out.stdout(`validating on ${val.length} case(s) with the sliding window\n`);
      const valStep = values['val-step'] === undefined ? 0.5 : Number(values['val-step']);
      if (!(valStep > 0 && valStep <= 1)) throw bad('--val-step must be in (0, 1]');
      const v = await validateCases(net, val, patch, undefined, valStep);
      const labelNames = Object.entries(model.datasetJson.labels)
        .filter(([, value]) => value !== 0)
        .map(([name]) => name);
      for (const c of v.cases) out.stdout(`  ${c.id}: Dice [${c.dice.map((d) => fmt(d)).join(', ')}]\n`);
      out.stdout(
        `validation Dice: ${v.perClass.map((d, i) => `${labelNames[i] ?? i + 1} ${fmt(d)}`).join(', ')}; mean ${fmt(v.foregroundMean)}\n`,
      );

      const weights = await tuner.weightsOut();
      const onnx = values['no-onnx']
        ? null
        : emitOnnx({ ...spec, deepSupervision: false }, weights, {
            metadata: { 'tessera.source': 'tessera finetune', 'tessera.configuration': model.configuration },
          });
      const checkpoints = [
        { name: 'checkpoint_final.pth', bytes: await checkpointOf('checkpoint_final.pth') },
      ];
      if (best) checkpoints.push({ name: 'checkpoint_best.pth', bytes: best });
      const written = await writeResultsFolder(model, {
        dir: values.output,
        fold: split.fold,
        checkpoints,
        onnx,
        log: { iterations: iterLog, epochs: tuner.log, options: { ...opts, sgd: opts.sgd } },
        validation: v,
      });
      for (const w of written) out.stdout(`wrote ${w}\n`);
      net.dispose();
      return 0;
    } finally {
      be.dispose();
    }
  },
};
