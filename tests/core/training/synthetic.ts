import { Rng } from '../../../src/core/engine/random';
import type { NetworkSpec } from '../../../src/core/model/architecture';
import { classesToSample, sampleClassLocations } from '../../../src/core/preprocessing/class-locations';
import type { TrainingCase } from '../../../src/core/training/training-case';

/** A small 3-D PlainConvUNet (3 stages) for training tests. */
export function tinySpec(overrides: Partial<NetworkSpec> = {}): NetworkSpec {
  return {
    networkClass: 'PlainConvUNet',
    dim: 3,
    inputChannels: 1,
    numClasses: 3,
    outputActivation: 'softmax',
    nStages: 3,
    featuresPerStage: [4, 8, 8],
    kernelSizes: [
      [3, 3, 3],
      [3, 3, 3],
      [3, 3, 3],
    ],
    strides: [
      [1, 1, 1],
      [2, 2, 2],
      [2, 2, 2],
    ],
    nPerStageEncoder: [1, 1, 1],
    nConvPerStageDecoder: [1, 1],
    convBias: true,
    norm: { op: 'InstanceNorm', eps: 1e-5, affine: true, trackRunningStats: false },
    dropout: false,
    nonlin: { op: 'LeakyReLU', negativeSlope: 0.01 },
    nonlinFirst: false,
    stemChannels: null,
    deepSupervision: true,
    patchSize: [8, 8, 8],
    ...overrides,
  };
}

/**
 * A case with two classes the network can learn from intensity: a bright sphere (1) and a dark box (2)
 * in noise, −1 on a border slab outside the "body".
 */
export function syntheticCase(id: string, shape: [number, number, number], seed: number): TrainingCase {
  const rng = new Rng(seed);
  const [D, H, W] = shape;
  const n = D * H * W;
  const data = new Float32Array(n);
  const seg = new Int16Array(n);
  const c = [rng.uniform(0.3, 0.7) * D, rng.uniform(0.3, 0.7) * H, rng.uniform(0.3, 0.7) * W];
  const r = Math.min(D, H, W) * 0.25;
  const box = [rng.int(D - 4), rng.int(H - 4), rng.int(W - 4)];
  let i = 0;
  for (let z = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        let label = 0;
        if ((z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2 < r * r) label = 1;
        else if (
          z >= box[0] &&
          z < box[0] + 4 &&
          y >= box[1] &&
          y < box[1] + 4 &&
          x >= box[2] &&
          x < box[2] + 4
        )
          label = 2;
        seg[i] = x === 0 ? -1 : label;
        data[i] = (label === 1 ? 1.5 : label === 2 ? -1.5 : 0) + 0.3 * rng.normal();
      }
  const classLocations = sampleClassLocations(seg, shape, classesToSample({ background: 0, a: 1, b: 2 }), {
    seed,
  });
  return { id, data: [data], seg, shape, classLocations };
}
