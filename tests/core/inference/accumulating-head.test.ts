import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import { sliceLabels } from '../../../src/core/inference/export/slice-labels';
import {
  createAccumulatingHead,
  createLabelsHead,
  createOnnxNetwork,
  type OrtLike,
} from '../../../src/core/inference/onnx-network';
import { exportFoldSegmentationHead } from '../../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';
import { featureChannels } from '../../../src/core/model/onnx/emit-network';
import { floatToHalfBits, HALF_VALUES } from '../../../src/core/pycompat/float16';
import { FIXTURES } from '../../helpers/fixtures';
import { ortWasm } from '../../helpers/ort';

/**
 * The segmentation layer fused with nnU-Net's float16 accumulation (emitAccumulatingHead) against the
 * plain head and the JavaScript arithmetic of CpuTileAccumulator: half(float(sum) + float32(logit × g)),
 * bit for bit, on sums and Gaussian weights that reach float16's subnormals and its overflow.
 */
const MODEL = path.join(
  FIXTURES,
  'inference/ct3d_folds/Dataset910_SynthCT/nnUNetTrainer__nnUNetPlans__3d_fullres',
);

/** The fixture model, its feature channels and classes, and a seeded generator. */
async function fixture(seed: number) {
  const bundle = await openModelBundle(await openFileSet(MODEL));
  if (bundle.kind !== 'nnunet') throw new Error('expected an nnU-Net model');
  const model = bundle.model;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  return { model, C: featureChannels(model.spec), K: model.spec.numClasses, rand };
}

for (const [name, ort, backend] of [
  ['onnxruntime-node', ortNode as unknown as OrtLike, 'cpu'],
  ['wasm', ortWasm, 'wasm'],
] as const) {
  describe(`accumulating head on ${name}`, () => {
    it('adds logit × Gaussian into float16 sums exactly as the CPU accumulator', async () => {
      const { model, C, K, rand } = await fixture(11);
      const [y, x] = [13, 17];
      const plane = y * x;
      const features = Float32Array.from({ length: C * plane }, () => (rand() - 0.5) * 8);
      const sums = Uint16Array.from({ length: K * plane }, (_, i) =>
        floatToHalfBits(
          i % 11 === 0 ? 0 : i % 7 === 0 ? (rand() - 0.5) * 1e-6 : i % 13 === 0 ? 65000 : (rand() - 0.5) * 40,
        ),
      );
      const gaussian = Float32Array.from(
        { length: plane },
        (_, p) => HALF_VALUES[floatToHalfBits(p % 5 === 0 ? rand() * 1e-5 : rand() * 10)],
      );
      const head = await createOnnxNetwork(ort, await exportFoldSegmentationHead(model, '0'), backend);
      const fused = await createAccumulatingHead(
        ort,
        await exportFoldSegmentationHead(model, '0', 'accumulating'),
        backend,
      );
      try {
        const logits = await head.run(features, [1, C, 1, y, x]);
        const got = await fused.run(features, sums, gaussian, [y, x]);
        let mismatches = 0;
        let subnormal = 0;
        for (let k = 0; k < K; k++)
          for (let p = 0; p < plane; p++) {
            const i = k * plane + p;
            const want = floatToHalfBits(
              Math.fround(HALF_VALUES[sums[i]] + Math.fround(logits[i] * gaussian[p])),
            );
            if (got[i] !== want) mismatches++;
            if ((want & 0x7c00) === 0 && (want & 0x3ff) !== 0) subnormal++;
          }
        expect(mismatches).toBe(0);
        expect(subnormal).toBeGreaterThan(0); // the data reaches float16's subnormals
      } finally {
        await head.release();
        await fused.release();
      }
    });

    it('labels of a slice one tile covers alone: the argmax of the accumulated sums divided by the Gaussian', async () => {
      const { model, C, K, rand } = await fixture(5);
      const [y, x] = [19, 23];
      const plane = y * x;
      // small features (close logits: float16 ties after the products and the quotients), huge ones
      // (±∞ sums: ties between classes), zeros; Gaussian weights down to float16's subnormals
      const features = Float32Array.from({ length: C * plane }, (_, i) => {
        const p = i % plane;
        return p % 9 === 0 ? (rand() - 0.5) * 1e7 : p % 10 === 0 ? 0 : (rand() - 0.5) * 2 ** -(p % 12);
      });
      const gaussian = Float32Array.from(
        { length: plane },
        (_, p) => HALF_VALUES[floatToHalfBits(p % 5 === 0 ? rand() * 1e-5 + 6e-8 : rand() * 10 + 1e-3)],
      );
      const fused = await createAccumulatingHead(
        ort,
        await exportFoldSegmentationHead(model, '0', 'accumulating'),
        backend,
      );
      const labelsHead = await createLabelsHead(
        ort,
        await exportFoldSegmentationHead(model, '0', 'labels'),
        backend,
      );
      try {
        // the path it replaces: sums from zero, then nnU-Net's division and first-maximum argmax
        const sums = await fused.run(features, new Uint16Array(K * plane), gaussian, [y, x]);
        const weight = Uint16Array.from(gaussian, (g) => floatToHalfBits(g));
        const crop = { K, padded: [1, y, x], padBelow: [0, 0, 0], Y: y, X: x };
        const want = sliceLabels({ half: true, logits: [sums], weight }, crop, K - 1);
        const got = await labelsHead.run(features, gaussian, [y, x]);
        expect(Array.from(got)).toEqual(Array.from(want));
        expect(new Set(got).size).toBe(K); // every class wins somewhere
        // the data holds ties the first maximum decides: equal float16 sums in two classes
        let ties = 0;
        for (let p = 0; p < plane; p++)
          for (let k = 1; k < K; k++) if (sums[k * plane + p] === sums[p] && got[p] === 0) ties++;
        expect(ties).toBeGreaterThan(0);
      } finally {
        await fused.release();
        await labelsHead.release();
      }
    });
  });
}
