import type { SegmentRequest, SegmentResult } from '../../workers/inference.worker';
import type { OpenedVolume } from '../../workers/io.worker';
import type { InspectedModel } from '../core/model/bundle/model-service';
import { webEndpoint } from '../core/parallel/endpoints';
import type { Progress } from '../core/parallel/rpc';
import { WorkerClient } from '../core/parallel/rpc';

/** Lazily started workers, one client per kind; the page never does heavy work itself. */
let io: WorkerClient | null = null;

function ioWorker(): WorkerClient {
  if (!io) {
    const worker = new Worker(new URL('../../workers/io.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-io',
    });
    io = new WorkerClient(webEndpoint(worker));
  }
  return io;
}

/** Read and decompress a file in the I/O worker. The File handle is cloned, its bytes never copied here. */
export function openVolumeFile(file: Blob, name: string, signal?: AbortSignal): Promise<OpenedVolume> {
  return ioWorker().call<OpenedVolume>('open', { file, name }, { signal });
}

let inference: WorkerClient | null = null;

function inferenceWorker(): WorkerClient {
  if (!inference) {
    const worker = new Worker(new URL('../../workers/inference.worker.ts', import.meta.url), {
      type: 'module',
      name: 'tessera-inference',
    });
    inference = new WorkerClient(webEndpoint(worker));
  }
  return inference;
}

/** Open and check a model bundle in the inference worker: its summary and details. */
export function inspectModelFiles(
  name: string,
  files: { path: string; file: Blob }[],
): Promise<InspectedModel> {
  return inferenceWorker().call<InspectedModel>('inspect', { name, files });
}

/** Segment a volume; the worker keeps the model's sessions between calls. */
export function segmentInWorker(
  req: SegmentRequest,
  onProgress: (p: Progress) => void,
  signal: AbortSignal,
): Promise<SegmentResult> {
  return inferenceWorker().call<SegmentResult>('segment', req, { onProgress, signal });
}
