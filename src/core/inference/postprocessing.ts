import { TesseraError } from '../errors';
import type { VoxelArray } from '../io/volume/volume';
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
