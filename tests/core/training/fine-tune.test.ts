import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../../../src/core/engine/cpu/cpu-backend';
import { heInit } from '../../../src/core/engine/he-init';
import { UNet } from '../../../src/core/engine/unet';
import { defaultFineTuneOptions, FineTuner, type TrainerEvent } from '../../../src/core/training/fine-tuner';
import { validateCases } from '../../../src/core/training/validate-cases';
import { syntheticCase, tinySpec } from './synthetic';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('fine-tuning on the CPU twin', () => {
  it('lowers the loss and raises the Dice on a learnable synthetic task', async () => {
    const be = new CpuBackend();
    const net = new UNet(be, tinySpec());
    heInit(net, 2);
    const cases = [syntheticCase('a', [16, 16, 16], 1), syntheticCase('b', [16, 16, 16], 2)];
    const before = await validateCases(net, cases, [8, 8, 8]);
    const opts = {
      ...defaultFineTuneOptions([8, 8, 8], 2),
      iterationsPerEpoch: 20,
      epochs: 3,
      valIterations: 2,
    };
    const tuner = new FineTuner(net, cases, cases, opts);
    const events: TrainerEvent[] = [];
    tuner.on((e) => {
      events.push(e);
    });
    expect(await tuner.run()).toBe(true);
    const losses = events
      .filter((e) => e.type === 'iteration')
      .map((e) => (e.type === 'iteration' ? e.loss : 0));
    expect(losses).toHaveLength(60);
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 0.2);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs).toHaveLength(3);
    // poly learning rate, stepped per epoch
    expect(tuner.log.lrs).toEqual(
      [0.01, 0.01 * (2 / 3) ** 0.9, 0.01 * (1 / 3) ** 0.9].map((v) => expect.closeTo(v, 12)),
    );
    expect(tuner.log.ema_fg_dice).toHaveLength(3);
    const after = await validateCases(net, cases, [8, 8, 8]);
    console.info(
      `loss ${mean(losses.slice(0, 10)).toFixed(3)} → ${mean(losses.slice(-10)).toFixed(3)}, Dice ${before.foregroundMean.toFixed(3)} → ${after.foregroundMean.toFixed(3)}`,
    );
    expect(after.foregroundMean).toBeGreaterThan(before.foregroundMean + 0.2);
    expect(events.map((e) => (e.type === 'state' ? e.state : null)).filter(Boolean)).toEqual([
      'running',
      'done',
    ]);
  });

  it('freezing the encoder leaves its weights untouched; pause and cancel stop the loop', async () => {
    const be = new CpuBackend();
    const net = new UNet(be, tinySpec());
    heInit(net, 3);
    const cases = [syntheticCase('a', [16, 16, 16], 4)];
    const enc = net.params.find((p) => p.part === 'encoder')!;
    const dec = net.params.find((p) => p.name === 'decoder.seg_layers.1.weight')!;
    const enc0 = await be.read(enc.value);
    const dec0 = await be.read(dec.value);
    const tuner = new FineTuner(net, cases, [], {
      ...defaultFineTuneOptions([8, 8, 8], 2),
      iterationsPerEpoch: 4,
      epochs: 5,
      valIterations: 0,
      freezeEncoder: true,
    });
    tuner.on((e) => {
      if (e.type === 'iteration' && e.step === 2) tuner.pause();
    });
    const running = tuner.run();
    await new Promise((r) => setTimeout(r, 50));
    expect(tuner.epoch).toBe(0);
    tuner.cancel();
    expect(await running).toBe(false);
    expect(await be.read(enc.value)).toEqual(enc0);
    expect(await be.read(dec.value)).not.toEqual(dec0);
    expect(enc.momentumInit).toBe(false);
  });
});
