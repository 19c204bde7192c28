import { computeNewShape } from '../resampling/resample-plan';
import { HEAD_CHUNK_VALUES } from './predict-sliding-window';
import { computeSteps } from './sliding-window';

/**
 * Peak memory of one prediction, estimated before running it from what the run will allocate: the scan,
 * its float32 copies (crop, network grid), the model's weights (once per fold), the runtime's
 * activations for one tile, the tile's logits (and the TTA sum), the float16 sliding-window slab
 * (patch depth + one step of slices × classes × folds), the export's logit rows and the label maps.
 * With the segmentation head apart, a tile's features and one slab of head logits replace the tile's logits.
 * The crop is ignored (an upper bound). The activation factor was calibrated against onnxruntime-node's
 * peak RSS on the TotalSegmentator-class model (README, Scale); measured against it in e2e/scale.spec.ts.
 */
export interface MemoryEstimateInput {
  /** the scan: (z, y, x) voxels, spacing, bytes per voxel as loaded */
  shape: readonly number[];
  spacing: readonly number[];
  bytesPerVoxel: number;
  channels: number;
  /** the configuration */
  config: { spacing: number[]; patch_size: number[]; transpose_forward: number[] };
  classes: number;
  parameters: number;
  featuresPerStage: number[];
  folds: number;
  tta: boolean;
  tileStepSize: number;
  /** export slabs in flight at once (worker pool size; 1 on the calling thread) */
  exportSlabs?: number;
  /** the segmentation head runs apart (model-networks.ts separateHead): features per tile, logits per slab */
  separateHead?: boolean;
}

export interface MemoryEstimate {
  bytes: number;
  /** the largest items, for a tooltip / log line */
  parts: Record<string, number>;
}

/** The JS engine, onnxruntime and the loaded code before any data (measured, Node and Chromium alike). */
const RUNTIME_BASE = 180e6;
/**
 * Runtime activations per tile, in full-resolution feature maps of the first stage (float32): the skip
 * connections of every stage plus the decoder's concatenation, convolution and norm outputs.
 */
const ACTIVATION_MAPS = 6;

export function estimatePredictionMemory(m: MemoryEstimateInput): MemoryEstimate {
  const voxels = m.shape[0] * m.shape[1] * m.shape[2];
  const tf = m.config.transpose_forward;
  const shape = tf.map((a) => m.shape[a]);
  const spacing = tf.map((a) => m.spacing[a]);
  const target = m.config.spacing.length === 3 ? m.config.spacing : [spacing[0], ...m.config.spacing];
  const net = computeNewShape(shape, spacing, target);
  const netVoxels = net[0] * net[1] * net[2];
  const is2d = m.config.patch_size.length === 2;
  const patch = is2d ? [1, ...m.config.patch_size] : m.config.patch_size;
  const tileVox = patch[0] * patch[1] * patch[2];
  const padded = net.map((s, d) => Math.max(s, patch[d]));
  const plane = padded[1] * padded[2];
  const K = m.classes;
  // slices the float16 accumulators hold at once: a tile's depth plus one step (all when one tile row)
  const steps = is2d ? [] : computeSteps(padded, patch, m.tileStepSize)[0];
  const step = steps.length > 1 ? steps[1] - steps[0] : 0;
  const slabSlices = Math.min(padded[0], patch[0] + step);
  const parts: Record<string, number> = {
    runtime: RUNTIME_BASE,
    scan: voxels * m.bytesPerVoxel * m.channels,
    'network grid': netVoxels * 4 * m.channels,
    weights: m.parameters * 4 * m.folds,
    activations: ACTIVATION_MAPS * (m.featuresPerStage[0] ?? 32) * tileVox * 4,
    'tile logits': m.separateHead
      ? (m.featuresPerStage[0] ?? 32) * tileVox * 4 * (m.tta ? 3 : 1) + 2 * 4 * HEAD_CHUNK_VALUES
      : K * tileVox * 4 * (m.tta ? 3 : 1),
    'sliding-window slab': K * slabSlices * plane * 2 * m.folds + slabSlices * plane * 2,
    'export rows': K * plane * 4 * (8 * (m.exportSlabs ?? 1) + 4),
    labels: voxels * (K > 255 ? 2 : 1) * 2,
  };
  // preprocessing peaks before the network exists: scan + its float32 crop + the network grid
  const preprocess = parts.runtime + parts.scan + voxels * 4 * m.channels + parts['network grid'];
  const predict = Object.values(parts).reduce((a, b) => a + b, 0);
  return { bytes: Math.max(preprocess, predict), parts };
}
