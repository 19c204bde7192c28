import { WebGpuBackend } from '../engine/webgpu/webgpu-backend';
import { TesseraError } from '../errors';
import type { GpuContext } from '../gpu/device';
import { exportFold, exportFoldSegmentationHead, foldCheckpoint } from '../model/bundle/nnunet-model';
import { readOnnxModelBytes } from '../model/bundle/onnx-bundle';
import type { ModelBundle } from '../model/bundle/open-bundle';
import { incompleteFoldDetail } from '../model/bundle/results-folder';
import { loadNetworkWeights } from '../model/nnunet-checkpoint';
import { featureChannels } from '../model/onnx/emit-network';
import { createEngineNetwork, engineInferenceRefusal } from './engine-network';
import {
  type AccumulatingHead,
  type Backend,
  createAccumulatingHead,
  createLabelsHead,
  createOnnxNetwork,
  type LabelsHead,
  type OnnxNetwork,
  type OrtLike,
  type TileNetwork,
} from './onnx-network';

/** A model ready to predict: one network per fold, and what the predictor needs to know. */
export interface ModelNetworks {
  networks: TileNetwork[];
  /** what runs the networks: onnxruntime, or Tessera's own WGSL kernels (WebGPU) */
  kernels: 'onnxruntime' | 'tessera';
  /** why Tessera's kernels were asked for and not used (the model or the device), for the log */
  kernelsNote?: string;
  /** the device the networks' GPU outputs live on (Tessera's kernels) */
  gpuDevice?: GPUDevice;
  folds: string[];
  /** nnU-Net's TTA axes: the first fold's checkpoint's; none when it has None or no entry (as nnU-Net) */
  mirrorAxes: number[];
  backend: Backend;
  precision: 'fp32' | 'fp16';
  /**
   * networks exported with a separate segmentation head: their heads, one per fold, the features in, and
   * (3-D) the heads fused with the float16 accumulation of a slice
   */
  head?: {
    networks: OnnxNetwork[];
    channels: number;
    accumulating: AccumulatingHead[];
    /** with `accumulating`: the labels of slices a tile alone covers (one fold) */
    labels: LabelsHead[];
  };
  release(): Promise<void>;
}

export interface NetworkOptions {
  backend: Backend;
  /** folds to use (nnU-Net results folders); default the numbered ones (fold_all if it is the only one) */
  folds?: string[];
  /** fp16 only where the GPU has shader-f16 (see model/onnx/variant.ts chooseVariant) */
  precision?: 'fp32' | 'fp16';
  /** prove that every node runs on WebGPU (session creation fails otherwise) */
  strictWebGPU?: boolean;
  threads?: number;
  /** WebGPU: leave the logits on the GPU (see gpu-tile-accumulator.ts) */
  outputOnGpu?: boolean;
  /**
   * 'auto' (default): the segmentation head runs apart (see predict-sliding-window.ts SegmentationHead) on
   * CPU backends when a tile's logits would take 256 MB or more (100+-class models); 'included' or
   * 'separate' force it.
   */
  segmentationHead?: 'auto' | 'included' | 'separate';
  /** with the head apart: float16 accumulation in onnxruntime (default) or in JavaScript */
  headAccumulation?: 'onnx' | 'js';
  /**
   * WebGPU: run nnU-Net folds on Tessera's own WGSL kernels (engine-network.ts) on this device when the model's
   * layers and the device's limits allow (onnxruntime otherwise), the forward holding at most `maxForwardBytes`
   */
  engine?: { gpu: GpuContext; maxForwardBytes: number };
}

/** 256 MB of float32 logits per tile: above it the head runs apart, slab by slab. */
const SEPARATE_HEAD_VALUES = 64 << 20;

/** Whether a model's networks are exported with their segmentation head apart. */
export function separateHead(
  numClasses: number,
  patchSize: readonly number[],
  backend: Backend,
  choice: NetworkOptions['segmentationHead'] = 'auto',
): boolean {
  if (choice !== 'auto') return choice === 'separate';
  return backend !== 'webgpu' && numClasses * patchSize.reduce((a, b) => a * b, 1) >= SEPARATE_HEAD_VALUES;
}

/** nnU-Net's fold auto-detection: the numbered folds; fold_all only when it is the only one. */
export function defaultFolds(available: readonly string[]): string[] {
  const numbered = available.filter((f) => f !== 'all');
  return numbered.length ? numbered : [...available];
}

/**
 * Sessions for a model bundle: an nnU-Net results folder is exported fold by fold to ONNX (the network is
 * built from plans.json and the checkpoint's weights, in the worker or CLI process — no Python); a
 * card-described ONNX model is used as it is.
 */
export async function createModelNetworks(
  ort: OrtLike,
  bundle: ModelBundle,
  o: NetworkOptions,
): Promise<ModelNetworks> {
  const precision = o.precision ?? 'fp32';
  const networks: TileNetwork[] = [];
  const heads: OnnxNetwork[] = [];
  const accumulating: AccumulatingHead[] = [];
  const labels: LabelsHead[] = [];
  const release = async () => {
    for (const n of [...networks, ...heads, ...accumulating, ...labels]) await n.release();
  };
  try {
    if (bundle.kind === 'onnx') {
      const bytes = await readOnnxModelBytes(bundle.bundle);
      networks.push(
        await createOnnxNetwork(ort, bytes, o.backend, {
          strictWebGPU: o.strictWebGPU,
          name: bundle.bundle.modelPath,
          threads: o.threads,
          outputOnGpu: o.outputOnGpu,
        }),
      );
      return {
        networks,
        kernels: 'onnxruntime',
        folds: [],
        mirrorAxes: [],
        backend: o.backend,
        precision: 'fp32',
        release,
      };
    }
    const model = bundle.model;
    const available = [...model.checkpoints.keys()];
    const folds = o.folds?.length ? o.folds : defaultFolds(available);
    for (const f of folds) {
      const incomplete = model.folder.incompleteFolds.find((x) => x.fold === f);
      if (!model.checkpoints.has(f) && incomplete)
        throw new TesseraError(
          'not-found',
          `fold_${f}`,
          incompleteFoldDetail(incomplete, model.folder.checkpoint),
        );
      if (!model.checkpoints.has(f)) {
        throw new TesseraError(
          'not-found',
          `fold_${f}`,
          `is not in the model (it has fold${available.length > 1 ? 's' : ''} ${available.join(', ')})`,
        );
      }
    }
    // nnUNetPredictor takes the axes from the first fold only; None (nnUNetTrainerNoMirroring, NoDA, …) or
    // a missing entry means no mirroring at all, even with TTA on.
    const mirrorAxes = model.checkpoints.get(folds[0])?.inferenceAllowedMirroringAxes ?? [];
    const engine = o.backend === 'webgpu' ? o.engine : undefined;
    const engineRefusal = engine
      ? engineInferenceRefusal(engine.gpu, model.spec, model.spec.patchSize, engine.maxForwardBytes)
      : null;
    if (engine && engineRefusal === null) {
      const be = new WebGpuBackend(engine.gpu);
      // the device is the caller's (kept for the next model): only the pooled buffers go back
      const engineRelease = async () => {
        await release();
        be.trim();
      };
      try {
        for (const f of folds)
          networks.push(
            createEngineNetwork(
              be,
              model.spec,
              await loadNetworkWeights(foldCheckpoint(model, f), model.spec),
            ),
          );
      } catch (e) {
        await engineRelease();
        throw e;
      }
      return {
        networks,
        kernels: 'tessera',
        gpuDevice: engine.gpu.device,
        folds,
        mirrorAxes,
        backend: o.backend,
        precision: 'fp32',
        release: engineRelease,
      };
    }
    const split =
      !o.outputOnGpu &&
      separateHead(model.spec.numClasses, model.spec.patchSize, o.backend, o.segmentationHead);
    for (const f of folds) {
      const ckpt = model.checkpoints.get(f)!;
      const onnx = await exportFold(model, f, {
        precision,
        segmentationHead: split ? 'separate' : 'included',
        // CPU EPs have a 3-D ConvTranspose: one op instead of the WebGPU rewrite's conv + interleave; and
        // the decoder's concatenation is folded into split convolutions (no 2 × features copy per stage)
        transposedConv: o.backend === 'webgpu' ? 'as-conv' : 'native',
        concat: o.backend === 'webgpu' ? 'op' : 'split-conv',
      });
      const session = { strictWebGPU: o.strictWebGPU, name: ckpt.file, threads: o.threads };
      networks.push(
        await createOnnxNetwork(ort, onnx, o.backend, { ...session, outputOnGpu: o.outputOnGpu }),
      );
      if (split) {
        heads.push(
          await createOnnxNetwork(ort, await exportFoldSegmentationHead(model, f), o.backend, session),
        );
        if (model.spec.dim === 3 && o.headAccumulation !== 'js') {
          const fused = await exportFoldSegmentationHead(model, f, 'accumulating');
          const opts = { name: ckpt.file, threads: o.threads };
          accumulating.push(await createAccumulatingHead(ort, fused, o.backend, opts));
          if (folds.length === 1)
            labels.push(
              await createLabelsHead(
                ort,
                await exportFoldSegmentationHead(model, f, 'labels'),
                o.backend,
                opts,
              ),
            );
        }
      }
    }
    return {
      networks,
      kernels: 'onnxruntime',
      kernelsNote: engineRefusal ? `onnxruntime: ${engineRefusal}` : undefined,
      folds,
      mirrorAxes,
      backend: o.backend,
      precision,
      head: split
        ? { networks: heads, channels: featureChannels(model.spec), accumulating, labels }
        : undefined,
      release,
    };
  } catch (e) {
    await release();
    throw e;
  }
}
