import type { OpenedVolume } from '../../workers/io.worker';
import { webEndpoint } from '../core/parallel/endpoints';
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
