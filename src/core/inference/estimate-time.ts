/**
 * How long a prediction will take, before running it, for the two exports the page offers: nnU-Net's exact
 * one (every class's logits resampled to the scan's grid, then argmax) and TotalSegmentator's fast one
 * (argmax on the network grid, labels brought back nearest-neighbour). Work is counted from the plans and
 * the scan; speeds are those of a reference 2-core CPU until a run on this machine measures its own
 * (`measuredSpeeds`), which is what the page shows after its first run.
 */
export interface Speeds {
  /** network multiply-adds per second */
  networkMacs: number;
  /** exact export: nanoseconds per (scan voxel × class) on one export worker */
  exactExportNs: number;
  /** fast export: nanoseconds per scan voxel (argmax on the network grid + nearest upsampling) */
  fastExportNs: number;
  /** where they come from, for the page's wording */
  source: 'reference' | 'measured';
}

/**
 * Measured on the 2-core reference machine with Dataset297_TSStandIn (118 classes) on the 469 × 388 × 224
 * CT: wasm network ≈ 9.5 s per 112 × 112 × 128 tile (≈ 3.6e11 multiply-adds), onnxruntime-node ≈ 5.3 s;
 * exact export ≈ 5 ns per voxel × class per worker when logits are flat (undertrained models; trained
 * ones prune most classes and go faster); fast export ≈ 60 ns per scan voxel.
 */
export const REFERENCE_SPEEDS: Record<'wasm' | 'cpu' | 'webgpu', Speeds> = {
  wasm: { networkMacs: 3.7e10, exactExportNs: 5, fastExportNs: 60, source: 'reference' },
  cpu: { networkMacs: 6.7e10, exactExportNs: 5, fastExportNs: 60, source: 'reference' },
  // SwiftShader-class software WebGPU is slower than wasm; a real GPU is far faster: assume a modest one
  webgpu: { networkMacs: 3.0e11, exactExportNs: 5, fastExportNs: 60, source: 'reference' },
};

/**
 * Multiply-adds of one network evaluation of a plain nnU-Net U-Net: per resolution stage, its convolutions
 * (two in the encoder, two in the decoder, 3 × 3 × 3 — nnU-Net's default) at that stage's voxel count, the
 * stage's features squared; the first convolution reads the input channels. An estimate (strides of 2 per
 * axis where the stage halves), good to tens of per cent for the default plans.
 */
export function networkMacsPerEvaluation(
  patch: readonly number[],
  featuresPerStage: readonly number[],
  inputChannels: number,
): number {
  const taps = 3 ** patch.length;
  let voxels = patch.reduce((a, b) => a * b, 1);
  let macs = 0;
  featuresPerStage.forEach((f, s) => {
    const fin = s === 0 ? inputChannels : featuresPerStage[s - 1];
    const encoder = taps * f * (fin + f);
    // decoder: the concatenated skip (2f → f) and one f → f; the bottleneck has none
    const decoder = s < featuresPerStage.length - 1 ? taps * f * (2 * f + f) : 0;
    macs += (encoder + decoder) * voxels;
    if (s < featuresPerStage.length - 1) voxels /= 2 ** patch.length;
  });
  return macs;
}

export interface TimeEstimateInput {
  evaluations: number;
  macsPerEvaluation: number;
  /** scan voxels (the export's output) and classes (segmentation heads) */
  scanVoxels: number;
  classes: number;
  /** export workers (cores) */
  workers: number;
}

/** The work of predicting a scan (z, y, x voxels) with an nnU-Net model (model-info's fields). */
export function predictionWork(
  model: { patch_size: number[]; features_per_stage: number[]; input_channels: number; num_outputs: number },
  scanShape: readonly number[],
  evaluations: number,
  workers: number,
): TimeEstimateInput {
  return {
    evaluations,
    macsPerEvaluation: networkMacsPerEvaluation(
      model.patch_size,
      model.features_per_stage,
      model.input_channels,
    ),
    scanVoxels: scanShape[0] * scanShape[1] * scanShape[2],
    classes: model.num_outputs,
    workers,
  };
}

export interface TimeEstimate {
  networkS: number;
  /** nnU-Net's export */
  exactS: number;
  /** resample-labels export */
  fastS: number;
}

export function estimatePredictionTime(m: TimeEstimateInput, speeds: Speeds): TimeEstimate {
  const networkS = (m.evaluations * m.macsPerEvaluation) / speeds.networkMacs;
  const workers = Math.max(1, m.workers);
  return {
    networkS,
    exactS: (m.scanVoxels * m.classes * speeds.exactExportNs * 1e-9) / workers,
    fastS: m.scanVoxels * speeds.fastExportNs * 1e-9,
  };
}

/** This machine's speeds from a finished run (the export speed of the mode it ran; the other kept). */
export function measuredSpeeds(
  base: Speeds,
  run: { networkMs: number; exportMs: number; resampleLabels: boolean } & TimeEstimateInput,
): Speeds {
  const out: Speeds = { ...base, source: 'measured' };
  if (run.networkMs > 0) out.networkMacs = (run.evaluations * run.macsPerEvaluation) / (run.networkMs / 1000);
  if (run.exportMs > 0 && run.scanVoxels > 0) {
    if (run.resampleLabels) out.fastExportNs = (run.exportMs * 1e6) / run.scanVoxels;
    else out.exactExportNs = (run.exportMs * 1e6 * Math.max(1, run.workers)) / (run.scanVoxels * run.classes);
  }
  return out;
}
