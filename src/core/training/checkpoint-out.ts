/**
 * nnU-Net's checkpoint dict (nnUNetTrainer.save_checkpoint) from an engine network, written in
 * torch.save's format: `network_weights` (every state-dict key, aliases sharing storages),
 * `optimizer_state` (SGD: momentum buffers by parameter index, one param group), `grad_scaler_state`,
 * `logging`, `_best_ema`, `current_epoch`, `init_args` {plans, configuration, fold, dataset_json, device},
 * `trainer_name`, `inference_allowed_mirroring_axes`. torch.load (weights_only=False) and nnU-Net's
 * predictor and trainer read it.
 */

import type { UNet } from '../engine/unet';
import {
  PickleCall,
  PickleDict,
  PickleOrderedDict,
  PickleTuple,
  type PickleWritable,
} from '../io/torch/pickle-writer';
import { TorchTensorOut, tensorPickle, torchSave } from '../io/torch/torch-checkpoint-writer';
import { PyFloat } from '../pycompat/python-json';

export interface TrainingLogLists {
  mean_fg_dice: number[];
  ema_fg_dice: number[];
  dice_per_class_or_region: number[][];
  train_losses: number[];
  val_losses: number[];
  lrs: number[];
  epoch_start_timestamps: number[];
  epoch_end_timestamps: number[];
}

export function emptyTrainingLog(): TrainingLogLists {
  return {
    mean_fg_dice: [],
    ema_fg_dice: [],
    dice_per_class_or_region: [],
    train_losses: [],
    val_losses: [],
    lrs: [],
    epoch_start_timestamps: [],
    epoch_end_timestamps: [],
  };
}

export interface CheckpointInputs {
  net: UNet;
  /** plans.json as parsed (a PyDict from parsePythonJson keeps float-ness and key order). */
  plans: PickleWritable;
  datasetJson: PickleWritable;
  configuration: string;
  fold: number | 'all';
  /** Epochs completed (nnU-Net stores current_epoch + 1 at the end of an epoch). */
  currentEpoch: number;
  initialLr: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  logging: TrainingLogLists;
  bestEma: number | null;
  mirrorAxes: number[];
  trainerName?: string;
  /** Archive folder inside the zip (torch: the file name without .pth). */
  archiveName?: string;
}

const floats = (xs: number[]) => xs.map((x) => new PyFloat(x));

export async function nnunetCheckpointBytes(c: CheckpointInputs): Promise<Uint8Array> {
  const be = c.net.be;
  const tensors: TorchTensorOut[] = [];
  const storageOf = new Map<string, TorchTensorOut>();
  let next = 0;
  for (const p of c.net.params) {
    const t = new TorchTensorOut(String(next++), await be.read(p.value), p.shape);
    storageOf.set(p.name, t);
    tensors.push(t);
  }
  const weights = new PickleOrderedDict(
    c.net.stateDict().map(({ key, param }) => [key, tensorPickle(storageOf.get(param.name)!)]),
  );
  const state: Array<[PickleWritable, PickleWritable]> = [];
  for (let i = 0; i < c.net.params.length; i++) {
    const p = c.net.params[i];
    if (!p.momentum || !p.momentumInit) continue;
    const t = new TorchTensorOut(String(next++), await be.read(p.momentum), p.shape);
    tensors.push(t);
    state.push([i, { momentum_buffer: tensorPickle(t) }]);
  }
  const optimizer = {
    state: new PickleDict(state),
    param_groups: [
      {
        lr: new PyFloat(c.lr),
        momentum: new PyFloat(c.momentum),
        dampening: 0,
        weight_decay: new PyFloat(c.weightDecay),
        nesterov: true,
        maximize: false,
        foreach: null,
        differentiable: false,
        params: c.net.params.map((_, i) => i),
        initial_lr: new PyFloat(c.initialLr),
      },
    ],
  };
  const L = c.logging;
  const root: PickleWritable = {
    network_weights: weights,
    optimizer_state: optimizer,
    grad_scaler_state: null,
    logging: {
      mean_fg_dice: floats(L.mean_fg_dice),
      ema_fg_dice: floats(L.ema_fg_dice),
      dice_per_class_or_region: L.dice_per_class_or_region.map(floats),
      train_losses: floats(L.train_losses),
      val_losses: floats(L.val_losses),
      lrs: floats(L.lrs),
      epoch_start_timestamps: floats(L.epoch_start_timestamps),
      epoch_end_timestamps: floats(L.epoch_end_timestamps),
    },
    _best_ema: c.bestEma === null ? null : new PyFloat(c.bestEma),
    current_epoch: c.currentEpoch,
    init_args: {
      plans: c.plans,
      configuration: c.configuration,
      fold: c.fold,
      dataset_json: c.datasetJson,
      device: new PickleCall('torch', 'device', ['cpu']),
    },
    trainer_name: c.trainerName ?? 'nnUNetTrainer',
    inference_allowed_mirroring_axes: new PickleTuple(c.mirrorAxes),
  };
  return torchSave({ archiveName: c.archiveName ?? 'checkpoint_final', root, tensors });
}
