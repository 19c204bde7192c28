/**
 * The experiment planners nnU-Net ships, as data: the default `ExperimentPlanner` (PlainConvUNet) and
 * the residual-encoder presets (experiment_planners/residual_unets/residual_encoder_unet_planners.py).
 */
import type { NetworkKind } from './vram';

export const PLANNER_NAMES = [
  'ExperimentPlanner',
  'ResEncUNetPlanner',
  'nnUNetPlannerResEncM',
  'nnUNetPlannerResEncL',
  'nnUNetPlannerResEncXL',
] as const;
export type PlannerName = (typeof PLANNER_NAMES)[number];

export interface PlannerSettings {
  name: PlannerName;
  defaultPlansName: string;
  network: NetworkKind;
  networkClassName: string;
  /** the GPU memory target nnU-Net uses when none is given */
  defaultGpuMemoryGB: number;
  /** the memory the reference values were tuned for */
  referenceGB: number;
  referenceVal3d: number;
  referenceVal2d: number;
  referenceBatchSize3d: number;
  referenceBatchSize2d: number;
  baseNumFeatures: number;
  maxFeatures3d: number;
  maxFeatures2d: number;
  featureMapMinEdgeLength: number;
  /** convs (plain) or residual blocks (ResEnc) per encoder stage */
  blocksPerStageEncoder: readonly number[];
  blocksPerStageDecoder: readonly number[];
  minBatchSize: number;
  /** a batch may cover at most this fraction of the dataset's voxels */
  maxDatasetCovered: number;
  lowresCreationThreshold: number;
  anisotropyThreshold: number;
  /**
   * The default planner shrinks the patch while `estimate / ref_bs * 2 > reference` (it insists on a batch
   * of two); the ResEnc planners while `estimate > reference`.
   */
  shrinkRule: 'per-two-batch' | 'estimate';
  /** ResEnc planners reuse the default planner's preprocessed data for 2d and 3d_fullres */
  sharesDefaultDataIdentifiers: boolean;
}

const DEFAULT: PlannerSettings = {
  name: 'ExperimentPlanner',
  defaultPlansName: 'nnUNetPlans',
  network: 'PlainConvUNet',
  networkClassName: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
  defaultGpuMemoryGB: 8,
  referenceGB: 8,
  referenceVal3d: 560000000,
  referenceVal2d: 85000000,
  referenceBatchSize3d: 2,
  referenceBatchSize2d: 12,
  baseNumFeatures: 32,
  maxFeatures3d: 320,
  maxFeatures2d: 512,
  featureMapMinEdgeLength: 4,
  blocksPerStageEncoder: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
  blocksPerStageDecoder: [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
  minBatchSize: 2,
  maxDatasetCovered: 0.05,
  lowresCreationThreshold: 0.25,
  anisotropyThreshold: 3,
  shrinkRule: 'per-two-batch',
  sharesDefaultDataIdentifiers: false,
};

const RESENC: PlannerSettings = {
  ...DEFAULT,
  name: 'ResEncUNetPlanner',
  defaultPlansName: 'nnUNetResEncUNetPlans',
  network: 'ResidualEncoderUNet',
  networkClassName: 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNet',
  referenceVal3d: 680000000,
  referenceVal2d: 135000000,
  blocksPerStageEncoder: [1, 3, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6],
  blocksPerStageDecoder: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
  shrinkRule: 'estimate',
  sharesDefaultDataIdentifiers: true,
};

export const PLANNERS: Record<PlannerName, PlannerSettings> = {
  ExperimentPlanner: DEFAULT,
  ResEncUNetPlanner: RESENC,
  nnUNetPlannerResEncM: {
    ...RESENC,
    name: 'nnUNetPlannerResEncM',
    defaultPlansName: 'nnUNetResEncUNetMPlans',
    maxDatasetCovered: 1,
  },
  nnUNetPlannerResEncL: {
    ...RESENC,
    name: 'nnUNetPlannerResEncL',
    defaultPlansName: 'nnUNetResEncUNetLPlans',
    defaultGpuMemoryGB: 24,
    referenceGB: 24,
    referenceVal3d: 2100000000,
    referenceVal2d: 380000000,
    maxDatasetCovered: 1,
  },
  nnUNetPlannerResEncXL: {
    ...RESENC,
    name: 'nnUNetPlannerResEncXL',
    defaultPlansName: 'nnUNetResEncUNetXLPlans',
    defaultGpuMemoryGB: 40,
    referenceGB: 40,
    referenceVal3d: 3600000000,
    referenceVal2d: 560000000,
    maxDatasetCovered: 1,
  },
};

export function isPlannerName(s: string): s is PlannerName {
  return (PLANNER_NAMES as readonly string[]).includes(s);
}
