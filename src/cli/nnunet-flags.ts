import path from 'node:path';
import { TesseraError } from '../core/errors';
import type { CommandOutput } from './command';
import { type Env, nnunetFolder, resolveDatasetName, resultsFolder } from './nnunet-paths';

/**
 * nnU-Net's own command lines (nnUNetv2_predict, nnUNetv2_predict_from_modelfolder,
 * nnUNetv2_plan_and_preprocess, nnUNetv2_plan_experiment) turned into Tessera's, so that a script keeps working
 * when `nnUNetv2_predict` is replaced by `tessera predict`. Tessera's own spellings pass through untouched.
 * Flags that only tune nnU-Net's process pools or device are accepted and reported in one line each.
 */

/** argparse's nargs='+': the values up to the next token that looks like an option. */
function takeValues(argv: string[], i: number, flag: string): string[] {
  const values: string[] = [];
  for (let j = i + 1; j < argv.length && !isOption(argv[j]); j++) values.push(argv[j]);
  if (values.length === 0) throw new TesseraError('bad-argument', flag, 'expects at least one value');
  return values;
}

function takeValue(argv: string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || isOption(v)) throw new TesseraError('bad-argument', flag, 'expects a value');
  return v;
}

// argparse treats "-1" as a value when no option looks like a negative number; so do we
const isOption = (t: string) => t.startsWith('-') && !/^-\d/.test(t);

function expectInt(flag: string, v: string): string {
  if (!/^\d+$/.test(v)) throw new TesseraError('bad-argument', flag, `expects an integer, got '${v}'`);
  return v;
}

/** argparse's nargs='+' options (`-i a b c`) as node's parseArgs takes them (`-i a -i b -i c`). */
export function expandNargs(argv: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!flags.includes(argv[i])) {
      out.push(argv[i]);
      continue;
    }
    const values = takeValues(argv, i, argv[i]);
    for (const v of values) out.push(argv[i], v);
    i += values.length;
  }
  return out;
}

/** `tessera predict` with nnUNetv2_predict's and nnUNetv2_predict_from_modelfolder's flags. */
export function nnunetPredictArgv(argv: string[], out?: CommandOutput, env: Env = process.env): string[] {
  const result: string[] = [];
  const notes: string[] = [];
  let dataset: string | undefined;
  let trainer = 'nnUNetTrainer';
  let plans = 'nnUNetPlans';
  let configuration: string | undefined;
  let hasModel = false;
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    switch (t) {
      case '-f':
      case '--fold': {
        const folds = takeValues(argv, i, t);
        for (const f of folds) result.push('-f', f);
        i += folds.length;
        break;
      }
      case '-d':
        dataset = takeValue(argv, i++, t);
        break;
      case '-tr':
        trainer = takeValue(argv, i++, t);
        break;
      case '-p':
        plans = takeValue(argv, i++, t);
        break;
      case '-c':
      case '--configuration':
        configuration = takeValue(argv, i++, t);
        result.push('-c', configuration);
        break;
      case '-m':
      case '--model':
        hasModel = true;
        result.push(t, takeValue(argv, i++, t));
        break;
      case '-step_size':
        result.push('--step-size', takeValue(argv, i++, t));
        break;
      case '--disable_tta':
        result.push('--disable-tta');
        break;
      case '--save_probabilities':
        result.push('--save-probabilities');
        break;
      case '--continue_prediction':
      case '--c':
        result.push('--continue-prediction');
        break;
      case '-chk':
        result.push('--checkpoint', takeValue(argv, i++, t));
        break;
      case '-prev_stage_predictions':
        result.push('--prev-stage-predictions', takeValue(argv, i++, t));
        break;
      case '-num_parts':
        result.push('--num-parts', expectInt(t, takeValue(argv, i++, t)));
        break;
      case '-part_id':
        result.push('--part-id', expectInt(t, takeValue(argv, i++, t)));
        break;
      case '-npp':
      case '-nps':
        expectInt(t, takeValue(argv, i++, t));
        notes.push(
          `${t}: ignored (Tessera preprocesses, predicts and exports each case in turn; --threads sets the CPU threads)`,
        );
        break;
      case '-device': {
        const device = takeValue(argv, i++, t);
        if (!['cpu', 'cuda', 'mps'].includes(device))
          throw new TesseraError('bad-argument', '-device', `must be cpu, mps or cuda, got '${device}'`);
        if (device === 'cpu') result.push('--backend', 'cpu');
        else
          notes.push(
            `-device ${device}: Tessera picks its runtime with --backend (auto: onnxruntime-node on the CPU; webgpu: the GPU)`,
          );
        break;
      }
      case '--verbose':
      case '--disable_progress_bar':
      case '--not_on_device':
        break; // Tessera reports progress per case on stderr and keeps no separate device copy
      default:
        result.push(t);
    }
  }
  if (dataset !== undefined) {
    if (hasModel)
      throw new TesseraError('bad-argument', 'tessera predict', 'give either -d (with -c) or -m, not both');
    if (!configuration)
      throw new TesseraError('bad-argument', 'tessera predict', '-c <configuration> is required with -d');
    result.push('-m', resultsFolder(dataset, trainer, plans, configuration, env));
  } else if (argv.includes('-tr') || argv.includes('-p')) {
    throw new TesseraError('bad-argument', 'tessera predict', '-tr and -p go with -d <dataset>');
  }
  for (const n of notes) out?.stderr(`tessera predict: ${n}\n`);
  return result;
}

const DEFAULT_ONLY: Record<string, string> = {
  '-fpe': 'DatasetFingerprintExtractor',
  '-preprocessor_name': 'DefaultPreprocessor',
};

/**
 * `tessera plan` with nnUNetv2_plan_and_preprocess's / nnUNetv2_plan_experiment's flags: `-d` names datasets
 * under $nnUNet_raw and writes to $nnUNet_preprocessed/<name> as nnU-Net does. nnU-Net takes several
 * datasets at once, so this returns one Tessera argv per dataset (just argv when there is no -d).
 */
export function nnunetPlanArgv(argv: string[], out?: CommandOutput, env: Env = process.env): string[][] {
  const rest: string[] = [];
  const notes: string[] = [];
  let datasets: string[] = [];
  let hasOutput = false;
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    switch (t) {
      case '-d': {
        datasets = takeValues(argv, i, t);
        i += datasets.length;
        break;
      }
      case '-pl':
        rest.push('--planner', takeValue(argv, i++, t));
        break;
      case '-gpu_memory_target':
        rest.push('--gpu-memory-gb', takeValue(argv, i++, t));
        break;
      case '-overwrite_plans_name':
        rest.push('--plans-name', takeValue(argv, i++, t));
        break;
      case '-overwrite_target_spacing': {
        const v = takeValues(argv, i, t);
        rest.push('--target-spacing', v.join(','));
        i += v.length;
        break;
      }
      case '-fpe':
      case '-preprocessor_name': {
        const v = takeValue(argv, i++, t);
        if (v !== DEFAULT_ONLY[t])
          throw new TesseraError('bad-argument', t, `Tessera implements only ${DEFAULT_ONLY[t]}, got '${v}'`);
        break;
      }
      case '-np':
      case '-npfp': {
        const v = takeValues(argv, i, t);
        for (const x of v) expectInt(t, x);
        i += v.length;
        notes.push(`${t}: ignored (Tessera sizes its worker pool to the machine)`);
        break;
      }
      case '-c': {
        const v = takeValues(argv, i, t);
        i += v.length;
        notes.push(
          `-c ${v.join(' ')}: tessera plan does not preprocess; run tessera preprocess <raw dataset> --plans <plans.json> -c <configuration> -o <folder>`,
        );
        break;
      }
      case '--verify_dataset_integrity':
      case '--clean':
      case '--no_pp':
      case '--no_pbar':
        break; // Tessera always verifies, always re-extracts the fingerprint and never preprocesses here
      case '-o':
      case '--output':
        hasOutput = true;
        rest.push(t, takeValue(argv, i++, t));
        break;
      default:
        rest.push(t);
    }
  }
  for (const n of notes) out?.stderr(`tessera plan: ${n}\n`);
  if (datasets.length === 0) return [rest];
  if (hasOutput && datasets.length > 1)
    throw new TesseraError('bad-argument', 'tessera plan', '-o goes with a single -d dataset');
  const raw = nnunetFolder('nnUNet_raw', env, '-d');
  return datasets.map((d) => {
    const name = resolveDatasetName(d, env);
    const output = hasOutput ? [] : ['-o', path.join(nnunetFolder('nnUNet_preprocessed', env, '-d'), name)];
    return [path.join(raw, name), ...output, '--dataset-name', name, ...rest];
  });
}
