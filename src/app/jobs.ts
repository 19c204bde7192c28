import { describeError } from '../core/errors';
import { isCancelled, type JobKind, type Progress } from '../core/parallel/job';
import { type Job, newId, useStore } from './store';

/** What a job's body gets from runJob: the signal that stops it and ways to update its progress bar. */
export interface AppJobContext {
  id: string;
  signal: AbortSignal;
  /** the bar: stage text and done/total */
  progress(p: Progress): void;
  /** anything else the bar shows (startedAt for the time-left estimate, a rewritten stage) */
  update(patch: Partial<Job>): void;
}

export interface RunJobOptions<T> {
  kind: JobKind;
  title: string;
  stage?: string;
  /** false: no Cancel button (the work cannot stop half-way) */
  cancellable?: boolean;
  run(ctx: AppJobContext): Promise<T>;
  /** the one-line summary the status line keeps after success */
  summary?(result: T, ms: number): string | undefined;
  /** the failure banner: "<failure>: <what went wrong>" (default: just what went wrong) */
  failure?: string;
  hint?: string | ((e: unknown) => string | undefined);
  /** after a cancel (default: nothing more to say) */
  onCancel?(): void;
  /** after a failure, besides the banner */
  onError?(e: unknown): void;
}

/**
 * The page's one way to run long work: a progress bar with Cancel while it runs, the timing line after it,
 * one banner naming the fault if it fails, nothing said if the user cancelled. Returns the result, or
 * undefined when the job did not complete. Whatever the user had made stays: the body only adds on success.
 */
export async function runJob<T>(o: RunJobOptions<T>): Promise<T | undefined> {
  const store = useStore.getState();
  const id = newId(o.kind);
  const controller = new AbortController();
  store.startJob({
    id,
    kind: o.kind,
    title: o.title,
    stage: o.stage ?? 'starting',
    cancel: o.cancellable === false ? undefined : () => controller.abort(),
  });
  const t0 = performance.now();
  const ctx: AppJobContext = {
    id,
    signal: controller.signal,
    progress: (p) => useStore.getState().updateJob(id, { stage: p.stage, done: p.done, total: p.total }),
    update: (patch) => useStore.getState().updateJob(id, patch),
  };
  try {
    const result = await o.run(ctx);
    useStore.getState().endJob(id, o.summary?.(result, performance.now() - t0));
    return result;
  } catch (e) {
    useStore.getState().endJob(id);
    if (isCancelled(e) || controller.signal.aborted) {
      o.onCancel?.();
      return undefined;
    }
    o.onError?.(e);
    const hint = typeof o.hint === 'function' ? o.hint(e) : o.hint;
    useStore.getState().showError(o.failure ? `${o.failure}: ${describeError(e)}` : describeError(e), hint);
    return undefined;
  }
}

/** Whether a job of this kind is running (the UI asks by kind, never by id). */
export function isRunning(jobs: readonly Job[], kind: JobKind): boolean {
  return jobs.some((j) => j.kind === kind);
}
