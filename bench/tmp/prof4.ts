import * as ort from 'onnxruntime-node';
import { openFileSet } from '../../src/cli/node-file-set';
import { exportFold } from '../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../src/core/model/bundle/open-bundle';

const M = '/work/shared/reference/models/Dataset297_TSStandIn/nnUNetTrainer__nnUNetPlans__3d_fullres';
const b = await openModelBundle(await openFileSet(M));
if (b.kind !== 'nnunet') throw 0;
const x = new Float32Array(112 * 112 * 128).map((_, i) => Math.sin(i * 0.001) * 2);
const outs: Float32Array[] = [];
for (const concat of (process.argv[2] ?? 'op,split-conv').split(',')) {
  const onnx = await exportFold(b.model, '0', {
    segmentationHead: 'separate',
    transposedConv: 'native',
    concat: concat as any,
  });
  const s = await ort.InferenceSession.create(onnx, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    enableCpuMemArena: false,
  });
  for (let r = 0; r < 2; r++) {
    const a = performance.now();
    const res = await s.run({ input: new ort.Tensor('float32', x, [1, 1, 112, 112, 128]) });
    const out = res[s.outputNames[0]];
    if (r === 0) outs.push((out.data as Float32Array).slice());
    console.log(
      concat,
      ((performance.now() - a) / 1000).toFixed(2),
      's',
      'rss',
      (process.memoryUsage().rss / 1e9).toFixed(2),
    );
    out.dispose();
  }
  await s.release();
}
if (outs.length === 2) {
  let m = 0;
  for (let i = 0; i < outs[0].length; i++) m = Math.max(m, Math.abs(outs[0][i] - outs[1][i]));
  console.log('max |d| features', m);
}
