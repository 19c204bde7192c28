import { throwIfCancelled } from '../parallel/job';
import { type HandlerContext, withTransfer } from '../parallel/rpc';
import { caseFingerprintTransferables } from './fingerprint-case';
import { type CaseJob, runCaseJob } from './fingerprint-driver';

/**
 * What a planning worker answers (workers/planning.worker.ts serves these): one training case read,
 * verified and fingerprinted. The file bytes come in by transfer; the samples go back by transfer.
 */
export const planningHandlers = {
  async fingerprintCase(job: CaseJob, ctx: HandlerContext) {
    throwIfCancelled(ctx.signal);
    const r = await runCaseJob(job);
    return withTransfer(r, r.fingerprint ? caseFingerprintTransferables(r.fingerprint) : []);
  },
};

export type PlanningMethod = keyof typeof planningHandlers;
