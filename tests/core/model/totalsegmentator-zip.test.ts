import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { ByteSource } from '../../../src/core/io/archive/byte-source';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { writeZip } from '../../../src/core/io/archive/zip-writer';
import { PickleDict } from '../../../src/core/io/torch/pickle-writer';
import { openTorchFile } from '../../../src/core/io/torch/torch-checkpoint';
import { TorchTensorOut, tensorPickle, torchSave } from '../../../src/core/io/torch/torch-checkpoint-writer';
import type { TensorRef } from '../../../src/core/io/torch/torch-tensor';
import { fileSetFromZip } from '../../../src/core/model/bundle/file-set';
import { exportFold, nnunetModelInfo } from '../../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';
import { readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import { REFERENCE } from '../../helpers/shared';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);
const TS_ROOT =
  'Dataset297_TotalSegmentator_total_3mm_1559subj_v204/nnUNetTrainer_4000epochs_NoMirroring__nnUNetPlans__3d_fullres_tiny';

/** A byte source that counts what is read from it. */
function counting(bytes: Uint8Array, name: string): ByteSource & { readBytes: () => number } {
  const inner = bytesSource(bytes, name);
  let total = 0;
  return {
    name,
    size: inner.size,
    read(offset, length) {
      total += length;
      return inner.read(offset, length);
    },
    readBytes: () => total,
  };
}

/**
 * The tiny model's weights re-saved as TotalSegmentator's released checkpoints are: trainer
 * nnUNetTrainer_4000epochs_NoMirroring (inference_allowed_mirroring_axes None), SGD momentum buffers
 * for every parameter (the file is about twice the weights) and a training log.
 */
async function totalSegmentatorCheckpoint(): Promise<Uint8Array> {
  const src = new Uint8Array(fs.readFileSync(path.join(TINY, 'fold_0/checkpoint_final.pth')));
  const ckpt = await readNnunetCheckpoint(bytesSource(src, 'checkpoint_final.pth'));
  const torch = await openTorchFile(bytesSource(src, 'checkpoint_final.pth'));
  const root = torch.root as Map<unknown, unknown>;
  const tensors: TorchTensorOut[] = [];
  const weights: [string, unknown][] = [];
  const state: [number, unknown][] = [];
  let i = 0;
  for (const [key, ref] of ckpt.weights) {
    const t = await torch.loadTensor(ref as TensorRef);
    const w = new TorchTensorOut(`w${i}`, Float32Array.from(t.data as Float32Array), t.shape);
    const m = new TorchTensorOut(
      `m${i}`,
      w.data.map((v) => v * 0.01),
      t.shape,
    );
    tensors.push(w, m);
    weights.push([key, tensorPickle(w)]);
    state.push([i, { momentum_buffer: tensorPickle(m) }]);
    i++;
  }
  const initArgs = root.get('init_args') as Map<string, unknown>;
  return torchSave({
    archiveName: 'checkpoint_final',
    tensors,
    root: {
      network_weights: new PickleDict(weights as never),
      optimizer_state: { state: new PickleDict(state as never), param_groups: [{ lr: 0.01 }] },
      logging: { train_losses: [1, 0.5] },
      current_epoch: 4000,
      init_args: {
        configuration: initArgs.get('configuration') as string,
        fold: 0,
      },
      trainer_name: 'nnUNetTrainer_4000epochs_NoMirroring',
      inference_allowed_mirroring_axes: null,
    },
  });
}

describe("TotalSegmentator's weights zip", () => {
  it('imports as it is: its layout, trainer, no mirroring, and the momentum buffers never read', async () => {
    const checkpoint = await totalSegmentatorCheckpoint();
    const text = (f: string) => new Uint8Array(fs.readFileSync(path.join(TINY, f)));
    const zip = writeZip([
      { name: `${TS_ROOT}/plans.json`, data: text('plans.json') },
      { name: `${TS_ROOT}/dataset.json`, data: text('dataset.json') },
      { name: `${TS_ROOT}/fold_0/checkpoint_final.pth`, data: checkpoint },
    ]);
    const source = counting(zip, 'Dataset297_TotalSegmentator_total_3mm_1559subj_v204.zip');
    const bundle = await openModelBundle(await fileSetFromZip(source));
    expect(bundle.kind).toBe('nnunet');
    if (bundle.kind !== 'nnunet') return;
    const info = nnunetModelInfo(bundle.model);
    expect(info.trainer).toBe('nnUNetTrainer_4000epochs_NoMirroring');
    expect(info.configuration).toBe('3d_fullres_tiny');
    expect(info.folds).toEqual(['0']);
    expect(info.mirroring_axes).toBeNull();
    // the network exports (weights read) without touching the optimizer's half of the file
    const onnx = await exportFold(bundle.model, '0');
    expect(onnx.length).toBeGreaterThan(info.parameter_count * 4);
    const weightBytes = info.parameter_count * 4;
    expect(checkpoint.length).toBeGreaterThan(2 * weightBytes);
    expect(source.readBytes()).toBeLessThan(weightBytes * 1.3);
    // and the same ONNX as the plain results folder gives
    const plain = await openModelBundle(
      await fileSetFromZip(
        bytesSource(
          writeZip([
            { name: 'r/plans.json', data: text('plans.json') },
            { name: 'r/dataset.json', data: text('dataset.json') },
            { name: 'r/fold_0/checkpoint_final.pth', data: text('fold_0/checkpoint_final.pth') },
          ]),
          'r.zip',
        ),
      ),
    );
    if (plain.kind !== 'nnunet') throw new Error('not nnunet');
    // the same network: equal outputs on one tile
    const patch = info.patch_size;
    const n = patch.reduce((a, b) => a * b, 1);
    const tile = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));
    const outputOf = async (model: Uint8Array) => {
      const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
      const r = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', tile, [1, 1, ...patch]) });
      const data = r[s.outputNames[0]].data as Float32Array;
      await s.release();
      return data;
    };
    const a = await outputOf(onnx);
    const b = await outputOf(await exportFold(plain.model, '0'));
    expect(a.length).toBe(b.length);
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    expect(diff).toBe(0);
  });
});
