import type { ModelSummary } from '../../core/model/bundle/open-bundle';
import type { LabelMap, Scan } from '../store';
import { type LabelMapping, mapLabels } from './label-mapping';

/** nnU-Net's cross-validation: five folds. With fewer cases Tessera trains fold "all". */
export const NNUNET_FOLDS = 5;

export interface TrainingCandidate {
  scan: Scan;
  map: LabelMap;
  mapping: LabelMapping | null;
  /** The label map is a model's own output, never corrected: training on it teaches the model nothing true. */
  uncorrectedModelOutput: boolean;
}

/** Every (scan, label map) pair the user may choose to train on: all of them, each named. */
export function trainingCandidates(
  scans: Scan[],
  labelMaps: LabelMap[],
  model: ModelSummary | null,
): TrainingCandidate[] {
  return labelMaps.flatMap((map) => {
    const scan = scans.find((s) => s.id === map.scanId);
    return scan
      ? [
          {
            scan,
            map,
            mapping: model ? mapLabels(map, model) : null,
            uncorrectedModelOutput: map.origin === 'segmentation',
          },
        ]
      : [];
  });
}

/** Why Start cannot be pressed now, or null when it can. */
export function startBlocker(o: { hasNnunetModel: boolean; chosen: TrainingCandidate[] }): string | null {
  if (!o.hasNnunetModel)
    return 'Start needs an nnU-Net model (a results folder): choose one in the model list.';
  if (o.chosen.length === 0) return "Start needs training data: tick a scan's label map above.";
  const none = o.chosen.find((c) => c.mapping && c.mapping.matched.length === 0);
  if (none) return `${none.map.name} has none of the model's labels: choose another label map.`;
  return null;
}

/** Said before Start when the validation case is a training case. */
export function validationNote(cases: number): string | null {
  if (cases === 0 || cases >= NNUNET_FOLDS) return null;
  return `${cases} case${cases > 1 ? 's' : ''}, fewer than nnU-Net's ${NNUNET_FOLDS} folds: training uses fold "all", so the validation case${cases > 1 ? 's are' : ' is a'} training case${cases > 1 ? 's' : ''} — the validation Dice shows how well it fits them, not how well it generalises.`;
}
