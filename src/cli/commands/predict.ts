import fs from 'node:fs/promises';
import path from 'node:path';
import { TesseraError } from '../../core/errors';
import { createModelNetworks, type ModelNetworks } from '../../core/inference/model-networks';
import type { Backend } from '../../core/inference/onnx-network';
import { type PostprocessingStep, parsePostprocessing } from '../../core/inference/postprocessing';
import { predictWithCard } from '../../core/inference/predict-card';
import { predictCase } from '../../core/inference/predict-case';
import { writeNifti } from '../../core/io/volume/nifti-writer';
import { writeNpz } from '../../core/io/volume/npz';
import type { Volume } from '../../core/io/volume/volume';
import { assertLabelGrid, zyxShape, zyxSpacing } from '../../core/io/volume/volume';
import { readJsonFile } from '../../core/model/bundle/file-set';
import { type ModelBundle, openModelBundle } from '../../core/model/bundle/open-bundle';
import { findResultsFolderRoots } from '../../core/model/bundle/results-folder';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { openFileSet } from '../node-file-set';
import { readVolumeFile, writeFileBytes } from '../node-files';
import { preprocessWorkerPool } from '../node-worker-pool';
import { explainWebGpuFailure, loadRuntime } from '../onnx-runtimes';
import { checkpointChoice } from './model-info';

interface Case {
  id: string;
  files: string[];
}

/**
 * Group input files into cases as nnUNetv2_predict does: `<case>_<XXXX><ending>` files are the channels of
 * one case, sorted by channel number. A single file without the suffix is a one-channel case.
 */
export function groupCases(files: string[], ending: string, channels: number): Case[] {
  const re = new RegExp(`^(.*)_(\\d{4})${ending.replace(/\./g, '\\.')}$`);
  const byCase = new Map<string, Map<number, string>>();
  const loose: Case[] = [];
  for (const f of files) {
    const m = path.basename(f).match(re);
    if (m) {
      const c = byCase.get(m[1]) ?? new Map<number, string>();
      c.set(Number(m[2]), f);
      byCase.set(m[1], c);
    } else if (path.basename(f).endsWith(ending)) {
      loose.push({ id: path.basename(f).slice(0, -ending.length), files: [f] });
    }
  }
  const cases: Case[] = [...byCase.entries()].map(([id, chans]) => {
    const list: string[] = [];
    for (let c = 0; c < channels; c++) {
      const f = chans.get(c);
      if (!f)
        throw new TesseraError(
          'not-found',
          `${id}_${String(c).padStart(4, '0')}${ending}`,
          `is missing: the model needs ${channels} channel(s) per case`,
        );
      list.push(f);
    }
    return { id, files: list };
  });
  for (const c of loose) {
    if (channels !== 1)
      throw new TesseraError(
        'bad-argument',
        c.files[0],
        `the model needs ${channels} channels: name the files <case>_0000${ending}, <case>_0001${ending}, …`,
      );
    cases.push(c);
  }
  return cases.sort((a, b) => a.id.localeCompare(b.id));
}

async function listInputs(input: string, ending: string): Promise<string[]> {
  const stat = await fs.stat(input).catch(() => null);
  if (!stat) throw new TesseraError('not-found', input, 'no such file or folder');
  if (stat.isFile()) return [input];
  const names = (await fs.readdir(input)).filter(
    (n) => n.endsWith(ending) || n.endsWith('.nii') || n.endsWith('.nrrd'),
  );
  if (names.length === 0) throw new TesseraError('not-found', input, `holds no ${ending} images`);
  return names.map((n) => path.join(input, n));
}

/** A results folder may sit among others (one per configuration): -c picks it. */
async function openModel(
  target: string,
  configuration: string | undefined,
  checkpoint: string | undefined,
): Promise<ModelBundle> {
  const files = await openFileSet(target);
  const roots = findResultsFolderRoots(files);
  if (roots.length > 1) {
    const match = configuration
      ? roots.filter((r) => r.replace(/\/$/, '').endsWith(`__${configuration}`))
      : [];
    if (match.length !== 1) {
      throw new TesseraError(
        'bad-argument',
        target,
        `holds ${roots.length} results folders (${roots.join(', ')}): pick one with -c <configuration>`,
      );
    }
    const { openNnunetModel } = await import('../../core/model/bundle/nnunet-model');
    return {
      kind: 'nnunet',
      model: await openNnunetModel(files, {
        root: match[0],
        checkpoint: checkpointChoice('predict', checkpoint),
      }),
    };
  }
  const bundle = await openModelBundle(files, { checkpoint: checkpointChoice('predict', checkpoint) });
  if (configuration && bundle.kind === 'nnunet' && bundle.model.configuration !== configuration) {
    throw new TesseraError(
      'bad-argument',
      target,
      `is configuration "${bundle.model.configuration}", not "${configuration}"`,
    );
  }
  return bundle;
}

/**
 * The postprocessing a results folder prescribes. nnUNetv2_predict applies none; nnU-Net's
 * find_best_configuration leaves it in `crossval_results_folds_<folds>/postprocessing.json` for
 * nnUNetv2_apply_postprocessing. So: a postprocessing.json at the results folder's root is applied (it was
 * put there for this model); a cross-validation one only with --postprocessing (the one for the folds in
 * use, else the first found).
 */
async function findPostprocessing(
  bundle: ModelBundle,
  folds: string[],
  requested: boolean,
): Promise<{ steps?: PostprocessingStep[]; file?: string; skipped?: string }> {
  if (bundle.kind !== 'nnunet') return {};
  const files = bundle.model.folder.files;
  const root = bundle.model.folder.root;
  const all = files.paths.filter((p) => p.startsWith(root) && p.endsWith('postprocessing.json'));
  const atRoot = all.find((p) => p === `${root}postprocessing.json`);
  const forFolds = all.find(
    (p) => p === `${root}crossval_results_folds_${folds.join('_')}/postprocessing.json`,
  );
  const chosen = atRoot ?? (requested ? (forFolds ?? all.sort((a, b) => a.length - b.length)[0]) : undefined);
  if (!chosen) return all.length ? { skipped: `${files.name}/${all[0]}` } : {};
  return {
    steps: parsePostprocessing(await readJsonFile(files, chosen), `${files.name}/${chosen}`),
    file: `${files.name}/${chosen}`,
  };
}

export const predictCommand: Command = {
  name: 'predict',
  summary:
    'segment scans with an nnU-Net results folder (or an ONNX model with its card), as nnUNetv2_predict does',
  usage: [
    'tessera predict -i <file|folder> -o <folder> -m <results_folder|bundle> [-f FOLD ...] [-c CONFIG]',
    '                [--step-size 0.5] [--disable-tta] [--save-probabilities] [--backend auto|webgpu|wasm|cpu]',
    '                [--threads N] [--checkpoint final|best|latest] [--postprocessing | --no-postprocessing]',
    '  inputs are named <case>_0000.nii.gz (one file per channel); outputs <case>.nii.gz (+ <case>.npz',
    '  holding `probabilities` (c, z, y, x) float32 with --save-probabilities). auto = cpu (onnxruntime-node)',
    "  in Node; wasm = the browser's runtime; webgpu needs a GPU driver.",
  ].join('\n'),
  async run(argv, out) {
    const { values } = parseCommandArgs(
      'predict',
      argv,
      {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        model: { type: 'string', short: 'm' },
        fold: { type: 'string', short: 'f', multiple: true },
        configuration: { type: 'string', short: 'c' },
        'step-size': { type: 'string' },
        'disable-tta': { type: 'boolean' },
        'save-probabilities': { type: 'boolean' },
        backend: { type: 'string' },
        threads: { type: 'string' },
        checkpoint: { type: 'string' },
        postprocessing: { type: 'boolean' },
        'no-postprocessing': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
      false,
    );
    const need = (v: string | undefined, flag: string) => {
      if (!v)
        throw new TesseraError(
          'bad-argument',
          'tessera predict',
          `${flag} is required (see tessera predict --help)`,
        );
      return v;
    };
    const input = need(values.input, '-i');
    const output = need(values.output, '-o');
    const modelPath = need(values.model, '-m');
    const step = Number(values['step-size'] ?? 0.5);
    if (!(step > 0 && step <= 1))
      throw new TesseraError(
        'bad-argument',
        'tessera predict',
        `--step-size must be in (0, 1], got ${values['step-size']}`,
      );
    const backendArg = values.backend ?? 'auto';
    if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(backendArg))
      throw new TesseraError(
        'bad-argument',
        'tessera predict',
        `--backend must be auto, webgpu, wasm or cpu, got "${backendArg}"`,
      );
    const backend: Backend = backendArg === 'auto' ? 'cpu' : (backendArg as Backend);
    const threads = Number(
      values.threads ?? Math.max(1, Math.min(8, (await import('node:os')).availableParallelism())),
    );
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new TesseraError('bad-argument', 'tessera predict', '--threads must be a positive integer');
    const log = (t: string) => {
      if (!values.quiet) out.stderr(`${t}\n`);
    };
    const folds = (values.fold ?? [])
      .flatMap((f) => f.split(/[\s,]+/))
      .filter(Boolean)
      .map((f) => f.replace(/^fold_/, ''));

    const bundle = await openModel(modelPath, values.configuration, values.checkpoint);
    const ending =
      bundle.kind === 'nnunet'
        ? ((bundle.model.folder.datasetJson as { file_ending?: string }).file_ending ?? '.nii.gz')
        : '.nii.gz';
    const channels =
      bundle.kind === 'nnunet' ? bundle.model.spec.inputChannels : bundle.bundle.card.input.channels;
    const cases = groupCases(await listInputs(input, ending), ending, channels);
    if (cases.length === 0)
      throw new TesseraError('not-found', input, `holds no cases named <case>_0000${ending}`);

    const ort = await loadRuntime(backend, threads);
    let nets: ModelNetworks;
    try {
      nets = await createModelNetworks(ort, bundle, { backend, folds, threads });
    } catch (e) {
      throw (backend === 'webgpu' && explainWebGpuFailure(e)) || e;
    }
    const pp = values['no-postprocessing']
      ? {}
      : await findPostprocessing(bundle, nets.folds, values.postprocessing === true);
    const postprocessing = pp.steps;
    log(
      `tessera predict: ${cases.length} case(s), ${bundle.kind === 'nnunet' ? `${bundle.model.configuration}, fold(s) ${nets.folds.join(', ')}` : bundle.bundle.card.name}, ${backend}${backend !== 'webgpu' ? ` × ${threads} threads` : ''}${values['disable-tta'] ? ', no TTA' : ''}`,
    );
    if (pp.file) log(`  postprocessing: ${pp.file}`);
    else if (pp.skipped)
      log(`  not applying ${pp.skipped} (as nnUNetv2_predict); --postprocessing applies it`);
    await fs.mkdir(output, { recursive: true });
    if (bundle.kind === 'nnunet') {
      await writeFileBytes(
        path.join(output, 'dataset.json'),
        new TextEncoder().encode(JSON.stringify(bundle.model.folder.datasetJson, null, 4)),
      );
      await writeFileBytes(
        path.join(output, 'plans.json'),
        new TextEncoder().encode(JSON.stringify(bundle.model.folder.plans, null, 4)),
      );
    }
    const summary: Record<string, unknown>[] = [];
    // the export's slabs run on worker threads, one per core (they start on first use)
    const exportPool = threads > 1 ? preprocessWorkerPool(threads) : undefined;
    try {
      for (const c of cases) {
        const t0 = performance.now();
        const volumes: Volume[] = [];
        for (const f of c.files) volumes.push(await readVolumeFile(f));
        for (const v of volumes.slice(1)) assertLabelGrid(volumes[0], v);
        const ref = volumes[0];
        let labels: Uint8Array | Uint16Array;
        let probabilities: Float32Array | undefined;
        let timings: { preprocessMs: number; networkMs: number; exportMs: number };
        let tiles: number;
        if (bundle.kind === 'nnunet') {
          const r = await predictCase(
            {
              channels: volumes.map((v) => v.data),
              shape: zyxShape(ref),
              spacing: zyxSpacing(ref),
              name: c.id,
            },
            bundle.model.folder.plans,
            bundle.model.configuration,
            bundle.model.folder.datasetJson,
            nets.networks.map((n) => n.run),
            bundle.model.spec.patchSize,
            {
              tileStepSize: step,
              mirrorAxes: values['disable-tta'] ? [] : nets.mirrorAxes,
              saveProbabilities: values['save-probabilities'],
              postprocessing,
              exportPool,
            },
          );
          ({ labels, probabilities, timings, tiles } = r);
        } else {
          const r = await predictWithCard(ref, bundle.bundle.card, nets.networks[0].run);
          ({ labels, timings, tiles } = r);
        }
        const file = path.join(output, `${c.id}${ending.endsWith('.nrrd') ? '.nii.gz' : ending}`);
        await writeFileBytes(
          file,
          await writeNifti({
            data: labels,
            shape: ref.shape.slice(0, 3),
            like: ref,
            compress: !file.endsWith('.nii'),
          }),
        );
        if (probabilities) {
          const [z, y, x] = zyxShape(ref);
          await writeFileBytes(
            path.join(output, `${c.id}.npz`),
            writeNpz({
              probabilities: { data: probabilities, shape: [probabilities.length / (z * y * x), z, y, x] },
            }),
          );
        }
        const total = performance.now() - t0;
        summary.push({
          case: c.id,
          output: file,
          tiles,
          seconds: +(total / 1000).toFixed(3),
          preprocess_s: +(timings.preprocessMs / 1000).toFixed(3),
          network_s: +(timings.networkMs / 1000).toFixed(3),
          export_s: +(timings.exportMs / 1000).toFixed(3),
        });
        log(
          `  ${c.id}: ${tiles} tile evaluation(s), ${(total / 1000).toFixed(2)} s (preprocess ${(timings.preprocessMs / 1000).toFixed(2)}, network ${(timings.networkMs / 1000).toFixed(2)}, export ${(timings.exportMs / 1000).toFixed(2)}) → ${file}`,
        );
      }
    } finally {
      exportPool?.terminate();
      await nets.release();
    }
    out.stdout(`${JSON.stringify({ backend, folds: nets.folds, cases: summary }, null, 2)}\n`);
    return 0;
  },
};
