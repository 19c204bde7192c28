import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../../src/core/errors';
import { bytesSource } from '../../../src/core/io/archive/byte-source';
import { writeZip } from '../../../src/core/io/archive/zip-writer';
import { type FileSet, fileSetFromFiles, fileSetFromZip } from '../../../src/core/model/bundle/file-set';
import { parseModelCard } from '../../../src/core/model/bundle/model-card';
import { exportFold, nnunetModelInfo } from '../../../src/core/model/bundle/nnunet-model';
import { readOnnxModelBytes } from '../../../src/core/model/bundle/onnx-bundle';
import { openModelBundle, summarizeBundle } from '../../../src/core/model/bundle/open-bundle';
import { REFERENCE } from '../../helpers/shared';
import { MODEL_FIXTURES } from './fixtures';

const TINY_PARENT = path.join(REFERENCE, 'models');
const MESHNET = path.resolve('public/models/meshnet-gwm');

/** Every file under `dir`, with paths relative to `base` (a dropped folder). */
function dropFolder(
  dir: string,
  base = path.dirname(dir),
  mangle: (p: string, b: Uint8Array) => Uint8Array | null = (_, b) => b,
) {
  const files: { path: string; file: Uint8Array }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else {
        const rel = path.relative(base, full).split(path.sep).join('/');
        const b = mangle(rel, new Uint8Array(fs.readFileSync(full)));
        if (b) files.push({ path: rel, file: b });
      }
    }
  };
  walk(dir);
  return files;
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isTesseraError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected an error');
}

describe('model bundles: nnU-Net results folders', () => {
  it('a dropped parent folder: finds the results folder at depth, its fold and configuration', async () => {
    // the shared models folder also holds Dataset297_TSStandIn now: drop the tiny model's dataset alone
    const files = fileSetFromFiles(
      'models',
      dropFolder(TINY_PARENT, TINY_PARENT).filter((f) => f.path.startsWith('Dataset001_TSAbdomenCT/')),
    );
    const b = await openModelBundle(files);
    expect(b.kind).toBe('nnunet');
    if (b.kind !== 'nnunet') return;
    const info = nnunetModelInfo(b.model);
    expect(info.name).toBe('Dataset001_TSAbdomenCT/nnUNetTrainer__nnUNetPlans__3d_fullres_tiny');
    expect(info.configuration).toBe('3d_fullres_tiny');
    expect(info.folds).toEqual(['0']);
    expect(info.parameter_count).toBe(921_948);
    const s = summarizeBundle(b);
    expect(s.labels.map((l) => l.name)).toEqual([
      'background',
      'spleen',
      'kidney_right',
      'kidney_left',
      'liver',
    ]);
    expect(s.sizeBytes).toBeGreaterThan(7_000_000);
  });

  it('a zip of a results folder with several folds (one with only checkpoint_best.pth)', async () => {
    const dir = path.join(MODEL_FIXTURES, 'Dataset902_TinyResEnc');
    const zip = writeZip(
      dropFolder(dir).map((f) => ({ name: f.path, data: f.file })),
      { align: 64 },
    );
    const outer = fileSetFromFiles('drop', [{ path: 'results.zip', file: new Blob([zip]) }]);
    const b = await openModelBundle(outer);
    if (b.kind !== 'nnunet') throw new Error('not nnunet');
    const info = nnunetModelInfo(b.model);
    expect(info.folds).toEqual(['0', '1', '2']);
    expect(info.checkpoints['2'].file).toMatch(/fold_2\/checkpoint_best\.pth$/);
    expect(info.region_based).toBe(true);
    expect(info.output_activation).toBe('sigmoid');
    expect(info.num_outputs).toBe(2);
    expect(info.network_class).toBe('ResidualEncoderUNet');
    expect(info.plans_name).toBe('nnUNetResEncUNetMPlans');
    const onnx = await exportFold(b.model, '2');
    expect(onnx.length).toBeGreaterThan(100_000);
    // checkpoint_final only: fold 2 drops out
    const finals = await openModelBundle(fileSetFromFiles('drop', [{ path: 'r.zip', file: zip }]), {
      checkpoint: 'checkpoint_final.pth',
    });
    if (finals.kind === 'nnunet') expect([...finals.model.checkpoints.keys()]).toEqual(['0', '1']);
  });

  it('legacy plans and fold_all', async () => {
    const b = await openModelBundle(
      fileSetFromFiles('x', dropFolder(path.join(MODEL_FIXTURES, 'Dataset903_TinyLegacy'))),
    );
    if (b.kind !== 'nnunet') throw new Error('not nnunet');
    expect(nnunetModelInfo(b.model).folds).toEqual(['all']);
  });

  const tinyFolder = path.join(TINY_PARENT, 'Dataset001_TSAbdomenCT');
  const broken: [string, (p: string, b: Uint8Array) => Uint8Array | null, RegExp][] = [
    ['missing plans.json', (p, b) => (p.endsWith('plans.json') ? null : b), /plans\.json: is missing/],
    ['missing dataset.json', (p, b) => (p.endsWith('/dataset.json') ? null : b), /dataset\.json: is missing/],
    [
      'broken plans.json',
      (p, b) => (p.endsWith('/plans.json') ? b.subarray(0, 100) : b),
      /plans\.json: is not valid JSON/,
    ],
    ['no checkpoint', (p, b) => (p.endsWith('.pth') ? null : b), /has no fold_<N>\/checkpoint_final\.pth/],
    [
      'truncated checkpoint',
      (p, b) => (p.endsWith('.pth') ? b.subarray(0, 2_000_000) : b),
      /fold_0\/checkpoint_final\.pth: .*truncated/,
    ],
    [
      'labels that do not fit the weights',
      (p, b) =>
        p.endsWith('/dataset.json')
          ? new TextEncoder().encode(
              JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 1 } }),
            )
          : b,
      /checkpoint_final\.pth: weights do not match the plans: decoder\.seg_layers\.0\.weight has shape \[5,64,1,1,1\], the network needs \[2,64,1,1,1\]/,
    ],
  ];
  for (const [name, mangle, pattern] of broken) {
    it(`bad bundle: ${name} → one error naming the file`, async () => {
      const files: FileSet = fileSetFromFiles('drop', dropFolder(tinyFolder, tinyFolder, mangle));
      const e = await errorOf(openModelBundle(files));
      expect(e.message).toMatch(pattern);
      expect(e.message.split('\n')).toHaveLength(1);
    });
  }

  it('a checkpoint alone is refused with a pointer to plans.json', async () => {
    const files = fileSetFromFiles(
      'drop',
      dropFolder(tinyFolder, tinyFolder, (p, b) => (p.endsWith('.pth') ? b : null)),
    );
    expect((await errorOf(openModelBundle(files))).message).toMatch(
      /plans\.json: is missing: a checkpoint alone/,
    );
  });
});

describe('model bundles: ONNX + model card (MeshNet)', () => {
  it('reads the MeshNet card and model', async () => {
    const b = await openModelBundle(fileSetFromFiles('meshnet-gwm', dropFolder(MESHNET, MESHNET)));
    if (b.kind !== 'onnx') throw new Error('not onnx');
    expect(b.bundle.card.input).toEqual({
      name: 'input',
      channels: 1,
      axis_order: 'zyx',
      shape: [256, 256, 256],
      conform: { shape: [256, 256, 256], spacing: [1, 1, 1], orientation: 'LIA' },
    });
    expect(b.bundle.card.preprocessing).toEqual({ kind: 'minmax', range: [0, 1] });
    expect((await readOnnxModelBytes(b.bundle)).length).toBe(25_230);
    const s = summarizeBundle(b);
    expect(s.labels).toEqual([
      { value: 0, name: 'background', color: [0, 0, 0] },
      { value: 1, name: 'White Matter', color: [255, 255, 255] },
      { value: 2, name: 'Grey Matter', color: [205, 62, 78] },
    ]);
  });

  it('as a zip too', async () => {
    const zip = writeZip(dropFolder(MESHNET).map((f) => ({ name: f.path, data: f.file })));
    const b = await openModelBundle(await fileSetFromZip(bytesSource(zip, 'meshnet.zip')));
    expect(b.kind).toBe('onnx');
  });

  it('errors: a lone ONNX, a card naming a missing model, a bad card field', async () => {
    const onnx = new Uint8Array(fs.readFileSync(path.join(MESHNET, 'model.onnx')));
    const card = JSON.parse(fs.readFileSync(path.join(MESHNET, 'model-card.json'), 'utf8'));
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    expect(
      (await errorOf(openModelBundle(fileSetFromFiles('d', [{ path: 'm/model.onnx', file: onnx }])))).message,
    ).toMatch(/d\/m\/model\.onnx: a plain ONNX model needs a model card/);
    expect(
      (await errorOf(openModelBundle(fileSetFromFiles('d', [{ path: 'model-card.json', file: enc(card) }]))))
        .message,
    ).toMatch(/d\/model\.onnx: is missing \(named by model-card\.json\)/);
    const bad = { ...card, preprocessing: { kind: 'quantiles' } };
    expect(
      (
        await errorOf(
          openModelBundle(
            fileSetFromFiles('d', [
              { path: 'model-card.json', file: enc(bad) },
              { path: 'model.onnx', file: onnx },
            ]),
          ),
        )
      ).message,
    ).toMatch(/d\/model-card\.json: "preprocessing\.kind" must be/);
    expect(() => parseModelCard({ ...card, labels: [{ value: 0, name: 'a', color: [0, 0, 300] }] })).toThrow(
      /labels\[0\]\.color/,
    );
    expect(
      (await errorOf(openModelBundle(fileSetFromFiles('d', [{ path: 'notes.txt', file: enc('x') }]))))
        .message,
    ).toMatch(/neither an nnU-Net results folder/);
  });
});

describe('model service (what the model worker runs)', () => {
  it('inspects and exports from plain {name, files} data', async () => {
    const { inspectModel, modelOnnx } = await import('../../../src/core/model/bundle/model-service');
    const files = dropFolder(path.join(TINY_PARENT, 'Dataset001_TSAbdomenCT')).map((f) => ({
      path: f.path,
      file: new Blob([f.file as Uint8Array<ArrayBuffer>]),
    }));
    const inspected = await inspectModel({ name: 'drop', files });
    expect(inspected.summary).toMatchObject({
      kind: 'nnunet',
      configuration: '3d_fullres_tiny',
      folds: ['0'],
      inputChannels: 1,
    });
    const onnx = await modelOnnx({ name: 'drop', files, precision: 'fp16', spatialShape: [8, 16, 16] });
    expect(onnx[0]).toBe(0x08);
    await expect(modelOnnx({ name: 'drop', files, fold: '1' })).rejects.toThrow(
      /drop\/fold_1: is not among the model's folds \(0\)/,
    );
    const mesh = dropFolder(MESHNET).map((f) => ({
      path: f.path,
      file: new Blob([f.file as Uint8Array<ArrayBuffer>]),
    }));
    const m = await inspectModel({ name: 'meshnet', files: mesh });
    expect(m.summary.kind).toBe('onnx');
    expect((await modelOnnx({ name: 'meshnet', files: mesh })).length).toBe(25_230);
  });
});
