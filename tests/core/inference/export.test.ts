import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  exportResampleSpec,
  uncropAndTransposeBack,
} from '../../../src/core/inference/export/export-geometry';
import { logitsToLabelsSlab } from '../../../src/core/inference/export/labels-slab';
import { exportLogits } from '../../../src/core/inference/export/streaming-export';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import { type PreprocessingPlans, readPreprocessingPlans } from '../../../src/core/preprocessing/plans-view';
import { preprocessCase } from '../../../src/core/preprocessing/preprocess-case';
import { inversePermutation } from '../../../src/core/preprocessing/transpose';
import { roundToHalf } from '../../../src/core/pycompat/float16';
import { clipBounds, wholeSlab } from '../../../src/core/resampling/resample-data';
import { resampleLinearExact } from '../../../src/core/resampling/resample-linear-exact';
import type { ResampleSpec } from '../../../src/core/resampling/resample-plan';
import { fixtureJson, fixtureNpy } from '../../helpers/fixtures';
import { referenceNpy, sharedBytes, sharedJson } from '../../helpers/shared';

const MODEL = 'reference/models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny';
const INF = 'reference/inference';

interface Summary {
  ctpitch_nomirror: {
    data_properties: {
      spacing: number[];
      shape_before_cropping: Shape3;
      bbox_used_for_cropping: [[number, number], [number, number], [number, number]];
      shape_after_cropping_and_before_resampling: Shape3;
    };
    preprocessed_shape: number[];
    logits_shape: number[];
    seg_sha256_zyx_uint8: string;
  };
}

describe('the predictor around the network on niivue_CT_pitch (3d_fullres_tiny)', () => {
  const plans = readPreprocessingPlans(sharedJson(`${MODEL}/plans.json`), '3d_fullres_tiny');
  const summary = sharedJson<Summary>(`${INF}/prediction_summary.json`).ctpitch_nomirror;

  it('preprocesses the image as nnU-Net (cubic down-sampling, CT normalization)', async () => {
    const v = await readVolume(
      sharedBytes('data/volumes/ct/niivue_CT_pitch.nii.gz'),
      'niivue_CT_pitch.nii.gz',
    );
    const r = preprocessCase({ channels: [v.data], shape: zyxShape(v), spacing: zyxSpacing(v) }, plans);
    expect(r.properties).toEqual({ ...summary.data_properties, spacing: zyxSpacing(v) });
    const ref = await referenceNpy(`${INF}/ctpitch_preprocessed.npy`);
    expect([1, ...r.shape]).toEqual(ref.shape);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let maxDiff = 0;
    for (let i = 0; i < ref.data.length; i++) {
      lo = Math.min(lo, ref.data[i]);
      hi = Math.max(hi, ref.data[i]);
      maxDiff = Math.max(maxDiff, Math.abs(r.data[0][i] - ref.data[i]));
    }
    expect(maxDiff / (hi - lo)).toBeLessThan(1e-6);
  });

  it('resamples fp16 logits back, argmaxes and writes the source grid', async () => {
    const logits = await referenceNpy(`${INF}/ctpitch_nomirror_logits_fp16.npy.gz`);
    expect(logits.dtype).toBe('<f2');
    const shape = logits.shape.slice(1) as Shape3;
    const n = shape[0] * shape[1] * shape[2];
    const channels = Array.from({ length: logits.shape[0] }, (_, c) =>
      (logits.data as Float32Array).slice(c * n, (c + 1) * n),
    );
    const props = summary.data_properties;
    const seg = await exportLogits(channels, shape, props, plans);
    expect(seg.shape).toEqual(props.shape_before_cropping);
    expect(seg.labels).toBeInstanceOf(Uint8Array);
    expect(createHash('sha256').update(seg.labels).digest('hex')).toBe(summary.seg_sha256_zyx_uint8);

    // nnU-Net's probabilities: softmax (float32) of the resampled float16 logits, at 5000 seeded voxels
    const spec = exportResampleSpec(shape, props, plans)!;
    expect(spec.axis).toBeNull();
    const bounds = channels.map((c) => clipBounds(c, spec));
    const resampled = channels.map((c, k) =>
      resampleLinearExact(c, spec, wholeSlab(spec), bounds[k], roundToHalf),
    );
    const zyx = await referenceNpy(`${INF}/ctpitch_nomirror_probabilities_zyx_samples_zyx.npy`);
    const probs = await referenceNpy(`${INF}/ctpitch_nomirror_probabilities_zyx_samples_values.npy`);
    const [, oy, ox] = props.shape_after_cropping_and_before_resampling;
    let maxDiff = 0;
    for (let s = 0; s < zyx.shape[0]; s++) {
      const i = (zyx.data[3 * s] * oy + zyx.data[3 * s + 1]) * ox + zyx.data[3 * s + 2];
      const x = resampled.map((r) => r[i]);
      const m = Math.max(...x);
      const e = x.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => {
        maxDiff = Math.max(maxDiff, Math.abs(v / sum - probs.data[s * 5 + c]));
      });
    }
    // the same float16 logits; only torch's float32 softmax against this float64 one differs
    expect(maxDiff).toBeLessThan(5e-7);
  });
});

interface ExportCase {
  name: string;
  target: Shape3;
  axis: 0 | 1 | 2 | null;
  transpose_forward: [number, number, number];
  shape_before_cropping: Shape3;
  bbox: [[number, number], [number, number], [number, number]];
}

describe('export fixtures: float16 ties, separate-z, transposes (scripts/fixtures/preprocessing.py)', () => {
  for (const c of fixtureJson<ExportCase[]>('preprocessing/export.json')) {
    it(c.name, () => {
      const logits = fixtureNpy(`preprocessing/${c.name}_logits.npy`);
      const ref = fixtureNpy(`preprocessing/${c.name}_seg.npy`);
      const shape = logits.shape.slice(1) as Shape3;
      const n = shape[0] * shape[1] * shape[2];
      const channels = [0, 1, 2].map((k) => (logits.data as Float32Array).slice(k * n, (k + 1) * n));
      const spec: ResampleSpec = {
        inShape: shape,
        outShape: c.target,
        isSeg: false,
        order: 1,
        orderZ: 0,
        axis: c.axis,
      };
      const bounds = channels.map((ch) => clipBounds(ch, spec));
      const cropped = logitsToLabelsSlab(channels, spec, wholeSlab(spec), bounds);
      const tf = c.transpose_forward;
      const plans = { transposeForward: tf, transposeBackward: inversePermutation(tf) } as PreprocessingPlans;
      const geometry = {
        spacing: [1, 1, 1],
        shape_before_cropping: c.shape_before_cropping,
        bbox_used_for_cropping: c.bbox,
        shape_after_cropping_and_before_resampling: c.target,
      };
      const r = uncropAndTransposeBack(cropped, geometry, plans);
      expect(r.shape).toEqual(ref.shape);
      let mismatches = 0;
      for (let i = 0; i < ref.data.length; i++) if (r.labels[i] !== ref.data[i]) mismatches++;
      expect(mismatches).toBe(0);
    });
  }

  it('rounds to float16 as NumPy casts float64 (one rounding, ties to even)', () => {
    expect(roundToHalf(1 + 2 ** -11)).toBe(1); // a tie: to even
    expect(roundToHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToHalf(1 + 2 ** -11 + 2 ** -40)).toBe(1 + 2 ** -10); // just above the tie (lost in float32)
    expect(roundToHalf(65519)).toBe(65504);
    expect(roundToHalf(65520)).toBe(Number.POSITIVE_INFINITY);
    expect(roundToHalf(2 ** -25)).toBe(0);
    expect(roundToHalf(3 * 2 ** -25)).toBe(2 ** -23);
    expect(roundToHalf(-0.1)).toBe(-0.0999755859375);
  });
});
