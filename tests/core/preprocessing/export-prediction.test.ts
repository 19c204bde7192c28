import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readVolume } from '../../../src/core/io/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import { exportResampleSpec, logitsToSegmentation } from '../../../src/core/preprocessing/export-prediction';
import { roundToHalf } from '../../../src/core/preprocessing/float16';
import { readPreprocessingPlans } from '../../../src/core/preprocessing/plans-view';
import { preprocessCase } from '../../../src/core/preprocessing/preprocess-case';
import { clipBounds, wholeSlab } from '../../../src/core/preprocessing/resample-data';
import { resampleLinearExact } from '../../../src/core/preprocessing/resample-linear-exact';
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
    const seg = logitsToSegmentation(channels, shape, props, plans);
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
