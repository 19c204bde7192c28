import type { DatasetRequest, FingerprintedDataset } from '../../workers/dataset.worker';
import type { SegmentRequest, SegmentResult } from '../../workers/inference.worker';
import type { OpenedVolume } from '../../workers/io.worker';
import type { TileGrid } from '../core/inference/tile-grid';
import type { DicomListing } from '../core/io/dicom/dicom-drop';
import type { SegSegmentInfo } from '../core/io/dicom/seg-reader';
import type { Volume, VoxelArray } from '../core/io/volume/volume';
import type { InspectedModel } from '../core/model/bundle/model-service';
import type { CheckpointChoice } from '../core/model/bundle/results-folder';
import type { JobEvent, Progress } from '../core/parallel/job';
import { type CallOptions, WorkerClient } from '../core/parallel/rpc';
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

/** Segment a case; the worker keeps the model's predictor between calls. */
export function segmentInWorker(req: SegmentRequest, options: CallOptions<JobEvent>): Promise<SegmentResult> {
  return inferenceWorker().call<SegmentResult, JobEvent>('segment', req, options);
}

let datasets: WorkerClient | null = null;

function datasetWorker(): WorkerClient {
  if (!datasets) {
    const worker = new Worker(new URL('../../workers/dataset.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-dataset',
    });
    datasets = new WorkerClient(workerEndpoint(worker, 'dataset'));
  }
  return datasets;
}

/** Fingerprint a dropped nnU-Net dataset in the dataset worker (which farms cases out to planning workers). */
export function fingerprintDataset(
  req: DatasetRequest,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<FingerprintedDataset> {
  return datasetWorker().call<FingerprintedDataset>('fingerprint', req, { onProgress, signal });
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

/** The Dataset builder's calls, in the dataset worker. */
export function datasetWorkerCall<T>(
  method: 'assemblePreview' | 'assemble',
  payload: unknown,
  onProgress?: (p: Progress) => void,
  signal?: AbortSignal,
): Promise<T> {
  return datasetWorker().call<T>(method, payload, { onProgress, signal });
}

/** Parse a DICOM drop (files, folders or a zip) in the I/O worker: its series, listed without patient data. */
export function scanDicomInWorker(
  name: string,
  files: { name: string; file: Blob }[],
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<{ token: number; listing: DicomListing }> {
  return ioWorker().call('scanDicom', { name, files }, { onProgress, signal });
}

/** Decode one series of the last DICOM drop into a scan. */
export function openDicomSeriesInWorker(
  token: number,
  index: number,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<OpenedVolume> {
  return ioWorker().call<OpenedVolume>('openDicomSeries', { token, index }, { onProgress, signal });
}

/** A DICOM-SEG (a series of the last drop, or a file) as a label map over an open DICOM scan. */
export function readDicomSegInWorker(req: {
  token?: number;
  index?: number;
  file?: { name: string; file: Blob };
  image: Pick<Volume, 'name' | 'shape' | 'spacing' | 'affine' | 'source' | 'datatype'>;
}): Promise<{ data: VoxelArray; segments: SegSegmentInfo[]; overlapVoxels: number; name: string }> {
  return ioWorker().call('readDicomSeg', req);
}
