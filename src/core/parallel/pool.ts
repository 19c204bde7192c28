import type { Progress } from './job';
import type { CallOptions, Endpoint } from './rpc';
import { WorkerClient } from './rpc';

/**
 * A fixed set of workers of one kind. Calls go to the least busy worker; `map` runs many independent
 * jobs (cases of a dataset, slabs of a volume) with an aggregated progress count and one cancel.
 */
export class WorkerPool {
  private readonly clients: WorkerClient[] = [];

  constructor(
    private readonly create: () => Endpoint,
    readonly size: number,
  ) {
    if (size < 1) throw new Error('a pool needs at least one worker');
  }

  /** An idle worker, else a new one while under size, else the least busy. */
  private client(): WorkerClient {
    const idle = this.clients.find((c) => c.busy === 0);
    if (idle) return idle;
    if (this.clients.length < this.size) {
      const c = new WorkerClient(this.create());
      this.clients.push(c);
      return c;
    }
    return this.clients.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  /** Start every worker now instead of on first use, so that their start-up overlaps the caller's own work. */
  start(): void {
    while (this.clients.length < this.size) this.clients.push(new WorkerClient(this.create()));
  }

  call<R>(method: string, payload: unknown, options?: CallOptions): Promise<R> {
    return this.client().call<R>(method, payload, options);
  }

  /**
   * Run `jobs` with at most `size` in flight; results keep the jobs' order. Progress counts finished
   * jobs (plus the running jobs' own fractions when they report).
   */
  async map<J, R>(
    jobs: J[],
    method: string,
    toCall: (job: J) => { payload: unknown; transfer?: Transferable[] },
    options: { signal?: AbortSignal; onProgress?: (p: Progress) => void; stage?: string } = {},
  ): Promise<R[]> {
    const results: R[] = new Array(jobs.length);
    const fractions = new Array(jobs.length).fill(0);
    const report = () =>
      options.onProgress?.({
        done: fractions.reduce((a, b) => a + b, 0),
        total: jobs.length,
        stage: options.stage,
      });
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const i = next++;
        const { payload, transfer } = toCall(jobs[i]);
        results[i] = await this.call<R>(method, payload, {
          transfer,
          signal: options.signal,
          onProgress: (p) => {
            fractions[i] = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
            report();
          },
        });
        fractions[i] = 1;
        report();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.size, jobs.length) }, lane));
    return results;
  }

  terminate(): void {
    for (const c of this.clients) c.terminate('the pool was shut down');
    this.clients.length = 0;
  }
}

/** A sensible pool size: leave one core to the page (and NiiVue), at least one worker. */
export function defaultPoolSize(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(8, (hardwareConcurrency ?? 2) - 1));
}

/**
 * The inference worker's pool (preprocessing and the export): one worker per core. The export runs while the
 * network's threads are idle, so it may use every core; leaving one to the page would halve it on 2 cores.
 */
export function inferencePoolSize(hardwareConcurrency: number | undefined): number {
  return Math.max(1, Math.min(8, hardwareConcurrency ?? 2));
}
