import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** tests/fixtures/models: tiny nnU-Net results folders made by scripts/fixtures/make_model_fixtures.py. */
export const MODEL_FIXTURES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../fixtures/models',
);

export interface FixtureSummary {
  input_shape: number[];
  folds: Record<
    string,
    {
      checkpoint: string;
      parameter_count: number;
      state_dict: [string, number[]][];
      parameters_in_order: string[];
    }
  >;
}

export interface ModelFixture {
  name: string;
  /** The results folder (Trainer__Plans__Config). */
  dir: string;
  configuration: string;
  summary: FixtureSummary;
}

export function modelFixtures(): ModelFixture[] {
  const out: ModelFixture[] = [];
  for (const ds of fs.readdirSync(MODEL_FIXTURES).sort()) {
    const dsDir = path.join(MODEL_FIXTURES, ds);
    if (!fs.statSync(dsDir).isDirectory()) continue;
    for (const rf of fs.readdirSync(dsDir)) {
      const dir = path.join(dsDir, rf);
      out.push({
        name: ds,
        dir,
        configuration: rf.split('__')[2],
        summary: JSON.parse(fs.readFileSync(path.join(dir, 'reference/summary.json'), 'utf8')),
      });
    }
  }
  return out;
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
