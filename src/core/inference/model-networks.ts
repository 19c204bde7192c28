import { TesseraError } from '../errors';
import { exportFold } from '../model/bundle/nnunet-model';
import { readOnnxModelBytes } from '../model/bundle/onnx-bundle';
import type { ModelBundle } from '../model/bundle/open-bundle';
import { type Backend, createOnnxNetwork, type OnnxNetwork, type OrtLike } from './onnx-network';

/** A model ready to predict: one ONNX session per fold, and what the predictor needs to know. */
export interface ModelNetworks {
  networks: OnnxNetwork[];
  folds: string[];
  /** nnU-Net's TTA axes from the checkpoint (all spatial axes when it does not say) */
  mirrorAxes: number[];
  backend: Backend;
  precision: 'fp32' | 'fp16';
  release(): Promise<void>;
}

export interface NetworkOptions {
  backend: Backend;
  /** folds to use (nnU-Net results folders); default all the bundle has */
  folds?: string[];
  /** fp16 only where the GPU has shader-f16 (see model/onnx/variant.ts chooseVariant) */
  precision?: 'fp32' | 'fp16';
  /** prove that every node runs on WebGPU (session creation fails otherwise) */
  strictWebGPU?: boolean;
  threads?: number;
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
  const networks: OnnxNetwork[] = [];
  const release = async () => {
    for (const n of networks) await n.release();
  };
  try {
    if (bundle.kind === 'onnx') {
      const bytes = await readOnnxModelBytes(bundle.bundle);
      networks.push(
        await createOnnxNetwork(ort, bytes, o.backend, {
          strictWebGPU: o.strictWebGPU,
          name: bundle.bundle.modelPath,
          threads: o.threads,
        }),
      );
      return { networks, folds: [], mirrorAxes: [], backend: o.backend, precision: 'fp32', release };
    }
    const model = bundle.model;
    const available = [...model.checkpoints.keys()];
    const folds = o.folds?.length ? o.folds : available;
    for (const f of folds) {
      if (!model.checkpoints.has(f)) {
        throw new TesseraError(
          'not-found',
          `fold_${f}`,
          `is not in the model (it has fold${available.length > 1 ? 's' : ''} ${available.join(', ')})`,
        );
      }
    }
    let mirrorAxes: number[] | null = null;
    for (const f of folds) {
      const ckpt = model.checkpoints.get(f)!;
      mirrorAxes ??= ckpt.inferenceAllowedMirroringAxes;
      const onnx = await exportFold(model, f, { precision });
      networks.push(
        await createOnnxNetwork(ort, onnx, o.backend, {
          strictWebGPU: o.strictWebGPU,
          name: ckpt.file,
          threads: o.threads,
        }),
      );
    }
    const dim = model.spec.dim;
    return {
      networks,
      folds,
      mirrorAxes: mirrorAxes ?? Array.from({ length: dim }, (_, i) => i),
      backend: o.backend,
      precision,
      release,
    };
  } catch (e) {
    await release();
    throw e;
  }
}
