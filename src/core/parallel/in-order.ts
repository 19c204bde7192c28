/**
 * Jobs that run concurrently, up to `depth` at a time, whose results are used one at a time in the order
 * the jobs were added (a worker pool finalizing slices that the export must see in z order).
 */
export class InOrder {
  private readonly pending: (() => Promise<void>)[] = [];

  constructor(private readonly depth: number) {}

  /** Start tracking `job`; waits while more than `depth` jobs are pending. */
  async add<R>(job: Promise<R>, use: (result: R) => void | Promise<void>): Promise<void> {
    // a failure surfaces when its turn comes; until then it must not count as unhandled
    job.catch(() => {});
    this.pending.push(async () => use(await job));
    await this.settle(Math.max(0, this.depth - 1));
  }

  /** Use every remaining result. */
  drain(): Promise<void> {
    return this.settle(0);
  }

  private async settle(keep: number): Promise<void> {
    while (this.pending.length > keep) await this.pending.shift()!();
  }
}
