import { openAsBlob } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type OpenedDataset, openDataset } from '../../core/dataset/open-dataset';
import type { DatasetSource } from '../../core/dataset/source';
import { assertNoErrors, type DatasetProblem } from '../../core/dataset/verify';
import { openZipSource } from '../../core/dataset/zip-source';
import { TesseraError } from '../../core/errors';
import { type DatasetJson, parseDatasetJson } from '../../core/nnunet/dataset-json';
import { formatFingerprintJson, plansToPyJson } from '../../core/nnunet/plans-json';
import type { DatasetFingerprint } from '../../core/nnunet/plans-types';
import { planExperimentWithTrace } from '../../core/planning/experiment-planner';
import { extractFingerprint } from '../../core/planning/fingerprint-driver';
import { isPlannerName, PLANNER_NAMES, PLANNERS } from '../../core/planning/planners';
import { PyDict, type PyJson, parsePythonJson, toPythonJson } from '../../core/pycompat/python-json';
import type { Command } from '../command';
import { parseCommandArgs } from '../command';
import { directorySource } from '../dataset-dir-source';
import { nnunetPlanArgv } from '../nnunet-flags';
import { readFileBytes, writeFileBytes } from '../node-files';

const USAGE = `tessera plan <raw_dataset_dir|dataset.zip> -o <outdir> [options]
       tessera plan --fingerprint <dataset_fingerprint.json> --dataset-json <dataset.json> -o <outdir> [options]

  -o, --output DIR         where dataset_fingerprint.json, <plans name>.json and dataset.json go
                           (nnU-Net's nnUNet_preprocessed/<dataset name>)
  --planner NAME           ${PLANNER_NAMES.join(' | ')} (default ExperimentPlanner)
  --gpu-memory-gb N        GPU memory target (default: the planner's, 8 / 24 for ResEncL / 40 for ResEncXL)
  --plans-name NAME        default: the planner's (nnUNetPlans, nnUNetResEncUNetMPlans, …)
  --dataset-name NAME      default: the dataset folder's name (DatasetXXX_Name)
  --target-spacing Z,Y,X   nnU-Net's -overwrite_target_spacing (3d_fullres and 3d_lowres)
  --no-verify              skip nnU-Net's integrity checks (verify_dataset_integrity)
  --verbose                progress and warnings on stderr

  nnUNetv2_plan_and_preprocess / nnUNetv2_plan_experiment flags work too: -d ID [ID …] (read from
  $nnUNet_raw, written to $nnUNet_preprocessed/<name>), -pl, -gpu_memory_target, -overwrite_plans_name,
  -overwrite_target_spacing Z Y X, --verify_dataset_integrity; -np/-npfp/-c are noted and ignored`;

const encoder = new TextEncoder();
const decode = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

async function openSource(input: string): Promise<DatasetSource> {
  let stat: import('node:fs').Stats;
  try {
    stat = await fs.stat(input);
  } catch {
    throw new TesseraError('not-found', input, 'no such file or directory');
  }
  if (stat.isDirectory()) return directorySource(input);
  // a file-backed Blob: entries are read on demand, so a zip larger than memory still works
  if (input.toLowerCase().endsWith('.zip')) return openZipSource(await openAsBlob(input), input);
  throw new TesseraError('bad-argument', input, 'give a raw dataset directory or a .zip of one');
}

/** The nnU-Net dataset name: DatasetXXX_Name from a path, if one of its parts looks like it. */
function datasetNameFrom(...paths: string[]): string | undefined {
  for (const p of paths) {
    for (const part of path.resolve(p).split(path.sep).reverse()) {
      const m = /^(Dataset\d{3}_[^/\\]+?)(\.zip)?$/.exec(part);
      if (m) return m[1];
    }
  }
  return undefined;
}

function parseSpacing(s: string): number[] {
  const v = s
    .split(/[,x×\s]+/)
    .filter(Boolean)
    .map(Number);
  if (v.length !== 3 || !v.every((x) => Number.isFinite(x) && x > 0))
    throw new TesseraError(
      'bad-argument',
      '--target-spacing',
      `expects three positive numbers z,y,x; got '${s}'`,
    );
  return v;
}

function parseFingerprint(text: string, file: string): DatasetFingerprint {
  let fp: DatasetFingerprint;
  try {
    fp = JSON.parse(text) as DatasetFingerprint;
  } catch (e) {
    throw new TesseraError('bad-argument', file, `is not valid JSON (${(e as Error).message})`);
  }
  const missing = [
    'spacings',
    'shapes_after_crop',
    'foreground_intensity_properties_per_channel',
    'median_relative_size_after_cropping',
  ].filter((k) => !(k in (fp as object)));
  if (missing.length)
    throw new TesseraError('bad-argument', file, `is not a dataset fingerprint (no ${missing.join(', ')})`);
  if (!Array.isArray(fp.spacings) || fp.spacings.length !== fp.shapes_after_crop.length)
    throw new TesseraError('bad-argument', file, 'needs as many spacings as shapes_after_crop');
  return fp;
}

/** nnU-Net keeps configurations an existing plans file has beyond the ones it makes (custom ones). */
async function mergeExisting(file: string, fresh: PyJson): Promise<PyJson> {
  let old: unknown;
  try {
    old = parsePythonJson(decode(await fs.readFile(file)));
  } catch {
    return fresh;
  }
  if (!(old instanceof PyDict)) return fresh;
  const oldConfigs = old.get('configurations');
  const f = fresh as Record<string, PyJson>;
  if (!(oldConfigs instanceof PyDict)) return fresh;
  const configs = f.configurations as Record<string, PyJson>;
  for (const [k, v] of oldConfigs.entries) if (!(k in configs)) configs[k] = v;
  return fresh;
}

export const planCommand: Command = {
  name: 'plan',
  summary:
    "nnU-Net's fingerprint + experiment planning: writes dataset_fingerprint.json, the plans file and dataset.json",
  usage: USAGE,
  async run(argv, out) {
    const perDataset = nnunetPlanArgv(argv, out);
    if (perDataset.length > 1) {
      for (const one of perDataset) if ((await planCommand.run(one, out)) !== 0) return 2;
      return 0;
    }
    argv = perDataset[0];
    const { values, positionals } = parseCommandArgs('plan', argv, {
      output: { type: 'string', short: 'o' },
      planner: { type: 'string' },
      'gpu-memory-gb': { type: 'string' },
      'plans-name': { type: 'string' },
      'dataset-name': { type: 'string' },
      'target-spacing': { type: 'string' },
      fingerprint: { type: 'string' },
      'dataset-json': { type: 'string' },
      'no-verify': { type: 'boolean' },
      verbose: { type: 'boolean' },
    });
    const log = values.verbose ? (s: string) => out.stderr(`${s}\n`) : () => {};
    const outdir = values.output;
    if (!outdir) throw new TesseraError('bad-argument', '', 'give an output directory with -o');
    const planner = values.planner ?? 'ExperimentPlanner';
    if (!isPlannerName(planner))
      throw new TesseraError(
        'bad-argument',
        '--planner',
        `unknown planner '${planner}' (one of ${PLANNER_NAMES.join(', ')})`,
      );
    let gpuMemoryGB: number | undefined;
    if (values['gpu-memory-gb'] !== undefined) {
      gpuMemoryGB = Number(values['gpu-memory-gb']);
      if (!(gpuMemoryGB > 0))
        throw new TesseraError(
          'bad-argument',
          '--gpu-memory-gb',
          `expects a positive number, got '${values['gpu-memory-gb']}'`,
        );
    }
    const fromFingerprint = values.fingerprint !== undefined || values['dataset-json'] !== undefined;

    let fingerprint: DatasetFingerprint;
    let fingerprintText: string;
    let datasetJson: DatasetJson;
    let datasetJsonText: string;
    let channels: string[];
    let datasetName = values['dataset-name'];
    let splits: Uint8Array | null = null;
    if (fromFingerprint) {
      if (positionals.length)
        throw new TesseraError(
          'bad-argument',
          'tessera plan',
          'give either a raw dataset or --fingerprint with --dataset-json, not both',
        );
      if (!values.fingerprint || !values['dataset-json'])
        throw new TesseraError(
          'bad-argument',
          'tessera plan',
          '--fingerprint and --dataset-json go together',
        );
      fingerprintText = decode(await readFileBytes(values.fingerprint));
      fingerprint = parseFingerprint(fingerprintText, values.fingerprint);
      const djBytes = await readFileBytes(values['dataset-json']);
      const parsed = parseDatasetJson(decode(djBytes));
      datasetJson = parsed.json;
      channels = parsed.channels;
      datasetJsonText =
        parsed.format === 'v2' ? decode(djBytes) : toPythonJson(datasetJson as PyJson, { sortKeys: false });
      datasetName ??=
        datasetNameFrom(outdir, values.fingerprint, values['dataset-json']) ??
        path.basename(path.resolve(outdir));
      if (fingerprint.spacings.length !== datasetJson.numTraining)
        log(
          `warning: the fingerprint has ${fingerprint.spacings.length} cases, dataset.json says numTraining ${datasetJson.numTraining}`,
        );
    } else {
      if (positionals.length !== 1)
        throw new TesseraError(
          'bad-argument',
          'tessera plan',
          'give exactly one raw dataset directory (or .zip)',
        );
      const source = await openSource(positionals[0]);
      const ds: OpenedDataset = await openDataset(source);
      const verify = !values['no-verify'];
      const report = (p: DatasetProblem) => log(`${p.severity}: ${p.file}: ${p.message}`);
      if (verify) {
        ds.problems.forEach(report);
        assertNoErrors(ds.problems);
      }
      if (ds.format !== 'v2')
        log(
          `dataset.json is in the ${ds.format === 'msd' ? 'Decathlon (MSD)' : 'nnU-Net v1'} format; converted`,
        );
      log(`${ds.cases.length} training cases, ${ds.channels.length} channel(s): ${ds.channels.join(', ')}`);
      const t0 = Date.now();
      const extracted = await extractFingerprint(source, ds, {
        verify,
        onProblem: report,
        streamCacheBytes: 512 * 2 ** 20,
        onProgress: (p) =>
          log(
            `fingerprint ${p.done}/${p.total} ${p.caseId ?? ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
          ),
      });
      log(`intensity statistics done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      fingerprint = extracted.fingerprint;
      // nnU-Net's planner copies a raw splits_final.json next to the plans (unless one is there already)
      if (source.list().includes('splits_final.json')) splits = await source.read('splits_final.json');
      fingerprintText = formatFingerprintJson(fingerprint);
      datasetJson = ds.datasetJson;
      channels = ds.channels;
      datasetJsonText =
        ds.format === 'v2' ? ds.datasetJsonText : toPythonJson(datasetJson as PyJson, { sortKeys: false });
      datasetName ??=
        datasetNameFrom(positionals[0]) ?? path.basename(path.resolve(positionals[0])).replace(/\.zip$/i, '');
    }

    const { plans, trace } = planExperimentWithTrace(fingerprint, datasetJson, {
      planner,
      gpuMemoryGB,
      plansName: values['plans-name'],
      datasetName,
      channelNames: channels,
      overwriteTargetSpacing: values['target-spacing'] ? parseSpacing(values['target-spacing']) : undefined,
    });
    const plansFile = path.join(outdir, `${plans.plans_name}.json`);
    const plansJson = await mergeExisting(plansFile, plansToPyJson(plans));
    await writeFileBytes(path.join(outdir, 'dataset_fingerprint.json'), encoder.encode(fingerprintText));
    await writeFileBytes(plansFile, encoder.encode(toPythonJson(plansJson, { sortKeys: false })));
    await writeFileBytes(path.join(outdir, 'dataset.json'), encoder.encode(datasetJsonText));
    const splitsFile = path.join(outdir, 'splits_final.json');
    if (splits && !(await fs.stat(splitsFile).catch(() => null))) await writeFileBytes(splitsFile, splits);

    const gb = gpuMemoryGB ?? PLANNERS[planner].defaultGpuMemoryGB;
    out.stdout(
      `${plans.dataset_name}: ${planner}, ${gb} GB, target spacing ${trace.targetSpacing.map((s) => +s.toFixed(4)).join(' × ')} mm\n`,
    );
    for (const [name, c] of Object.entries(plans.configurations)) {
      if (!c.patch_size) {
        out.stdout(`  ${name.padEnd(18)} inherits ${c.inherits_from}\n`);
        continue;
      }
      out.stdout(
        `  ${name.padEnd(18)} patch ${c.patch_size.join('×').padEnd(12)} batch ${String(c.batch_size).padEnd(3)} spacing ${c.spacing?.map((s) => +s.toFixed(4)).join('×')}\n`,
      );
    }
    out.stdout(
      `wrote ${path.join(outdir, 'dataset_fingerprint.json')}, ${plansFile}, ${path.join(outdir, 'dataset.json')}\n`,
    );
    return 0;
  },
};
