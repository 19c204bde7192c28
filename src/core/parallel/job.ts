import { TesseraError } from '../errors';

/**
 * One job abstraction for the app, the workers and the CLI: what a long-running piece of work reports
 * (progress, typed events) and how it is stopped (an AbortSignal). Workers carry the same shapes over
 * postMessage (see rpc.ts); the app shows them with one `runJob`; the CLI prints them.
 */

/** What the app's progress bars and the CLI's lines show. */
export interface Progress {
  done: number;
  total: number;
  /** what is being done now, for the progress bar */
  stage?: string;
}

/** The kinds of work the page runs; one running job of a kind is what the UI asks about, never an id prefix. */
export type JobKind = 'load' | 'fingerprint' | 'segment' | 'finetune' | 'import-model' | 'dataset';

/** Something a job says besides progress: a notice for the user, or a stage's own typed data. */
export type JobEvent =
  | { type: 'notice'; level: 'info' | 'warning'; message: string }
  | { type: 'backend-fallback'; from: string; to: string; reason: string };

/** What a job's body receives: where to report, and the signal that stops it. */
export interface JobContext<E = JobEvent> {
  signal: AbortSignal;
  progress(p: Progress): void;
  emit(event: E): void;
}

export function cancelledError(): TesseraError {
  return new TesseraError('cancelled', '', 'cancelled');
}

export function isCancelled(e: unknown): boolean {
  return e instanceof TesseraError && e.code === 'cancelled';
}

/** Throw a TesseraError('cancelled') if the signal fired: long loops call this between chunks. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}
