import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import type { HandlerContext } from '../../../src/core/parallel/rpc';
import type { TrainerEvent } from '../../../src/core/training/fine-tuner';
import { type PrepareSummary, trainerHandlers } from '../../../src/core/training/trainer-service';
import { REFERENCE } from '../../helpers/shared';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const RAW = path.join(REFERENCE, 'raw/Dataset001_TSAbdomenCT');

function modelFiles() {
  const files: { path: string; file: Uint8Array }[] = [];
  for (const rel of ['plans.json', 'dataset.json', 'dataset_fingerprint.json', 'fold_0/checkpoint_final.pth'])
    files.push({ path: rel, file: new Uint8Array(fs.readFileSync(path.join(TINY, rel))) });
  return { name: 'nnUNetTrainer__nnUNetPlans__3d_fullres_tiny', files };
}

async function volume(rel: string) {
  return readVolume(new Uint8Array(fs.readFileSync(path.join(RAW, rel))), path.basename(rel));
}

const ctx = (events: unknown[]): HandlerContext => ({
  signal: new AbortController().signal,
  progress: () => {},
  emit: (event) => events.push({ event }),
});

describe('trainer worker calls', () => {
  afterAll(() => trainerHandlers['train.dispose'](undefined, ctx([])));

  it('prepare → step → run → export gives a checkpoint the reader accepts', async () => {
    const cases = [];
    for (const id of ['tsct_000', 'tsct_002'])
      cases.push({
        id,
        images: [await volume(`imagesTr/${id}_0000.nii.gz`)],
        label: await volume(`labelsTr/${id}.nii.gz`),
      });
    const summary = (await trainerHandlers['train.prepare'](
      {
        model: modelFiles(),
        cases,
        backend: 'cpu',
        options: { patchSize: [8, 16, 16], batchSize: 1, iterationsPerEpoch: 2, epochs: 1, valIterations: 1 },
      },
      ctx([]),
    )) as PrepareSummary;
    expect(summary).toMatchObject({ backend: 'cpu', fold: 'all', totalSteps: 2, patchSize: [8, 16, 16] });
    expect(summary.memory.peakBytes).toBeGreaterThan(0);
    const one = (await trainerHandlers['train.step'](undefined, ctx([]))) as {
      iteration: TrainerEvent;
      epoch: unknown;
    };
    expect(one.iteration.type).toBe('iteration');
    expect(one.epoch).toBeNull();
    const events: Array<{ event?: { type: string } }> = [];
    const r = await trainerHandlers['train.run'](undefined, ctx(events));
    expect(r).toEqual({ completed: true, epochs: 1 });
    expect(events.map((e) => e.event?.type)).toEqual(['state', 'iteration', 'epoch', 'state']);
    const out = await trainerHandlers['train.export']({}, ctx([]));
    const value = (out as { value: { checkpoint: Uint8Array; onnx: Uint8Array } }).value;
    expect(value.onnx.length).toBeGreaterThan(100_000);
    const ck = await readNnunetCheckpoint(bytesSource(value.checkpoint, 'checkpoint_final.pth'));
    expect(ck.currentEpoch).toBe(1);
    expect(ck.configuration).toBe('3d_fullres_tiny');
    expect(ck.fold).toBe('all');
  });
});
