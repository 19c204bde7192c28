import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { openFileSet } from '../../src/cli/node-file-set';
import { exportFold } from '../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../src/core/model/bundle/open-bundle';

const M = '/work/shared/reference/models/Dataset297_TSStandIn/nnUNetTrainer__nnUNetPlans__3d_fullres';
const variant = process.argv[2] ?? 'precise';
const t0 = performance.now();
const b = await openModelBundle(await openFileSet(M));
if (b.kind !== 'nnunet') throw 0;
const t1 = performance.now();
const onnx = await exportFold(b.model, '0', { transposedConv: variant as any });
const t2 = performance.now();
fs.writeFileSync('/tmp/ts.onnx', onnx);
const s = await ort.InferenceSession.create(onnx, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 2,
  enableCpuMemArena: process.argv[3] !== 'noarena',
  enableProfiling: process.argv[4] === 'prof',
  profileFilePrefix: '/tmp/ortprof',
});
const t3 = performance.now();
const x = new Float32Array(112 * 112 * 128).map(() => Math.random());
for (let i = 0; i < 2; i++) {
  const a = performance.now();
  const r = await s.run({ input: new ort.Tensor('float32', x, [1, 1, 112, 112, 128]) });
  console.log(
    'run',
    ((performance.now() - a) / 1000).toFixed(2),
    's',
    'rss',
    (process.memoryUsage().rss / 1e9).toFixed(2),
  );
  r.logits.dispose?.();
}
if (process.argv[4] === 'prof') console.log(s.endProfiling());
console.log({ open: (t1 - t0) / 1000, export: (t2 - t1) / 1000, create: (t3 - t2) / 1000 });
