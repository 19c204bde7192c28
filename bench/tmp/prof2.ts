import * as ort from 'onnxruntime-node';
import { openFileSet } from '../../src/cli/node-file-set';
import { exportFold } from '../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../src/core/model/bundle/open-bundle';

const M = '/work/shared/reference/models/Dataset297_TSStandIn/nnUNetTrainer__nnUNetPlans__3d_fullres';
const [head, tc, arena] = process.argv.slice(2);
const b = await openModelBundle(await openFileSet(M));
if (b.kind !== 'nnunet') throw 0;
const onnx = await exportFold(b.model, '0', { segmentationHead: head as any, transposedConv: tc as any });
const s = await ort.InferenceSession.create(onnx, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 2,
  enableCpuMemArena: arena !== 'noarena',
});
const x = new Float32Array(112 * 112 * 128).map(() => Math.random());
for (let i = 0; i < 3; i++) {
  const a = performance.now();
  const r = await s.run({ input: new ort.Tensor('float32', x, [1, 1, 112, 112, 128]) });
  const out = r[s.outputNames[0]];
  console.log(
    'run',
    ((performance.now() - a) / 1000).toFixed(2),
    's',
    out.dims.join('x'),
    'rss',
    (process.memoryUsage().rss / 1e9).toFixed(2),
  );
  out.dispose();
}
