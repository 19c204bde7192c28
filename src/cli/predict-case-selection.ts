import fs from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../core/errors';

export interface CaseSelection {
  /** -num_parts / -part_id: this process predicts cases part_id, part_id + num_parts, … */
  numParts?: string;
  partId?: string;
  /** --continue_prediction: skip cases whose outputs are already there */
  skipExisting?: boolean;
  output: string;
  /** the segmentation's file ending */
  ending: string;
  saveProbabilities?: boolean;
}

function count(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new TesseraError('bad-argument', flag, `expects a non-negative integer, got '${v}'`);
  return n;
}

/**
 * The cases this run predicts, as nnUNetPredictor._manage_input_and_output_lists picks them: the case list in
 * nnU-Net's order (sorted identifiers, Python string order), every num_parts-th from part_id, then, with
 * --continue_prediction, those whose segmentation (and .npz when probabilities are saved) is missing.
 */
export function selectCases<C extends { id: string }>(
  cases: C[],
  o: CaseSelection,
): { cases: C[]; skipped: string[] } {
  const numParts = count('--num-parts', o.numParts, 1);
  const partId = count('--part-id', o.partId, 0);
  if (numParts < 1) throw new TesseraError('bad-argument', '--num-parts', 'must be at least 1');
  if (partId >= numParts)
    throw new TesseraError(
      'bad-argument',
      '--part-id',
      `must be below --num-parts (${numParts}); parts count from 0`,
    );
  const ordered = [...cases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const mine = ordered.filter((_, i) => i % numParts === partId);
  if (!o.skipExisting) return { cases: mine, skipped: [] };
  const done = (id: string) =>
    fs.existsSync(path.join(o.output, `${id}${o.ending}`)) &&
    (!o.saveProbabilities || fs.existsSync(path.join(o.output, `${id}.npz`)));
  return { cases: mine.filter((c) => !done(c.id)), skipped: mine.filter((c) => done(c.id)).map((c) => c.id) };
}
