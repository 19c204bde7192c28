import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { averageProbabilities, probabilitiesToSegmentation } from '../../core/inference/ensemble';
import { readPredictionProperties } from '../../core/inference/prediction-properties';
import { segmentationNifti } from '../../core/inference/segmentation-nifti';
import { readNpzArray, writeNpz } from '../../core/io/volume/npz';
import { labelManager } from '../../core/nnunet/labels';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { expandNargs } from '../nnunet-flags';
import { readFileBytes, writeFileBytes } from '../node-files';

async function readJson(file: string): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readFileBytes(file));
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TesseraError('bad-argument', file, `is not valid JSON (${(e as Error).message})`);
  }
}

async function npzFiles(folder: string): Promise<Set<string>> {
  const names = await fs.readdir(folder).catch(() => {
    throw new TesseraError('not-found', folder, 'no such folder');
  });
  return new Set(names.filter((n) => n.endsWith('.npz')));
}

export const ensembleCommand: Command = {
  name: 'ensemble',
  summary: 'average saved probabilities of several prediction folders and export, as nnUNetv2_ensemble',
  usage: [
    'tessera ensemble -i <pred_dir> <pred_dir> [...] -o <out_dir> [-np N] [--save_npz]',
    '  each folder holds <case>.npz + <case>.pkl (tessera predict --save-probabilities or nnUNetv2_predict',
    '  --save_probabilities) and the dataset.json / plans.json prediction copies there; the averaged',
    '  probabilities become <case><file_ending> (+ <case>.npz/.pkl with --save_npz) and dataset.json in <out_dir>',
  ].join('\n'),
  async run(argv, out) {
    const { values } = parseCommandArgs(
      'ensemble',
      expandNargs(argv, ['-i']).map((a) => (a === '-np' ? '--np' : a)),
      {
        input: { type: 'string', short: 'i', multiple: true },
        output: { type: 'string', short: 'o' },
        np: { type: 'string' },
        save_npz: { type: 'boolean' },
        'save-npz': { type: 'boolean' },
        'dataset-json': { type: 'string' },
        'plans-json': { type: 'string' },
      },
      false,
    );
    const inputs = values.input ?? [];
    if (inputs.length === 0)
      throw new TesseraError('bad-argument', 'tessera ensemble', '-i needs at least one prediction folder');
    if (!values.output) throw new TesseraError('bad-argument', 'tessera ensemble', '-o is required');
    const output = values.output;
    const saveNpz = values.save_npz || values['save-npz'];
    if (values.np !== undefined)
      out.stderr('tessera ensemble: -np: ignored (cases are merged one after another)\n');

    // as nnU-Net: dataset.json and plans.json of the first folder, unchecked against the others
    const datasetJsonFile = values['dataset-json'] ?? path.join(inputs[0], 'dataset.json');
    const plansFile = values['plans-json'] ?? path.join(inputs[0], 'plans.json');
    const datasetJson = await readJson(datasetJsonFile);
    const plans = await readJson(plansFile);
    const ending = String(datasetJson.file_ending ?? '.nii.gz');
    if (ending !== '.nii.gz' && ending !== '.nii')
      throw new TesseraError(
        'unsupported-format',
        datasetJsonFile,
        `file_ending ${ending}: Tessera writes NIfTI only`,
      );
    const readerWriter = String(plans.image_reader_writer ?? 'SimpleITKIO');
    const scheme = labelManager(datasetJson, datasetJsonFile);

    const perFolder = await Promise.all(inputs.map(npzFiles));
    const all = new Set(perFolder.flatMap((s) => [...s]));
    perFolder.forEach((s, i) => {
      const missing = [...all].filter((f) => !s.has(f));
      if (missing.length)
        throw new TesseraError(
          'bad-argument',
          inputs[i],
          `lacks ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}: every folder must hold the same predictions`,
        );
    });
    if (all.size === 0) throw new TesseraError('not-found', inputs[0], 'holds no <case>.npz probabilities');

    await fs.mkdir(output, { recursive: true });
    await writeFileBytes(
      path.join(output, 'dataset.json'),
      new TextEncoder().encode(JSON.stringify(datasetJson, null, 4)),
    );
    const written: string[] = [];
    for (const npz of [...all].sort()) {
      const id = npz.slice(0, -4);
      const pklFile = path.join(inputs[0], `${id}.pkl`);
      const pkl = await readFileBytes(pklFile);
      const geometry = readPredictionProperties(pkl, pklFile);
      const arrays = [];
      let shape: number[] | undefined;
      for (const dir of inputs) {
        const file = path.join(dir, npz);
        const a = await readNpzArray(await readFileBytes(file), file, 'probabilities');
        if (shape && a.shape.join() !== shape.join())
          throw new TesseraError(
            'bad-argument',
            file,
            `probabilities ${a.shape.join('×')} differ from ${shape.join('×')} in ${inputs[0]}`,
          );
        if (a.shape.length !== 4 || a.shape[0] !== scheme.numHeads)
          throw new TesseraError(
            'bad-argument',
            file,
            `probabilities ${a.shape.join('×')} are not (${scheme.numHeads}, z, y, x)`,
          );
        shape = a.shape;
        arrays.push(a.data instanceof Float32Array ? a.data : Float32Array.from(a.data as ArrayLike<number>));
      }
      const probabilities = averageProbabilities(arrays);
      const seg = probabilitiesToSegmentation(probabilities, shape![0], scheme);
      const file = path.join(output, `${id}${ending}`);
      await writeFileBytes(
        file,
        await segmentationNifti(seg, shape!.slice(1), geometry.affine, readerWriter, ending === '.nii.gz'),
      );
      if (saveNpz) {
        await writeFileBytes(
          path.join(output, `${id}.npz`),
          writeNpz({ probabilities: { data: probabilities, shape: shape! } }),
        );
        await writeFileBytes(path.join(output, `${id}.pkl`), pkl);
      }
      written.push(file);
      out.stderr(`  ${id}: ${inputs.length} folder(s) → ${file}\n`);
    }
    out.stdout(`${JSON.stringify({ cases: written.length, output }, null, 2)}\n`);
    return 0;
  },
};
