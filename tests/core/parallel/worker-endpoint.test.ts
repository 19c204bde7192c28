import { describe, expect, it } from 'vitest';
import { WorkerClient } from '../../../src/core/parallel/rpc';
import { workerEndpoint } from '../../../src/core/parallel/worker-endpoint';

/** A Worker whose script never loads: it swallows calls, and fires 'error' when told. */
function deadWorker() {
  const listeners: Record<string, ((e: never) => void)[]> = { message: [], error: [] };
  let posted = 0;
  return {
    worker: {
      postMessage: () => {
        posted++;
      },
      addEventListener: (type: 'message' | 'error', cb: (e: never) => void) => listeners[type].push(cb),
    },
    fire: (message?: string) => {
      for (const cb of listeners.error) cb({ message } as never);
    },
    posted: () => posted,
  };
}

describe('a worker that cannot start', () => {
  it('rejects the pending call and every later one with one line, instead of hanging', async () => {
    const w = deadWorker();
    const client = new WorkerClient(workerEndpoint(w.worker, 'dataset'));
    const pending = client.call('fingerprint', {});
    w.fire();
    await expect(pending).rejects.toThrow(
      /^the dataset worker: could not be started \(offline and not cached\? open the page once while online\)$/,
    );
    await expect(client.call('fingerprint', {})).rejects.toThrow(/the dataset worker: could not be started/);
    expect(w.posted()).toBe(1);
  });

  it('a worker that throws outside a call says what it threw', async () => {
    const w = deadWorker();
    const client = new WorkerClient(workerEndpoint(w.worker, 'training'));
    const pending = client.call('train.prepare', {});
    w.fire('Uncaught RangeError: out of memory');
    await expect(pending).rejects.toThrow('the training worker: stopped: Uncaught RangeError: out of memory');
  });
});
