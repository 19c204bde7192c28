/**
 * Child-process half of onnx-webgpu.test.ts: Vulkan (SwiftShader) must be on LD_LIBRARY_PATH when the
 * process starts, so the test runs this file in a fresh Node with the env set. For each model it exports
 * ONNX at a tiny spatial size, runs onnxruntime-node's WebGPU EP with `disable_cpu_ep_fallback` (session
 * creation fails if any node would land on the CPU) and the CPU EP, and prints one JSON line of results.
 */
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { exportCheckpointToOnnx } from '../../../src/core/model/export-onnx';
import { networkSpecFromPlans } from '../../../src/core/model/network-spec';
import { readNnunetCheckpoint } from '../../../src/core/model/nnunet-checkpoint';
import { GraphBuilder } from '../../../src/core/model/onnx/graph-builder';
import { DataType, encodeModel } from '../../../src/core/model/onnx/onnx-proto';
import { REFERENCE } from '../../helpers/shared';
import { modelFixtures, readJson } from './fixtures';

const NO_FALLBACK = { executionProviders: ['webgpu'], extra: { session: { disable_cpu_ep_fallback: '1' } } };

async function compare(name: string, onnx: Uint8Array, shape: number[]) {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n).map((_, i) => Math.sin(0.37 * i) * 2);
  const feeds = { input: new ort.Tensor('float32', x, shape) };
  const cpu = (await (await ort.InferenceSession.create(onnx)).run(feeds)).logits.data as Float32Array;
  const gpu = (await (await ort.InferenceSession.create(onnx, NO_FALLBACK)).run(feeds)).logits
    .data as Float32Array;
  let d = 0;
  for (let i = 0; i < cpu.length; i++) d = Math.max(d, Math.abs(cpu[i] - gpu[i]));
  return { name, maxAbsDiff: d, outputs: cpu.length };
}

async function main() {
  const results: unknown[] = [];
  const tiny = path.join(
    REFERENCE,
    'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
  );
  const models = [
    {
      name: 'shared 3d_fullres_tiny',
      dir: tiny,
      configuration: '3d_fullres_tiny',
      fold: '0',
      checkpoint: 'checkpoint_final.pth',
      spatial: [8, 16, 16],
    },
    ...modelFixtures().map((f) => {
      const [fold, info] = Object.entries(f.summary.folds)[0];
      return {
        name: f.name,
        dir: f.dir,
        configuration: f.configuration,
        fold,
        checkpoint: info.checkpoint,
        spatial: undefined,
      };
    }),
  ];
  for (const m of models) {
    const ckpt = await readNnunetCheckpoint(
      bytesSource(
        new Uint8Array(fs.readFileSync(path.join(m.dir, `fold_${m.fold}`, m.checkpoint))),
        m.checkpoint,
      ),
    );
    const spec = networkSpecFromPlans(
      readJson(path.join(m.dir, 'plans.json')),
      m.configuration,
      readJson(path.join(m.dir, 'dataset.json')),
    );
    const spatial = m.spatial ?? spec.patchSize;
    for (const instanceNorm of ['precise', 'fused'] as const) {
      const onnx = await exportCheckpointToOnnx(ckpt, spec, { spatialShape: spatial, instanceNorm });
      results.push(
        await compare(`${m.name} (${instanceNorm} IN)`, onnx, [1, spec.inputChannels, ...spatial]),
      );
    }
  }
  // Control: an op without a WebGPU kernel must make session creation fail (the check can fail).
  const g = new GraphBuilder('fp32');
  g.node('Round', ['input'], 'round', undefined, 'logits');
  const control = encodeModel({
    graphName: 'control',
    nodes: g.nodes,
    initializers: [],
    opset: 17,
    producerName: 't',
    producerVersion: '0',
    inputs: [{ name: 'input', elemType: DataType.FLOAT, shape: [1, 4] }],
    outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: [1, 4] }],
  });
  let controlError = '';
  try {
    await ort.InferenceSession.create(control, NO_FALLBACK);
  } catch (e) {
    controlError = String((e as Error).message ?? e);
  }
  process.stdout.write(`${JSON.stringify({ results, controlError })}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stdout.write(`${JSON.stringify({ error: String(e?.stack ?? e) })}\n`);
    process.exit(1);
  },
);
