import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { blobSource, bytesSource } from '../../../src/core/io/archive/byte-source';
import { networkSpecFromPlans } from '../../../src/core/model/network-spec';
import {
  checkWeights,
  loadNetworkWeights,
  readNnunetCheckpoint,
} from '../../../src/core/model/nnunet-checkpoint';
import { REFERENCE } from '../../helpers/shared';
import { modelFixtures, readJson } from './fixtures';

const TINY = path.join(
  REFERENCE,
  'models/Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny',
);

describe('nnU-Net checkpoint', () => {
  it('reads the shared checkpoint_final.pth from a Blob: metadata, then only the network weights', async () => {
    const file = path.join(TINY, 'fold_0/checkpoint_final.pth');
    const blob = await fs.openAsBlob(file);
    const ckpt = await readNnunetCheckpoint(blobSource(blob, 'checkpoint_final.pth'));
    expect(ckpt.trainerName).toBe('nnUNetTrainer');
    expect(ckpt.configuration).toBe('3d_fullres_tiny');
    expect(ckpt.fold).toBe(0);
    expect(ckpt.inferenceAllowedMirroringAxes).toEqual([0, 1, 2]);
    expect(ckpt.currentEpoch).toBe(2);
    expect(ckpt.plans).toEqual(readJson(path.join(TINY, 'plans.json')));
    expect((ckpt.datasetJson as { labels: object }).labels).toEqual(
      readJson<{ labels: object }>(path.join(TINY, 'dataset.json')).labels,
    );
    expect(ckpt.weights.size).toBe(240);
    const spec = networkSpecFromPlans(ckpt.plans, ckpt.configuration!, ckpt.datasetJson);
    const w = await loadNetworkWeights(ckpt, spec);
    expect(w.size).toBe(88);
    const seg = w.get('decoder.seg_layers.3.bias')!;
    expect(seg.length).toBe(5);
    expect([...w.values()].reduce((n, a) => n + a.length, 0)).toBeGreaterThan(900_000);
  });

  for (const fx of modelFixtures()) {
    it(`${fx.name}: every fold's checkpoint matches the network the plans describe`, async () => {
      const plans = readJson(path.join(fx.dir, 'plans.json'));
      const dataset = readJson(path.join(fx.dir, 'dataset.json'));
      const spec = networkSpecFromPlans(plans, fx.configuration, dataset);
      for (const [fold, info] of Object.entries(fx.summary.folds)) {
        const bytes = new Uint8Array(fs.readFileSync(path.join(fx.dir, `fold_${fold}`, info.checkpoint)));
        const ckpt = await readNnunetCheckpoint(bytesSource(bytes, info.checkpoint));
        expect(String(ckpt.fold)).toBe(fold);
        expect(ckpt.configuration).toBe(fx.configuration);
        expect([...ckpt.weights.entries()].map(([k, t]) => [k, t.shape])).toEqual(info.state_dict);
        const w = await loadNetworkWeights(ckpt, spec);
        expect([...w.values()].reduce((n, a) => n + a.length, 0)).toBeGreaterThanOrEqual(
          info.parameter_count,
        );
      }
    });
  }

  it('names the key when weights are missing, unexpected or misshaped', async () => {
    const ckpt = await readNnunetCheckpoint(
      bytesSource(new Uint8Array(fs.readFileSync(path.join(TINY, 'fold_0/checkpoint_final.pth'))), 'ck.pth'),
    );
    const spec = networkSpecFromPlans(ckpt.plans, '3d_fullres_tiny', ckpt.datasetJson);
    const shapes = new Map([...ckpt.weights].map(([k, t]) => [k, { shape: t.shape }]));
    const missing = new Map(shapes);
    missing.delete('decoder.seg_layers.2.weight');
    expect(() => checkWeights(spec, missing, 'ck.pth')).toThrow(
      /ck\.pth: .*missing decoder\.seg_layers\.2\.weight/,
    );
    const extra = new Map(shapes).set('decoder.extra.weight', { shape: [1] });
    expect(() => checkWeights(spec, extra, 'ck.pth')).toThrow(/unexpected decoder\.extra\.weight/);
    const wrong = new Map(shapes).set('encoder.stages.0.0.convs.0.conv.weight', { shape: [8, 2, 3, 3, 3] });
    expect(() => checkWeights(spec, wrong, 'ck.pth')).toThrow(
      /encoder\.stages\.0\.0\.convs\.0\.conv\.weight has shape \[8,2,3,3,3\], the network needs \[8,1,3,3,3\]/,
    );
    // a different configuration of the same plans does not fit these weights
    const full = networkSpecFromPlans(ckpt.plans, '3d_fullres', ckpt.datasetJson);
    expect(() => checkWeights(full, shapes, 'ck.pth')).toThrow(/has shape/);
  });
});
