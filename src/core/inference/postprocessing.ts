import { TesseraError } from '../errors';
import type { VoxelArray } from '../io/volume/volume';
import { type FileSet, readJsonFile } from '../model/bundle/file-set';
import { keepLargestComponent } from './connected-components';

/** A label, or a region (a set of labels treated as one), as nnU-Net's postprocessing names them. */
export type LabelOrRegion = number | number[];

export interface PostprocessingStep {
  fn: 'remove_all_but_largest_component_from_segmentation';
  labelsOrRegions: LabelOrRegion | LabelOrRegion[];
}

/**
 * Read the steps of an nnU-Net `postprocessing.json` (written by `determine_postprocessing`): parallel lists
 * `postprocessing_fns` (function names) and `postprocessing_kwargs`.
 */
export function parsePostprocessing(json: unknown, file = 'postprocessing.json'): PostprocessingStep[] {
  const o = json as { postprocessing_fns?: unknown; postprocessing_kwargs?: unknown };
  if (!o || !Array.isArray(o.postprocessing_fns) || !Array.isArray(o.postprocessing_kwargs)) {
    throw new TesseraError('bad-model', file, "has no 'postprocessing_fns' / 'postprocessing_kwargs' lists");
  }
  return o.postprocessing_fns.map((fn, i) => {
    if (fn !== 'remove_all_but_largest_component_from_segmentation') {
      throw new TesseraError('bad-model', file, `postprocessing function '${fn}' is not supported`);
    }
    const kw = (o.postprocessing_kwargs as { labels_or_regions?: LabelOrRegion | LabelOrRegion[] }[])[i];
    if (kw?.labels_or_regions === undefined)
      throw new TesseraError('bad-model', file, `step ${i} has no labels_or_regions`);
    return { fn, labelsOrRegions: kw.labels_or_regions };
  });
}

/**
 * nnU-Net's `remove_all_but_largest_component_from_segmentation`: the union of the given labels/regions is
 * reduced to its largest 26-connected component; removed voxels become background. In place.
 */
export function applyPostprocessing(
  seg: VoxelArray,
  shape: readonly [number, number, number],
  steps: PostprocessingStep[],
): void {
  for (const step of steps) {
    const items = Array.isArray(step.labelsOrRegions) ? step.labelsOrRegions : [step.labelsOrRegions];
    const members = new Set<number>(items.flat());
    const mask = new Uint8Array(seg.length);
    for (let i = 0; i < seg.length; i++) if (members.has(seg[i])) mask[i] = 1;
    const keep = keepLargestComponent(mask, shape);
    for (let i = 0; i < seg.length; i++) if (mask[i] && !keep[i]) seg[i] = 0;
  }
}

/** Which postprocessing.json of a results folder to apply. */
export type PostprocessingChoice = 'root' | 'crossval' | 'none';

export interface ResolvedPostprocessing {
  steps: PostprocessingStep[];
  /** the file applied */
  file: string | null;
  /** a file found but not applied (a cross-validation one under 'root'), to say so */
  skipped: string | null;
}

/**
 * nnU-Net's rule, one for the page and the CLI. nnUNetv2_predict applies no postprocessing; find_best_configuration
 * leaves it in `crossval_results_folds_<folds>/postprocessing.json` for nnUNetv2_apply_postprocessing. So a
 * `postprocessing.json` at the results folder's root (put there for this model) is applied; a cross-validation one
 * only on request ('crossval': the one for the folds in use, else the first found), which then equals
 * nnUNetv2_predict + nnUNetv2_apply_postprocessing.
 */
export async function resolvePostprocessing(
  folder: { files: FileSet; root: string },
  folds: readonly string[],
  choice: PostprocessingChoice,
): Promise<ResolvedPostprocessing> {
  const { files, root } = folder;
  const all = files.paths.filter((p) => p.startsWith(root) && p.endsWith('postprocessing.json'));
  if (choice === 'none' || all.length === 0) return { steps: [], file: null, skipped: null };
  const atRoot = all.find((p) => p === `${root}postprocessing.json`);
  const crossval = all.filter((p) => /(^|\/)crossval_results_folds_[^/]+\/postprocessing\.json$/.test(p));
  const forFolds = crossval.find(
    (p) => p === `${root}crossval_results_folds_${folds.join('_')}/postprocessing.json`,
  );
  const chosen =
    choice === 'crossval'
      ? (forFolds ?? [...crossval].sort((a, b) => a.length - b.length)[0] ?? atRoot)
      : atRoot;
  if (!chosen) return { steps: [], file: null, skipped: `${files.name}/${crossval[0] ?? all[0]}` };
  const file = `${files.name}/${chosen}`;
  return { steps: parsePostprocessing(await readJsonFile(files, chosen), file), file, skipped: null };
}

/** The postprocessing files a results folder offers (for the page's choice). */
export function postprocessingOffered(folder: { files: FileSet; root: string }): {
  root: boolean;
  crossval: boolean;
} {
  const all = folder.files.paths.filter(
    (p) => p.startsWith(folder.root) && p.endsWith('postprocessing.json'),
  );
  return {
    root: all.includes(`${folder.root}postprocessing.json`),
    crossval: all.some((p) => /(^|\/)crossval_results_folds_[^/]+\/postprocessing\.json$/.test(p)),
  };
}
