import { estimatePredictionMemory } from '../../src/core/inference/estimate-memory';

const input = {
  shape: [224, 388, 469],
  spacing: [1.5, 0.78, 0.78],
  bytesPerVoxel: 2,
  channels: 1,
  config: { spacing: [3, 3, 3], patch_size: [112, 112, 128], transpose_forward: [0, 1, 2] },
  classes: 118,
  parameters: 16_600_000,
  featuresPerStage: [32, 64, 128, 256, 320],
  folds: 1,
  tta: false,
  tileStepSize: 0.5,
  exportSlabs: 2,
};
for (const separateHead of [false, true]) {
  const m = estimatePredictionMemory({ ...input, separateHead });
  console.log(
    separateHead,
    (m.bytes / 1e9).toFixed(2),
    Object.fromEntries(Object.entries(m.parts).map(([k, v]) => [k, (v / 1e9).toFixed(2)])),
  );
}
