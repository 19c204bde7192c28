import { MessageChannel } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { exportLogits } from '../../../src/core/inference/export/streaming-export';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxShape, zyxSpacing } from '../../../src/core/io/volume/volume';
import { nodeEndpoint } from '../../../src/core/parallel/endpoints';
import { WorkerPool } from '../../../src/core/parallel/pool';
import { serve } from '../../../src/core/parallel/rpc';
import type { LabelDict } from '../../../src/core/preprocessing/class-locations';
import type { Shape3 } from '../../../src/core/preprocessing/crop';
import { readPreprocessingPlans } from '../../../src/core/preprocessing/plans-view';
import {
  preprocessDataset,
  resampleInSlabs,
  splitRows,
} from '../../../src/core/preprocessing/pool-preprocess';
import { cropAndNormalize, preprocessCase } from '../../../src/core/preprocessing/preprocess-case';
import { preprocessHandlers } from '../../../src/core/preprocessing/worker-handlers';
import { resampleData } from '../../../src/core/resampling/resample-data';
import { planResample } from '../../../src/core/resampling/resample-plan';
import { resampleSeg } from '../../../src/core/resampling/resample-seg';
import { sharedBytes, sharedJson } from '../../helpers/shared';

const RAW = 'reference/raw/Dataset001_TSAbdomenCT';

/** Count of differing elements (vitest's deep equality is slow on big typed arrays). */
function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}
const ports: { close(): void }[] = [];
function pool(size: number): WorkerPool {
  return new WorkerPool(() => {
    const { port1, port2 } = new MessageChannel();
    serve(nodeEndpoint(port2), preprocessHandlers);
    ports.push(port1, port2);
    return nodeEndpoint(port1);
  }, size);
}
afterAll(() => {
  for (const p of ports) p.close();
});

const plans = readPreprocessingPlans(
  sharedJson('reference/Dataset001_TSAbdomenCT/nnUNetPlans.json'),
  '3d_fullres',
);
const labels = sharedJson<{ labels: LabelDict }>(`${RAW}/dataset.json`).labels;
const files = (id: string) => ({
  id,
  images: [{ name: `${id}_0000.nii.gz`, bytes: sharedBytes(`${RAW}/imagesTr/${id}_0000.nii.gz`) }],
  label: { name: `${id}.nii.gz`, bytes: sharedBytes(`${RAW}/labelsTr/${id}.nii.gz`) },
});

async function ct() {
  const v = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm.nii.gz'), 'ct');
  const s = await readVolume(sharedBytes('data/volumes/ct/ts_example_ct_sm_seg.nii.gz'), 'seg');
  return {
    shape: zyxShape(v),
    data: Float32Array.from(v.data),
    seg: Int16Array.from(s.data),
    spacing: zyxSpacing(v),
  };
}

describe('preprocessing on a worker pool', () => {
  it('splits rows into near-equal slabs', () => {
    expect(splitRows(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(splitRows(2, 8)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('runs the cases of a dataset in parallel with progress, equal to the single-thread result', async () => {
    const p = pool(2);
    const progress: number[] = [];
    const got: string[] = [];
    const results = await preprocessDataset(
      p,
      [files('tsct_000'), () => Promise.resolve(files('tsct_002'))],
      plans,
      labels,
      {
        onProgress: (e) => progress.push(e.done),
      },
    );
    for (const [k, id] of ['tsct_000', 'tsct_002'].entries()) {
      const v = await readVolume(sharedBytes(`${RAW}/imagesTr/${id}_0000.nii.gz`), id);
      const l = await readVolume(sharedBytes(`${RAW}/labelsTr/${id}.nii.gz`), id);
      const direct = preprocessCase(
        { channels: [v.data], shape: zyxShape(v), spacing: zyxSpacing(v), label: l.data },
        plans,
        { labels },
      );
      expect(results[k].shape).toEqual(direct.shape);
      expect(results[k].properties).toEqual(direct.properties);
      expect(mismatches(results[k].data[0], direct.data[0])).toBe(0);
      expect(mismatches(results[k].seg, direct.seg)).toBe(0);
      expect(Object.keys(results[k].classLocations!)).toEqual(['1', '2', '3', '4']);
      got.push(id);
    }
    expect(got).toHaveLength(2);
    expect(progress.at(-1)).toBe(2);
    p.terminate();
  });

  it('cancels a dataset run', async () => {
    const p = pool(1);
    const ac = new AbortController();
    ac.abort();
    await expect(
      preprocessDataset(p, [files('tsct_000')], plans, labels, { signal: ac.signal }),
    ).rejects.toMatchObject({
      code: 'cancelled',
    });
    p.terminate();
  });

  it('resamples split across the pool exactly as on one thread (labels by z-slabs, images in two phases)', async () => {
    const { shape, data, seg, spacing } = await ct();
    const p = pool(3);
    const newShape = [37, 82, 111];
    const target = [2.4, 3.7, 3.3];
    const dSpec = planResample(shape, newShape, spacing, target, plans.config.dataKwargs);
    const sSpec = planResample(shape, newShape, spacing, target, plans.config.segKwargs);
    const whole = resampleData(data, dSpec);
    // spline images split in two phases (y/x passes by z rows, the z pass by y rows): no halo, same values
    for (const shared of [true, false]) {
      const split = await resampleInSlabs(p, data.slice(), dSpec, { parts: 5, shared });
      expect(mismatches(split, whole)).toBe(0);
    }
    expect(
      mismatches(await resampleInSlabs(p, seg.slice(), sSpec, { parts: 5 }), resampleSeg(seg, sSpec)),
    ).toBe(0);
    // separate-z (anisotropic target), nearest along z
    const aSpec = planResample(shape, [9, 101, 122], spacing, [9.5, 3, 3], plans.config.dataKwargs);
    expect(aSpec.axis).toBe(0);
    const aWhole = resampleData(data, aSpec);
    for (const shared of [true, false])
      expect(mismatches(await resampleInSlabs(p, data.slice(), aSpec, { parts: 4, shared }), aWhole)).toBe(0);
    p.terminate();
  });

  it('preprocesses one case with its resampling split across the pool', async () => {
    // the predictor's large-scan path: crop + normalise here, each channel resampled in slabs by the
    // pool (predictCase's resampleChannel); the label through run_case on a worker
    const p = pool(2);
    const fine = { ...plans, config: { ...plans.config, spacing: [2.5, 2.5, 2.5] } };
    const v = await readVolume(sharedBytes(`${RAW}/imagesTr/tsct_000_0000.nii.gz`), 'x');
    const l = await readVolume(sharedBytes(`${RAW}/labelsTr/tsct_000.nii.gz`), 'y');
    const input = { channels: [v.data], shape: zyxShape(v), spacing: zyxSpacing(v), label: l.data };
    const direct = preprocessCase(input, fine, { labels });
    const c = cropAndNormalize(
      { channels: [v.data.slice()], shape: zyxShape(v), spacing: zyxSpacing(v), label: l.data.slice() },
      fine,
    );
    const data = [await resampleInSlabs(p, c.data[0], c.dataSpec!, { parts: 3 })];
    const [r] = await preprocessDataset(p, [files('tsct_000')], fine, labels);
    expect(c.newShape).toEqual([36, 121, 146]);
    expect(r.shape).toEqual([36, 121, 146]);
    expect(mismatches(r.seg, direct.seg)).toBe(0);
    for (const [k, v] of Object.entries(direct.classLocations!))
      expect(mismatches(r.classLocations![k], v)).toBe(0);
    let maxDiff = 0;
    for (let i = 0; i < data[0].length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(data[0][i] - direct.data[0][i]));
    expect(maxDiff).toBeLessThan(1e-5);
    p.terminate();
  });

  it('exports logits in slabs exactly as on one thread', async () => {
    const p = pool(2);
    const shape: Shape3 = [12, 20, 24];
    const n = shape[0] * shape[1] * shape[2];
    const logits = [0, 1, 2].map((c) =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013 * (c + 1)) * 3),
    );
    const geometry = {
      spacing: [3, 3, 3],
      shape_before_cropping: [30, 101, 122] as Shape3,
      bbox_used_for_cropping: [
        [2, 28],
        [5, 95],
        [10, 110],
      ] as [[number, number], [number, number], [number, number]],
      shape_after_cropping_and_before_resampling: [26, 90, 100] as Shape3,
    };
    const direct = await exportLogits(
      logits.map((l) => l.slice()),
      shape,
      geometry,
      plans,
    );
    const pooled = await exportLogits(logits, shape, geometry, plans, { pool: p });
    expect(pooled.shape).toEqual([30, 101, 122]);
    expect(mismatches(pooled.labels, direct.labels)).toBe(0);
    p.terminate();
  });
});
