import { computeGaussian } from '../../src/core/inference/sliding-window';
import { CpuTileAccumulator } from '../../src/core/inference/tile-accumulator';

const K = 118,
  patch: [number, number, number] = [112, 112, 128];
const g = computeGaussian(patch);
const acc = new CpuTileAccumulator({
  K,
  patch,
  padded: [122, 112, 128],
  folds: 1,
  gaussian: g,
  outShape: [1, K, ...patch],
});
const pred = new Float32Array(K * 112 * 112 * 128).map((_, i) => Math.sin(i) * 10);
for (let r = 0; r < 3; r++) {
  let t = performance.now();
  acc.addEvaluation(pred, [], true);
  acc.commitTile(0, [r * 5, 0, 0], 1);
  console.log('commit', (performance.now() - t) / 1000);
  t = performance.now();
  acc.addWeights([r * 5, 0, 0]);
  console.log('weights', (performance.now() - t) / 1000);
}
