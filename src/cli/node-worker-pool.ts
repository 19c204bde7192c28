import { Worker } from 'node:worker_threads';
import { nodeEndpoint } from '../core/parallel/endpoints';
import { WorkerPool } from '../core/parallel/pool';

/**
 * A pool of worker_threads running the preprocessing handlers. The CLI runs TypeScript through tsx,
 * so each worker starts from a small .mjs that registers it.
 */
export function preprocessWorkerPool(size: number): WorkerPool {
  const url = new URL('./preprocess-node-worker.mjs', import.meta.url);
  return new WorkerPool(() => {
    const worker = new Worker(url);
    worker.unref();
    return nodeEndpoint(worker);
  }, size);
}
