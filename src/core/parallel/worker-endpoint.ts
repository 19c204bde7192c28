import { serializeError, TesseraError } from '../errors';
import type { Endpoint, Message } from './rpc';

/** A browser Worker, structurally (core stays free of DOM types). */
interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  addEventListener(type: 'error', listener: (e: { message?: string }) => void): void;
  terminate?(): void;
}

/**
 * A Worker's endpoint that answers for it when it dies: a worker whose script cannot be fetched (offline,
 * not cached) or that throws outside a call fires 'error' and never replies, so every pending call — and
 * every later one — is rejected at once with one line, instead of a spinner that runs forever.
 */
export function workerEndpoint(worker: WorkerLike, name: string): Endpoint {
  const open = new Set<number>();
  let listener: ((m: Message) => void) | null = null;
  let dead: TesseraError | null = null;
  const fail = (id: number) =>
    queueMicrotask(() => listener?.({ type: 'error', id, error: serializeError(dead) }));
  worker.addEventListener('error', (e) => {
    dead = new TesseraError(
      'not-found',
      `the ${name} worker`,
      e.message
        ? `stopped: ${e.message}`
        : 'could not be started (offline and not cached? open the page once while online)',
    );
    for (const id of open) fail(id);
    open.clear();
  });
  worker.addEventListener('message', (e) => {
    const m = e.data as Message;
    if (m.type === 'result' || m.type === 'error') open.delete(m.id);
    listener?.(m);
  });
  return {
    post(m, transfer) {
      if (m.type === 'call') {
        if (dead) return fail(m.id);
        open.add(m.id);
      }
      worker.postMessage(m, transfer);
    },
    listen(cb) {
      listener = cb;
    },
    terminate: worker.terminate ? () => worker.terminate?.() : undefined,
  };
}
