import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileSet } from '../../../src/cli/node-file-set';
import {
  cardModelFacts,
  checkScanAgainstModel,
  type ModelFacts,
  nnunetModelFacts,
  type ScanFacts,
} from '../../../src/core/inference/scan-model-check';
import { readVolume } from '../../../src/core/io/volume/read-volume';
import { zyxSpacing } from '../../../src/core/io/volume/volume';
import { looksLikeCT, volumeInfo } from '../../../src/core/io/volume/volume-info';
import { nnunetModelInfo } from '../../../src/core/model/bundle/nnunet-model';
import { openModelBundle } from '../../../src/core/model/bundle/open-bundle';

const PUBLIC = path.resolve('public');

async function scanFacts(file: string): Promise<ScanFacts> {
  const v = await readVolume(new Uint8Array(fs.readFileSync(file)), path.basename(file));
  const info = volumeInfo(v);
  return { isCT: looksLikeCT(info), min: info.min, max: info.max, spacingZyx: zyxSpacing(v), channels: 1 };
}

async function modelFacts(dir: string): Promise<ModelFacts> {
  const b = await openModelBundle(await openFileSet(dir));
  return b.kind === 'nnunet' ? nnunetModelFacts(nnunetModelInfo(b.model)) : cardModelFacts(b.bundle.card);
}

describe('scan against model, before running', () => {
  const ct = path.join(PUBLIC, 'demo/ts_example_ct_sm.nii.gz');
  const t1 = path.join(PUBLIC, 'brain/brainchop_t1_crop.nii.gz');
  const ctModel = path.join(PUBLIC, 'models/tsct-tiny');
  const brainModel = path.join(PUBLIC, 'models/meshnet-gwm');

  it('each built-in model on its own demo scan: no warning', async () => {
    expect(checkScanAgainstModel(await scanFacts(ct), await modelFacts(ctModel))).toEqual([]);
    expect(checkScanAgainstModel(await scanFacts(t1), await modelFacts(brainModel))).toEqual([]);
  });

  it('the CT model on the brain MR: a modality warning', async () => {
    const w = checkScanAgainstModel(await scanFacts(t1), await modelFacts(ctModel));
    expect(w.map((x) => x.kind)).toEqual(['modality']);
    expect(w[0].message).toMatch(/trained on CT, but this scan is not in Hounsfield units .*looks like MR/);
  });

  it('the brain model on the abdominal CT: a modality warning', async () => {
    const w = checkScanAgainstModel(await scanFacts(ct), await modelFacts(brainModel));
    expect(w.map((x) => x.kind)).toEqual(['modality']);
    expect(w[0].message).toMatch(/trained on MR \(MR\), but this scan looks like CT/);
  });

  it('channel count and spacing far from the model (after the plans transpose)', () => {
    const model: ModelFacts = {
      channelNames: ['T1', 'T2'],
      inputChannels: 2,
      spacing: [1, 0.5, 0.5],
      transposeForward: [2, 0, 1],
    };
    // z-spacing 6 mm becomes the model's last axis after transpose [2, 0, 1]: 0.5 vs 0.5 is fine, and
    // the 6 mm axis lands where the model has 0.5 mm: 12×
    const scan: ScanFacts = { isCT: false, min: 0, max: 900, spacingZyx: [6, 0.5, 0.5], channels: 1 };
    const w = checkScanAgainstModel(scan, model);
    expect(w.map((x) => x.kind)).toEqual(['channels', 'spacing']);
    expect(w[0].message).toBe('The model takes 2 input channels (T1, T2); this scan gives 1.');
    expect(w[1].message).toMatch(
      /\(0\.5 × 6 × 0\.5 mm\) are far from the model's \(1 × 0\.5 × 0\.5 mm, 12\.0×/,
    );
    // within 3× on every axis: no spacing warning
    expect(checkScanAgainstModel({ ...scan, spacingZyx: [1.4, 1, 1.2], channels: 2 }, model)).toEqual([]);
  });

  it('a finer scan is normal (resampled down), up to 8×: TotalSegmentator’s 3 mm model on a 0.78 mm CT', () => {
    const model: ModelFacts = {
      channelNames: ['CT'],
      inputChannels: 1,
      spacing: [3, 3, 3],
      transposeForward: [0, 1, 2],
    };
    const ct: ScanFacts = { isCT: true, min: -1024, max: 3000, spacingZyx: [1.5, 0.78, 0.78], channels: 1 };
    expect(checkScanAgainstModel(ct, model)).toEqual([]);
    const micro = checkScanAgainstModel({ ...ct, spacingZyx: [0.3, 0.3, 0.3] }, model);
    expect(micro.map((w) => w.kind)).toEqual(['spacing']);
    expect(micro[0].message).toMatch(/10\.0×/);
  });
});

describe('CT by Hounsfield range', () => {
  const SHARED_VOLUMES = path.resolve('../shared/data/volumes');
  it.each([
    ['ct/ts_example_ct.nii.gz', true],
    ['ct/ts_example_ct_sm.nii.gz', true],
    ['mr/nibabel_anatomical.nii', false], // an MR reaching -610: not air, not CT
    ['mr/ts_example_mr_sm.nii.gz', false],
    ['nrrd/pyradiomics_brain1_image.nrrd', false],
    ['4d/nibabel_example4d.nii.gz', false],
  ])('%s → CT %s', async (file, ct) => {
    expect((await scanFacts(path.join(SHARED_VOLUMES, file))).isCT).toBe(ct);
  });
});
