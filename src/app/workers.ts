import type { DatasetRequest, FingerprintedDataset } from '../../workers/dataset.worker';
import type { SegmentRequest, SegmentResult } from '../../workers/inference.worker';
import type { OpenedVolume } from '../../workers/io.worker';
import type { TileGrid } from '../core/inference/tile-grid';
import type { InspectedModel } from '../core/model/bundle/model-service';
import type { CheckpointChoice } from '../core/model/bundle/results-folder';
import type { Progress } from '../core/parallel/rpc';
import { WorkerClient } from '../core/parallel/rpc';
import { workerEndpoint } from '../core/parallel/worker-endpoint';
import type { BBox3 } from '../core/preprocessing/crop';

/** Lazily started workers, one client per kind; the page never does heavy work itself. */
let io: WorkerClient | null = null;

function ioWorker(): WorkerClient {
  if (!io) {
    const worker = new Worker(new URL('../../workers/io.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-io',
    });
    io = new WorkerClient(workerEndpoint(worker, 'I/O'));
  }
  return io;
}

/** nnU-Net's crop box of a scan, computed in the I/O worker (the voxels are copied there, not moved). */
export function cropBoxInWorker(data: ArrayLike<number>, shape: number[]): Promise<BBox3> {
  return ioWorker().call<BBox3>('cropBox', { data, shape });
}

/** Read and decompress a file in the I/O worker. The File handle is cloned, its bytes never copied here. */
export function openVolumeFile(file: Blob, name: string, signal?: AbortSignal): Promise<OpenedVolume> {
  return ioWorker().call<OpenedVolume>('open', { file, name }, { signal });
}

/** The tile grid drawn as a label volume, in the I/O worker. */
export function rasterizeTilesInWorker(
  grid: TileGrid,
  shape: [number, number, number],
  options: { grid: boolean; patch: boolean },
): Promise<Uint8Array> {
  return ioWorker().call<Uint8Array>('rasterizeTiles', {
    grid,
    shape,
    grid_: options.grid,
    patch: options.patch,
  });
}

let inference: WorkerClient | null = null;

function inferenceWorker(): WorkerClient {
  if (!inference) {
    const worker = new Worker(new URL('../../workers/inference.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-inference',
    });
    inference = new WorkerClient(workerEndpoint(worker, 'inference'));
  }
  return inference;
}

/** Open and check a model bundle in the inference worker: its summary and details. */
export function inspectModelFiles(
  name: string,
  files: { path: string; file: Blob }[],
  checkpoint?: CheckpointChoice,
): Promise<InspectedModel> {
  return inferenceWorker().call<InspectedModel>('inspect', { name, files, checkpoint });
}

/** Segment a volume; the worker keeps the model's sessions between calls. */
export function segmentInWorker(
  req: SegmentRequest,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<SegmentResult> {
  return inferenceWorker().call<SegmentResult>('segment', req, { onProgress, signal });
}

let datasets: WorkerClient | null = null;

/** Fingerprint a dropped nnU-Net dataset in the dataset worker (which farms cases out to planning workers). */
export function fingerprintDataset(
  req: DatasetRequest,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<FingerprintedDataset> {
  if (!datasets) {
    const worker = new Worker(new URL('../../workers/dataset.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-dataset',
    });
    datasets = new WorkerClient(workerEndpoint(worker, 'dataset'));
  }
  return datasets.call<FingerprintedDataset>('fingerprint', req, { onProgress, signal });
}

let training: WorkerClient | null = null;

/** The training worker (one session at a time); see core/training/trainer-service.ts for its calls. */
export function trainWorker(): WorkerClient {
  if (!training) {
    const worker = new Worker(new URL('../../workers/train.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-train',
    });
    training = new WorkerClient(workerEndpoint(worker, 'training'));
  }
  return training;
}
