import { deserializeError, type SerializedError, serializeError } from '../errors';
import { cancelledError, type JobContext, type Progress } from './job';

/**
 * A small request/response protocol over postMessage, the same for browser Workers and Node
 * worker_threads: calls carry a method and a payload, the worker answers with progress events and one
 * result or error, and the caller can cancel. Buffers move by transfer, never by copy (the handler says
 * which with `withTransfer`).
 */
export type Message =
  | { type: 'call'; id: number; method: string; payload: unknown }
  | { type: 'cancel'; id: number }
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'event'; id: number; event: unknown }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: SerializedError };

/** The two sides of a channel: a Worker, a worker's global scope, or a worker_threads port. */
export interface Endpoint {
  post(message: Message, transfer: Transferable[]): void;
  listen(onMessage: (message: Message) => void): void;
  terminate?(): void;
}

interface Transferring<T> {
  __transfer: true;
  value: T;
  transfer: Transferable[];
}

/** Return this from a handler to move (not copy) the listed buffers to the caller. */
export function withTransfer<T>(value: T, transfer: Transferable[]): T {
  return { __transfer: true, value, transfer } as unknown as T;
}

function unwrap(v: unknown): { value: unknown; transfer: Transferable[] } {
  if (v && typeof v === 'object' && (v as Transferring<unknown>).__transfer) {
    const t = v as Transferring<unknown>;
    return { value: t.value, transfer: t.transfer };
  }
  return { value: v, transfer: [] };
}

/** A handler's job context: progress and typed events travel to the caller, cancellation comes back. */
export type HandlerContext<E = unknown> = JobContext<E>;

// biome-ignore lint/suspicious/noExplicitAny: handlers are typed at their definition; the table is heterogenous
export type Handlers = Record<string, (payload: any, ctx: HandlerContext) => unknown>;

/** Worker side: answer calls with the given handlers. */
export function serve(endpoint: Endpoint, handlers: Handlers): void {
  const running = new Map<number, AbortController>();
  endpoint.listen(async (msg) => {
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    if (msg.type !== 'call') return;
    const handler = handlers[msg.method];
    const controller = new AbortController();
    running.set(msg.id, controller);
    try {
      if (!handler) throw new Error(`worker has no method '${msg.method}'`);
      const ctx: HandlerContext = {
        signal: controller.signal,
        progress: (progress) => endpoint.post({ type: 'progress', id: msg.id, progress }, []),
        emit: (event) => endpoint.post({ type: 'event', id: msg.id, event }, []),
      };
      const { value, transfer } = unwrap(await handler(msg.payload, ctx));
      endpoint.post({ type: 'result', id: msg.id, value }, transfer);
    } catch (e) {
      endpoint.post({ type: 'error', id: msg.id, error: serializeError(e) }, []);
    } finally {
      running.delete(msg.id);
    }
  });
}

export interface CallOptions<E = unknown> {
  transfer?: Transferable[];
  onProgress?: (p: Progress) => void;
  /** the handler's `ctx.emit` events */
  onEvent?: (event: E) => void;
  signal?: AbortSignal;
}

/** Caller side of one worker. */
export class WorkerClient {
  private nextId = 1;
  private pending = new Map<
    number,
    {
      resolve: (v: unknown) => void;
      reject: (e: Error) => void;
      onProgress?: (p: Progress) => void;
      onEvent?: (e: unknown) => void;
    }
  >();

  constructor(private readonly endpoint: Endpoint) {
    endpoint.listen((msg) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') p.onProgress?.(msg.progress);
      else if (msg.type === 'event') p.onEvent?.(msg.event);
      else if (msg.type === 'result') {
        this.pending.delete(msg.id);
        p.resolve(msg.value);
      } else if (msg.type === 'error') {
        this.pending.delete(msg.id);
        p.reject(deserializeError(msg.error));
      }
    });
  }

  get busy(): number {
    return this.pending.size;
  }

  // biome-ignore lint/suspicious/noExplicitAny: each call site names its own event type
  call<R, E = any>(method: string, payload: unknown, options: CallOptions<E> = {}): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(cancelledError());
        return;
      }
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: options.onProgress,
        onEvent: options.onEvent as ((e: unknown) => void) | undefined,
      });
      options.signal?.addEventListener(
        'abort',
        () => {
          if (!this.pending.has(id)) return;
          this.endpoint.post({ type: 'cancel', id }, []);
          this.pending.delete(id);
          reject(cancelledError());
        },
        { once: true },
      );
      this.endpoint.post({ type: 'call', id, method, payload }, options.transfer ?? []);
    });
  }

  /** Fail everything in flight (the worker died) and stop the worker. */
  terminate(reason = 'the worker stopped'): void {
    for (const p of this.pending.values()) p.reject(new Error(reason));
    this.pending.clear();
    this.endpoint.terminate?.();
  }
}
