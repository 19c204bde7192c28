/**
 * Fingerprints of well-known datasets for the Plan Explorer, from published numbers only (each preset's
 * `source` says where every number comes from). Where per-case spacings and shapes are not public, all
 * cases are set to the published medians: nnU-Net then plans the same target spacing and median shape,
 * but the anisotropy rule (10th percentile) and intensity statistics cannot be reproduced.
 */

import type { DatasetFingerprint } from '../nnunet/plans-types';
import type { PlanningDatasetJson } from './experiment-planner';
import ts from './presets/Dataset001_TSAbdomenCT.json';
import liver from './presets/Task03_Liver.json';
import hippocampus from './presets/Task04_Hippocampus.json';
import lung from './presets/Task06_Lung.json';

interface PresetFile {
  name: string;
  title: string;
  source: string;
  /** true: a real nnU-Net fingerprint; false: built from published medians */
  exact: boolean;
  dataset_json: PlanningDatasetJson;
  fingerprint?: DatasetFingerprint;
  median_spacing?: number[];
  median_shape?: number[];
}

export interface FingerprintPreset {
  /** the dataset name nnU-Net would use, e.g. Dataset004_Hippocampus */
  name: string;
  title: string;
  source: string;
  exact: boolean;
  datasetJson: PlanningDatasetJson;
  fingerprint: DatasetFingerprint;
}

function build(p: PresetFile): FingerprintPreset {
  const n = p.dataset_json.numTraining;
  const fingerprint: DatasetFingerprint = p.fingerprint ?? {
    spacings: Array.from({ length: n }, () => [...(p.median_spacing as number[])]),
    shapes_after_crop: Array.from({ length: n }, () => [...(p.median_shape as number[])]),
    foreground_intensity_properties_per_channel: {},
    median_relative_size_after_cropping: 1,
  };
  return {
    name: p.name,
    title: p.title,
    source: p.source,
    exact: p.exact,
    datasetJson: p.dataset_json,
    fingerprint,
  };
}

export const FINGERPRINT_PRESETS: FingerprintPreset[] = [ts, hippocampus, liver, lung].map((p) =>
  build(p as PresetFile),
);
