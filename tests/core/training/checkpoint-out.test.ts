import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { heInit } from '../../../src/core/engine/he-init';
import { UNet } from '../../../src/core/engine/unet';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { unpickle } from '../../../src/core/io/torch/pickle';
import { PickleDict, PickleTuple, pickle } from '../../../src/core/io/torch/pickle-writer';
import { networkSpecFromPlans, parameterShapes } from '../../../src/core/model/architecture';
import { loadNetworkWeights, readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import { PyFloat, parsePythonJson } from '../../../src/core/pycompat/python-json';
import { emptyTrainingLog, nnunetCheckpointBytes } from '../../../src/core/training/checkpoint-out';
import { REFERENCE } from '../../helpers/shared';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

describe('pickle writer', () => {
  it('round-trips through the pickle reader', () => {
    const v = {
      a: [1, -2, 300, 70000, -3000000000, 2 ** 40, 1.5, new PyFloat(3), 'ü', null, true, false],
      t: new PickleTuple([0, 1, 2, 3]),
      d: new PickleDict([
        [0, 'x'],
        [7, { y: [] }],
      ]),
    };
    const back = unpickle(pickle(v), 'x.pkl') as Map<unknown, unknown>;
    expect(back.get('a')).toEqual([1, -2, 300, 70000, -3000000000, 2 ** 40, 1.5, 3, 'ü', null, true, false]);
    expect((back.get('d') as Map<unknown, unknown>).get(7)).toEqual(new Map([['y', []]]));
  });
});

describe("nnU-Net checkpoint written by the engine (torch.load-verified format; here read back by Tessera's reader)", () => {
  it('has every state-dict key with its weights, shared storages for aliases, and the checkpoint dict', async () => {
    const plansText = fs.readFileSync(path.join(TINY, 'plans.json'), 'utf8');
    const dsText = fs.readFileSync(path.join(TINY, 'dataset.json'), 'utf8');
    const spec = networkSpecFromPlans(JSON.parse(plansText), '3d_fullres_tiny', JSON.parse(dsText), {
      deepSupervision: true,
    });
    const be = new CpuBackend();
    const net = new UNet(be, spec);
    heInit(net, 1);
    const bytes = await nnunetCheckpointBytes({
      net,
      plans: parsePythonJson(plansText),
      datasetJson: parsePythonJson(dsText),
      configuration: '3d_fullres_tiny',
      fold: 0,
      currentEpoch: 5,
      initialLr: 0.01,
      lr: 0.008,
      momentum: 0.99,
      weightDecay: 3e-5,
      logging: { ...emptyTrainingLog(), train_losses: [1.25, 0.5] },
      bestEma: 0.25,
      mirrorAxes: [0, 1, 2],
    });
    const ckpt = await readNnunetCheckpoint(bytesSource(bytes, 'checkpoint_final.pth'));
    expect(ckpt.configuration).toBe('3d_fullres_tiny');
    expect(ckpt.fold).toBe(0);
    expect(ckpt.currentEpoch).toBe(5);
    expect(ckpt.trainerName).toBe('nnUNetTrainer');
    expect(ckpt.inferenceAllowedMirroringAxes).toEqual([0, 1, 2]);
    expect([...ckpt.weights.keys()]).toEqual(parameterShapes(spec).map((e) => e.key));
    expect(ckpt.plans).toEqual(JSON.parse(plansText));
    const w = await loadNetworkWeights(ckpt, spec);
    for (const p of net.params) expect(w.get(p.name)).toEqual(await be.read(p.value));
    // He init: conv weights ~ N(0, 2/(1.0001·fan_in)), transposed conv fan_in from its output channels
    const conv = w.get('encoder.stages.1.0.convs.1.conv.weight')!;
    const std = Math.sqrt(conv.reduce((s, v) => s + v * v, 0) / conv.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 1.0001 / (16 * 27)), 2);
    const tw = w.get('decoder.transpconvs.0.weight')!; // [64, 64, 1, 2, 2]
    const tstd = Math.sqrt(tw.reduce((s, v) => s + v * v, 0) / tw.length);
    expect(tstd).toBeCloseTo(Math.sqrt(2 / 1.0001 / (64 * 4)), 2);
    expect(w.get('encoder.stages.0.0.convs.0.norm.weight')!.every((v) => v === 1)).toBe(true);
  });
});
