/**
 * ExperimentPlanner.plan_experiment: target spacing (median, or the 10th percentile along a strongly
 * anisotropic axis), transpose, the median shape after resampling, and the configurations nnU-Net
 * makes: 2d, 3d_fullres, and 3d_lowres + 3d_cascade_fullres when the fullres patch covers less than a
 * quarter of the median image. Pure and synchronous; fast enough to re-plan on every slider move.
 */
import { TesseraError } from '../errors';
import type { DatasetFingerprint, PlannedConfiguration, Plans } from '../nnunet/plans-types';
import {
  argmax,
  medianColumns,
  percentile,
  percentileColumns,
  prod,
  roundHalfEven,
} from '../pycompat/numpy-compat';
import {
  type ConfigurationTrace,
  type EstimateCache,
  type PlanningContext,
  planConfiguration,
} from './configuration-planner';
import { PLANNERS, type PlannerName } from './planners';

/** What the planner needs from dataset.json. */
export interface PlanningDatasetJson {
  channel_names: Record<string, string>;
  labels: Record<string, unknown>;
  numTraining: number;
  file_ending?: string;
  overwrite_image_reader_writer?: string;
}

export interface PlanOptions {
  planner?: PlannerName;
  /** default: the planner's own (8 GB; ResEnc L 24, XL 40) */
  gpuMemoryGB?: number;
  /** default: the planner's (nnUNetPlans, nnUNetResEncUNetMPlans, …) */
  plansName?: string;
  /** e.g. Dataset001_TSAbdomenCT */
  datasetName: string;
  /** channel names in dataset.json's order when it differs from the object's (see ParsedDatasetJson) */
  channelNames?: string[];
  /** `image_reader_writer`; default as nnU-Net picks it from file_ending */
  imageReaderWriter?: string;
  /** nnU-Net's -overwrite_target_spacing (3d_fullres and, by extension, 3d_lowres) */
  overwriteTargetSpacing?: number[];
  preprocessorName?: string;
}

export interface LowresStep {
  spacing: number[];
  medianShape: number[];
  patchSize: number[];
  /** patch voxels / median voxels at this spacing */
  coverage: number;
}

export interface PlanTrace {
  targetSpacing: number[];
  /** whether the 10th-percentile rule replaced the median along the coarsest axis */
  anisotropic: boolean;
  transposeForward: number[];
  /** median shape after resampling to the target spacing, transposed */
  medianShape: number[];
  approximateNVoxelsDataset: number;
  configurations: Record<string, ConfigurationTrace>;
  /** the 3d_lowres search, one entry per spacing tried */
  lowresSearch: LowresStep[];
  /** why 3d_lowres is absent, when it is */
  lowresDropped?: string;
}

/** `get_normalization_scheme`: channel name (case-folded) → normalization class name. */
export function normalizationScheme(channelName: string): string {
  const key = channelName.toLowerCase().replace(/ſ/g, 's');
  const map: Record<string, string> = {
    ct: 'CTNormalization',
    nonorm: 'NoNormalization',
    zscore: 'ZScoreNormalization',
    rescale_to_0_1: 'RescaleTo01Normalization',
    rgb_to_0_1: 'RGBTo01Normalization',
  };
  return map[key] ?? 'ZScoreNormalization';
}

/** The reader nnU-Net picks: dataset.json's override, else the first reader class for the file ending. */
export function imageReaderWriterFor(json: PlanningDatasetJson): string {
  const known = [
    'NaturalImage2DIO',
    'SimpleITKIO',
    'SimpleITKIOWithReorient',
    'Tiff3DIO',
    'NibabelIO',
    'NibabelIOWithReorient',
  ];
  const o = json.overwrite_image_reader_writer;
  if (o && o !== 'None' && known.includes(o)) return o;
  const ending = (json.file_ending ?? '.nii.gz').toLowerCase();
  if (['.png', '.bmp', '.tif'].includes(ending)) return 'NaturalImage2DIO';
  if (['.nii.gz', '.nrrd', '.mha', '.gipl'].includes(ending)) return 'SimpleITKIO';
  if (ending === '.tiff') return 'Tiff3DIO';
  if (ending === '.nii') return 'NibabelIO';
  return 'SimpleITKIO';
}

/** determine_fullres_target_spacing */
export function fullresTargetSpacing(
  fp: Pick<DatasetFingerprint, 'spacings' | 'shapes_after_crop'>,
  anisotropyThreshold = 3,
  overwrite?: number[],
): { spacing: number[]; anisotropic: boolean } {
  if (overwrite) return { spacing: [...overwrite], anisotropic: false };
  const target = percentileColumns(fp.spacings, 50);
  const targetSize = percentileColumns(fp.shapes_after_crop, 50);
  const worst = argmax(target);
  const others = target.map((_, i) => i).filter((i) => i !== worst);
  const otherSpacings = others.map((i) => target[i]);
  const otherSizes = others.map((i) => targetSize[i]);
  const anisoSpacing = target[worst] > anisotropyThreshold * Math.max(...otherSpacings);
  const anisoVoxels = targetSize[worst] * anisotropyThreshold < Math.min(...otherSizes);
  if (anisoSpacing && anisoVoxels) {
    let t = percentile(
      fp.spacings.map((s) => s[worst]),
      10,
    );
    // but never finer than the other axes
    if (t < Math.max(...otherSpacings)) t = Math.max(Math.max(...otherSpacings), t) + 1e-5;
    target[worst] = t;
    return { spacing: target, anisotropic: true };
  }
  return { spacing: target, anisotropic: false };
}

/** determine_transpose: the coarsest axis first, the others in order. */
export function transposeFor(targetSpacing: readonly number[]): { forward: number[]; backward: number[] } {
  const max = argmax(targetSpacing);
  const forward = [max, ...[0, 1, 2].filter((i) => i !== max)];
  const backward = [0, 1, 2].map((i) => forward.indexOf(i));
  return { forward, backward };
}

/** compute_new_shape: round(old_spacing / new_spacing × old_shape) per axis. */
export function resampledShape(
  shape: readonly number[],
  spacing: readonly number[],
  target: readonly number[],
): number[] {
  return shape.map((s, i) => roundHalfEven((spacing[i] / target[i]) * s));
}

export function planExperimentWithTrace(
  fingerprint: DatasetFingerprint,
  datasetJson: PlanningDatasetJson,
  options: PlanOptions,
): { plans: Plans; trace: PlanTrace } {
  const settings = PLANNERS[options.planner ?? 'ExperimentPlanner'];
  if (!settings) throw new TesseraError('bad-argument', 'planner', `unknown planner '${options.planner}'`);
  const gpuMemoryGB = options.gpuMemoryGB ?? settings.defaultGpuMemoryGB;
  if (!(gpuMemoryGB > 0))
    throw new TesseraError('bad-argument', 'gpu memory', 'must be a positive number of GB');
  const plansName = options.plansName ?? settings.defaultPlansName;
  const n = fingerprint.spacings.length;
  if (n === 0 || fingerprint.shapes_after_crop.length !== n)
    throw new TesseraError(
      'bad-argument',
      'dataset_fingerprint.json',
      'needs one spacing and one shape per case',
    );

  const channels = options.channelNames ?? Object.values(datasetJson.channel_names);
  const normalizationSchemes = channels.map(normalizationScheme);
  // use_mask_for_norm only where cropping removed a lot, and only for schemes that keep the outside at 0
  const useMaskForNorm =
    fingerprint.median_relative_size_after_cropping < 3 / 4
      ? normalizationSchemes.map((s) => s === 'ZScoreNormalization')
      : normalizationSchemes.map(() => false);
  const ctx: PlanningContext = {
    settings,
    gpuMemoryGB,
    numInputChannels: channels.length,
    numOutputChannels: Object.keys(datasetJson.labels).length,
    normalizationSchemes,
    useMaskForNorm,
    preprocessorName: options.preprocessorName ?? 'DefaultPreprocessor',
  };
  const dataIdentifier = (config: string) =>
    settings.sharesDefaultDataIdentifiers && (config === '2d' || config === '3d_fullres')
      ? `nnUNetPlans_${config}`
      : `${plansName}_${config}`;
  const cache: EstimateCache = new Map();
  const traces: Record<string, ConfigurationTrace> = {};

  const { spacing: fullresSpacing, anisotropic } = fullresTargetSpacing(
    fingerprint,
    settings.anisotropyThreshold,
    options.overwriteTargetSpacing,
  );
  const { forward, backward } = transposeFor(fullresSpacing);
  const fullresSpacingT = forward.map((i) => fullresSpacing[i]);
  const newShapes = fingerprint.spacings.map((sp, i) =>
    resampledShape(fingerprint.shapes_after_crop[i], sp, fullresSpacing),
  );
  const medianShape = medianColumns(newShapes);
  const medianShapeT = forward.map((i) => medianShape[i]);
  const approxNVoxels = prod(medianShapeT) * datasetJson.numTraining;

  let fullres: PlannedConfiguration | null = null;
  let lowres: PlannedConfiguration | null = null;
  const lowresSearch: LowresStep[] = [];
  let lowresDropped: string | undefined;
  if (medianShapeT[0] !== 1) {
    const f = planConfiguration(
      ctx,
      fullresSpacingT,
      medianShapeT,
      dataIdentifier('3d_fullres'),
      approxNVoxels,
      cache,
    );
    fullres = { ...f.plan, batch_dice: false };
    traces['3d_fullres'] = f.trace;

    let medianVoxels = prod(medianShapeT);
    let patchVoxels = prod(f.plan.patch_size);
    const lowresSpacing = [...fullresSpacingT];
    let lowresPlan: { plan: Omit<PlannedConfiguration, 'batch_dice'>; trace: ConfigurationTrace } | null =
      null;
    while (patchVoxels / medianVoxels < settings.lowresCreationThreshold) {
      // coarsen the fine axes until they are within a factor 2 of the coarsest, then all axes
      const maxSpacing = Math.max(...lowresSpacing);
      const fine = lowresSpacing.map((s) => maxSpacing / s > 2);
      if (fine.some(Boolean)) {
        for (let i = 0; i < 3; i++) if (fine[i]) lowresSpacing[i] *= 1.03;
      } else for (let i = 0; i < 3; i++) lowresSpacing[i] *= 1.03;
      const scaled = fullresSpacingT.map((s, i) => (s / lowresSpacing[i]) * medianShapeT[i]);
      medianVoxels = prod(scaled);
      lowresPlan = planConfiguration(
        ctx,
        [...lowresSpacing],
        scaled.map(roundHalfEven),
        dataIdentifier('3d_lowres'),
        medianVoxels * datasetJson.numTraining,
        cache,
      );
      patchVoxels = prod(lowresPlan.plan.patch_size);
      lowresSearch.push({
        spacing: [...lowresSpacing],
        medianShape: scaled,
        patchSize: lowresPlan.plan.patch_size,
        coverage: patchVoxels / medianVoxels,
      });
    }
    if (lowresPlan && prod(medianShapeT) / medianVoxels < 2) {
      lowresDropped = 'the low-resolution images would be less than half the full-resolution size';
      lowresPlan = null;
    } else if (!lowresPlan)
      lowresDropped = 'the 3d_fullres patch covers at least a quarter of the median image';
    if (lowresPlan) {
      lowres = { ...lowresPlan.plan, batch_dice: false };
      traces['3d_lowres'] = lowresPlan.trace;
      fullres.batch_dice = true;
    }
  } else lowresDropped = 'the dataset is 2-D (median shape has one slice)';

  const p2d = planConfiguration(
    ctx,
    fullresSpacingT.slice(1),
    medianShapeT.slice(1),
    dataIdentifier('2d'),
    approxNVoxels,
    cache,
  );
  traces['2d'] = p2d.trace;

  const configurations: Plans['configurations'] = { '2d': { ...p2d.plan, batch_dice: true } };
  if (lowres)
    configurations['3d_lowres'] = fullres ? { ...lowres, next_stage: '3d_cascade_fullres' } : lowres;
  if (fullres) {
    configurations['3d_fullres'] = fullres;
    if (lowres)
      configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
  }
  const medianSpacing = medianColumns(fingerprint.spacings);
  const originalMedianShape = medianColumns(fingerprint.shapes_after_crop);
  const plans: Plans = {
    dataset_name: options.datasetName,
    plans_name: plansName,
    original_median_spacing_after_transp: forward.map((i) => medianSpacing[i]),
    original_median_shape_after_transp: forward.map((i) => roundHalfEven(originalMedianShape[i])),
    image_reader_writer: options.imageReaderWriter ?? imageReaderWriterFor(datasetJson),
    transpose_forward: forward,
    transpose_backward: backward,
    configurations,
    experiment_planner_used: settings.name,
    label_manager: 'LabelManager',
    foreground_intensity_properties_per_channel: fingerprint.foreground_intensity_properties_per_channel,
  };
  return {
    plans,
    trace: {
      targetSpacing: fullresSpacing,
      anisotropic,
      transposeForward: forward,
      medianShape: medianShapeT,
      approximateNVoxelsDataset: approxNVoxels,
      configurations: traces,
      lowresSearch,
      lowresDropped,
    },
  };
}

/** The plans file nnU-Net's plan_experiment would write for this fingerprint and dataset.json. */
export function planExperiment(
  fingerprint: DatasetFingerprint,
  datasetJson: PlanningDatasetJson,
  options: PlanOptions,
): Plans {
  return planExperimentWithTrace(fingerprint, datasetJson, options).plans;
}
