import fs from 'node:fs/promises';
import path from 'node:path';
import { groupPredictionInputs } from '../../core/dataset/discover';
import { TesseraError } from '../../core/errors';
import type { GpuContext } from '../../core/gpu/device';
import { DEFAULT_MAX_FORWARD_BYTES } from '../../core/inference/engine-network';
import type { Backend } from '../../core/inference/onnx-network';
import { predictionPropertiesPickle } from '../../core/inference/prediction-properties';
import { openPredictor, type Predictor } from '../../core/inference/predictor';
import { writeNpz } from '../../core/io/volume/npz';
import { zyxShape } from '../../core/io/volume/volume';
import { type ModelBundle, openModelBundle } from '../../core/model/bundle/open-bundle';
import { findResultsFolderRoots, incompleteFoldMessage } from '../../core/model/bundle/results-folder';
import { type PreviousStage, previousStageFromFolder, previousStageFromModel } from '../cascade';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { nnunetPredictArgv } from '../nnunet-flags';
import { openFileSet } from '../node-file-set';
import { writeFileBytes } from '../node-files';
import { openNodeGpu } from '../node-gpu';
import { preprocessWorkerPool } from '../node-worker-pool';
import { explainWebGpuFailure, loadRuntime } from '../onnx-runtimes';
import { selectCases } from '../predict-case-selection';
import { listDicomCases, parseOutputType, readCaseVolumes, writeCaseLabels } from '../predict-dicom';
import { checkpointChoice } from './model-info';

/** nnUNetv2_predict's grouping of input files into cases (core/dataset/discover.ts), on paths. */
export function groupCases(
  files: string[],
  ending: string,
  channels: number,
): { id: string; files: string[] }[] {
  const byName = new Map(files.map((f) => [path.basename(f), f]));
  return groupPredictionInputs([...byName.keys()], ending, channels).map((c) => ({
    id: c.id,
    files: c.images.map((n) => byName.get(n)!),
  }));
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

export const predictCommand: Command = {
  name: 'predict',
  summary:
    'segment scans with an nnU-Net results folder (or an ONNX model with its card), as nnUNetv2_predict does',
  usage: [
    'tessera predict -i <file|folder> -o <folder> -m <results_folder|bundle> [-f FOLD ...] [-c CONFIG]',
    '                [--step-size 0.5] [--disable-tta] [--save-probabilities] [--backend auto|webgpu|wasm|cpu]',
    '                [--kernels tessera|onnxruntime]',
    '                [--threads N] [-chk|--checkpoint final|best|latest|<file>.pth] [--postprocessing | --no-postprocessing]',
    '                [--output-type nifti|dicom-seg] [--resample-labels] [--z-chunks SLICES]',
    '  inputs are named <case>_0000.nii.gz (one file per channel), or are DICOM series folders (one case each,',
    '  named after the folder); outputs <case>.nii.gz, or <case>.dcm (DICOM-SEG) with --output-type dicom-seg (+ <case>.npz',
    '  holding `probabilities` (c, z, y, x) float32 with --save-probabilities). auto = cpu (onnxruntime-node)',
    "  in Node; wasm = the browser's runtime; webgpu runs nnU-Net folds on Tessera's own WGSL kernels where the model",
    "  allows (Chromium's SwiftShader stands in for a missing GPU driver); --kernels onnxruntime: onnxruntime-node's",
    '  WebGPU EP, which needs a GPU driver.',
    "  [--continue-prediction] [--num-parts N --part-id K]; nnUNetv2_predict's flags work too: -d ID -c CONFIG",
    '  [-tr TRAINER] [-p PLANS] (under $nnUNet_results), -f 0 1 2 3 4, -step_size, --disable_tta,',
    '  --save_probabilities, -chk, --continue_prediction, -num_parts/-part_id, -npp/-nps/-device (noted).',
    '  3d_cascade_fullres: -prev_stage_predictions <folder> (--prev-stage-predictions), else the 3d_lowres',
    '  results folder beside it runs first',
  ].join('\n'),
  async run(argv, out) {
    argv = nnunetPredictArgv(argv, out);
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
        'resample-labels': { type: 'boolean' },
        'z-chunks': { type: 'string' },
        backend: { type: 'string' },
        kernels: { type: 'string' },
        threads: { type: 'string' },
        checkpoint: { type: 'string' },
        postprocessing: { type: 'boolean' },
        'no-postprocessing': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        'continue-prediction': { type: 'boolean' },
        'num-parts': { type: 'string' },
        'part-id': { type: 'string' },
        'prev-stage-predictions': { type: 'string' },
        'output-type': { type: 'string' },
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
    const outputType = parseOutputType(values['output-type']);
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
    const kernels = values.kernels ?? 'tessera';
    if (kernels !== 'tessera' && kernels !== 'onnxruntime')
      throw new TesseraError(
        'bad-argument',
        'tessera predict',
        `--kernels must be tessera or onnxruntime, got "${values.kernels}"`,
      );
    // WebGPU with Tessera's kernels: Dawn (npm webgpu); SwiftShader needs this command re-run with its library path
    let engineGpu: GpuContext | undefined;
    if (backend === 'webgpu' && kernels === 'tessera') {
      const opened = await openNodeGpu();
      if ('reexec' in opened) return opened.reexec;
      engineGpu = opened.gpu;
    }
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

    // the export's slabs run on worker threads, one per thread asked for; started now, their start-up
    // overlaps the model's loading on this thread
    const exportPool = threads > 1 ? preprocessWorkerPool(threads) : undefined;
    exportPool?.start();
    try {
      const bundle = await openModel(modelPath, values.configuration, values.checkpoint);
      if (bundle.kind === 'nnunet')
        for (const f of bundle.model.folder.incompleteFolds)
          out.stderr(`note: ${incompleteFoldMessage(f, bundle.model.folder.checkpoint)}\n`);
      const ort = await loadRuntime(backend, threads);
      let predictor: Predictor;
      try {
        predictor = await openPredictor(
          bundle,
          {
            ort,
            backend,
            threads,
            exportPool: () => exportPool,
            tesseraKernels: engineGpu
              ? async () => ({ gpu: engineGpu!, maxForwardBytes: DEFAULT_MAX_FORWARD_BYTES })
              : undefined,
          },
          {
            folds,
            postprocessing: values['no-postprocessing']
              ? 'none'
              : values.postprocessing
                ? 'crossval'
                : 'root',
          },
        );
      } catch (e) {
        throw (backend === 'webgpu' && explainWebGpuFailure(e)) || e;
      }
      const ending = predictor.fileEnding;
      let cases: { id: string; files: string[] }[];
      let skipped: string[] = [];
      let previousStage: PreviousStage | undefined;
      try {
        // DICOM series folders (one case each), else nnU-Net's <case>_XXXX files
        const allCases =
          (await listDicomCases(input)) ??
          groupCases(await listInputs(input, ending), ending, predictor.inputChannels);
        if (allCases.length === 0)
          throw new TesseraError('not-found', input, `holds no cases named <case>_0000${ending}`);
        ({ cases, skipped } = selectCases(allCases, {
          numParts: values['num-parts'],
          partId: values['part-id'],
          skipExisting: values['continue-prediction'],
          output,
          ending: ending.endsWith('.nrrd') ? '.nii.gz' : ending,
          saveProbabilities: values['save-probabilities'],
        }));
        const prevDir = values['prev-stage-predictions'];
        if (predictor.previousStage)
          previousStage = prevDir
            ? previousStageFromFolder(prevDir, ending)
            : await previousStageFromModel(
                bundle,
                modelPath,
                (target, config) => openModel(target, config, values.checkpoint),
                { ort, backend, threads },
                { folds, step, tta: !values['disable-tta'] },
              );
        else if (prevDir)
          log('  -prev_stage_predictions: ignored (this configuration is not a cascade stage)');
      } catch (e) {
        await predictor.release();
        throw e;
      }
      if (skipped.length)
        log(`  --continue-prediction: ${skipped.length} case(s) already predicted, skipped`);
      const pp = predictor.postprocessing;
      log(
        `tessera predict: ${cases.length} case(s), ${predictor.description}, ${backend}${backend !== 'webgpu' ? ` × ${threads} threads` : predictor.kernels === 'tessera' ? ` (Tessera kernels on ${engineGpu!.description})` : ''}${values['disable-tta'] ? ', no TTA' : ''}`,
      );
      if (predictor.kernelsNote) log(`  ${predictor.kernelsNote}`);
      if (previousStage) log(`  cascade: ${previousStage.describe}`);
      // TotalSegmentator's z-chunking: --z-chunks N, or 1000 slices in its fast mode
      const chunkSlices = values['z-chunks']
        ? Number(values['z-chunks'])
        : values['resample-labels']
          ? 1000
          : 0;
      if (!(Number.isInteger(chunkSlices) && chunkSlices >= 0))
        throw new TesseraError(
          'bad-argument',
          'tessera predict',
          `--z-chunks must be a slice count, got ${values['z-chunks']}`,
        );
      const zChunks = chunkSlices ? { maxSlices: chunkSlices, margin: 20 } : undefined;
      if (zChunks)
        log(
          `  scans over ${chunkSlices} slices are predicted in chunks with a 20-slice margin (not nnU-Net-exact at the seams)`,
        );
      if (values['resample-labels'])
        log(
          "  --resample-labels: labels brought back nearest-neighbour (TotalSegmentator's fast mode, not nnU-Net-exact)",
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
      try {
        for (const c of cases) {
          const t0 = performance.now();
          const volumes = await readCaseVolumes(c, predictor.inputChannels);
          const ref = volumes[0];
          const { labels, probabilities, timings, tiles, properties } = await predictor.predict(
            { name: c.id, volumes },
            {
              tta: !values['disable-tta'],
              step,
              saveProbabilities: values['save-probabilities'],
              resampleLabels: values['resample-labels'],
              zChunks,
              previousStageSegmentation: await previousStage?.segmentation(c.id, volumes),
            },
          );
          const file = await writeCaseLabels({
            outputType,
            output,
            id: c.id,
            ending,
            labels,
            ref,
            bundle,
            log,
          });
          if (probabilities) {
            const [z, y, x] = zyxShape(ref);
            await writeFileBytes(
              path.join(output, `${c.id}.npz`),
              writeNpz({
                probabilities: { data: probabilities, shape: [probabilities.length / (z * y * x), z, y, x] },
              }),
            );
            if (properties && bundle.kind === 'nnunet')
              await writeFileBytes(
                path.join(output, `${c.id}.pkl`),
                predictionPropertiesPickle(
                  properties,
                  String(
                    (bundle.model.folder.plans as { image_reader_writer?: string }).image_reader_writer ??
                      'SimpleITKIO',
                  ),
                  ref.affine,
                ),
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
        await predictor.release();
        await previousStage?.release();
      }
      out.stdout(`${JSON.stringify({ backend, folds: predictor.folds, cases: summary }, null, 2)}\n`);
    } finally {
      exportPool?.terminate();
    }
    return 0;
  },
};
