import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../core/errors';

/** nnU-Net's three folders, read from the environment as nnunetv2.paths does. */
export type NnunetFolder = 'nnUNet_raw' | 'nnUNet_preprocessed' | 'nnUNet_results';
export type Env = Record<string, string | undefined>;

function subdirsWithPrefix(dir: string | undefined, prefix: string): string[] {
  if (!dir) return [];
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name.startsWith(prefix))
      .map((d) => d.name);
  } catch {
    return [];
  }
}

/**
 * maybe_convert_to_dataset_name: a name starting with "Dataset" is taken as is; a number n is looked up as
 * the folders starting with `Dataset%03d` in nnUNet_preprocessed, nnUNet_raw and nnUNet_results together,
 * and must name exactly one dataset.
 */
export function resolveDatasetName(nameOrId: string, env: Env): string {
  if (nameOrId.startsWith('Dataset')) return nameOrId;
  if (!/^\s*[+-]?\d+\s*$/.test(nameOrId))
    throw new TesseraError(
      'bad-argument',
      `-d ${nameOrId}`,
      'give a dataset ID (1, 2, …) or a dataset name (DatasetXXX_Name)',
    );
  const id = Number.parseInt(nameOrId, 10);
  const prefix = `Dataset${String(Math.abs(id)).padStart(3, '0')}`;
  const folders: NnunetFolder[] = ['nnUNet_preprocessed', 'nnUNet_raw', 'nnUNet_results'];
  const found = [...new Set(folders.flatMap((f) => subdirsWithPrefix(env[f], prefix)))].sort();
  if (found.length > 1)
    throw new TesseraError(
      'bad-argument',
      `-d ${nameOrId}`,
      `more than one dataset has ID ${id} (${found.join(', ')}) in nnUNet_raw, nnUNet_preprocessed and nnUNet_results`,
    );
  if (found.length === 0)
    throw new TesseraError(
      'not-found',
      `-d ${nameOrId}`,
      `no dataset with ID ${id} (${prefix}_…) in ${folders.map((f) => `${f}=${env[f] ?? '(unset)'}`).join(', ')}`,
    );
  return found[0];
}

/** An nnU-Net folder from the environment, or one clear line saying it is not set. */
export function nnunetFolder(name: NnunetFolder, env: Env, flag: string): string {
  const dir = env[name];
  if (!dir)
    throw new TesseraError('bad-argument', flag, `needs the environment variable ${name} (as nnU-Net does)`);
  return dir;
}

/** get_output_folder: $nnUNet_results/<dataset name>/<trainer>__<plans>__<configuration>. */
export function resultsFolder(
  nameOrId: string,
  trainer: string,
  plans: string,
  configuration: string,
  env: Env,
): string {
  const results = nnunetFolder('nnUNet_results', env, `-d ${nameOrId}`);
  return path.join(results, resolveDatasetName(nameOrId, env), `${trainer}__${plans}__${configuration}`);
}
