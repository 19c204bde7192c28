import { TesseraError } from '../../errors';
import type { EmitOptions } from '../onnx/emit-network';
import { fileSetFromFiles } from './file-set';
import type { ModelCard } from './model-card';
import { exportFold, type NnunetModelInfo, nnunetModelInfo } from './nnunet-model';
import { readOnnxModelBytes } from './onnx-bundle';
import { type ModelSummary, openModelBundle, summarizeBundle } from './open-bundle';
import type { CheckpointChoice } from './results-folder';

/**
 * The model operations a worker offers the app, on plain data that crosses postMessage: a drop is a name
 * plus files (Blobs are cloned by reference, never copied); results are JSON-able or one transferable buffer.
 */
export interface ModelFiles {
  /** The dropped folder / zip / stored bundle, as the user knows it. */
  name: string;
  files: { path: string; file: Blob | Uint8Array }[];
}

export interface InspectedModel {
  summary: ModelSummary;
  /** nnU-Net: the model-info JSON; ONNX bundle: its card. */
  details: NnunetModelInfo | ModelCard;
}

export async function inspectModel(
  req: ModelFiles & { checkpoint?: CheckpointChoice },
): Promise<InspectedModel> {
  const b = await openModelBundle(fileSetFromFiles(req.name, req.files), { checkpoint: req.checkpoint });
  return {
    summary: summarizeBundle(b),
    details: b.kind === 'nnunet' ? nnunetModelInfo(b.model) : b.bundle.card,
  };
}

/**
 * The ONNX model to run: one fold of an nnU-Net results folder exported (fp32 or fp16, any patch size), or
 * the .onnx of a model-card bundle as it is.
 */
export async function modelOnnx(req: ModelFiles & { fold?: string } & EmitOptions): Promise<Uint8Array> {
  const b = await openModelBundle(fileSetFromFiles(req.name, req.files), {});
  if (b.kind === 'onnx') return readOnnxModelBytes(b.bundle);
  const folds = [...b.model.checkpoints.keys()];
  const fold = req.fold ?? folds[0];
  if (!folds.includes(fold))
    throw new TesseraError(
      'not-found',
      `${req.name}/fold_${fold}`,
      `is not among the model's folds (${folds.join(', ')})`,
    );
  const { name: _n, files: _f, fold: _fold, ...emit } = req;
  return exportFold(b.model, fold, emit);
}
