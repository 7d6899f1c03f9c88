/**
 * Training jobs waiting for an admin: [Approve] / [Deny] (admins only, the first decision wins, nobody
 * approves their own request unless they are the only admin), the requester withdrawing it, and the
 * tick ending the requests nobody decided on. Each change, its notices and its audit entry are written
 * in one transaction; the job watcher creates an approved job like any other.
 */
import { mayDecide } from '../domain/box-approval.js';
import { requestedEntry, tickEntry } from '../domain/audit.js';
import { endJobWait, expireJobIfDue, isJobWaiting } from '../domain/job-approval.js';
import type { Job } from '../domain/job.js';
import type { NoticeDraft } from '../domain/notice.js';
import type { Parsed, UserError } from '../domain/result.js';
import type { Asker } from './box-commands.js';
import type { Clock, Fence, Nudge, Policy } from './ports.js';
import type { JobStore, JobTx } from './ports/jobs.js';

export interface JobApprovalsDeps {
  store: JobStore;
  policy: Policy;
  clock: Clock;
  nudge: Nudge;
  /** Who can decide: no one approves their own request unless they are the only one. */
  admins: ReadonlySet<string>;
}

export class JobApprovals {
  constructor(private readonly deps: JobApprovalsDeps) {}

  /** [Approve] / [Deny] on a waiting job; a later click (a double click, a second admin) changes nothing and is told what was decided. */
  async decide(asker: Asker, jobId: string, decision: 'approve' | 'deny', reason?: string): Promise<Parsed<{ job: Job; changed: boolean }>> {
    if (!this.deps.policy.isAdmin(asker.userId)) {
      return { ok: false, error: { code: 'NOT_ADMIN', message: `Only an admin can ${decision} a training job request; ask one of the admins listed in \`GPUBOT_ADMINS\`.` } };
    }
    // A click without a job id (a message edited by hand, say) names no document to read.
    const seen = jobId === '' ? null : await this.deps.store.getJob(jobId);
    if (seen === null) return { ok: false, error: NO_SUCH_JOB };
    if (seen.approval === undefined) return { ok: false, error: { code: 'NO_APPROVAL', message: `\`${seen.name}\` never needed an approval.` } };
    if (!isJobWaiting(seen)) return { ok: true, value: { job: seen, changed: false } };
    const may = mayDecide(seen.owner, asker.userId, this.deps.admins);
    if (may === null && decision === 'approve') {
      return { ok: false, error: { code: 'OWN_REQUEST', message: `\`${seen.name}\` is your own request; another admin has to approve it.` } };
    }
    const result = await this.deps.store.transact({ requestKey: asker.requestKey, lockKeys: [seen.id] }, async (tx): Promise<Parsed<{ job: Job; changed: boolean }>> => {
      const job = await tx.getJob(seen.id);
      if (job === null) return { ok: false, error: NO_SUCH_JOB };
      const now = this.deps.clock.now();
      const outcome = decision === 'approve' ? 'approved' : 'denied';
      const updated = endJobWait(job, outcome, asker.userId, now, { selfDecided: may?.self === true, ...(reason !== undefined ? { reason } : {}) });
      if (updated === null) return { ok: true, value: { job, changed: false } };
      tx.putJob(updated);
      tx.audit(requestedEntry(asker, decision, jobTarget(updated), now, may?.self === true ? 'their own request; the only admin' : null));
      tx.notify(updated, decidedNotices(updated, outcome, asker.userId));
      return { ok: true, value: { job: updated, changed: true } };
    });
    // Approved: the watcher submits it to Vertex AI on its next tick.
    if (result.ok && result.value.changed) this.deps.nudge.nudge();
    return result;
  }

  /** A request an admin is about to decide on in the decision form: admins only, and only while it waits. */
  async findForDecision(userId: string, jobId: string): Promise<Parsed<Job>> {
    if (!this.deps.policy.isAdmin(userId)) {
      return { ok: false, error: { code: 'NOT_ADMIN', message: 'Only an admin can decide on a training job request; ask one of the admins listed in `GPUBOT_ADMINS`.' } };
    }
    const job = jobId === '' ? null : await this.deps.store.getJob(jobId);
    if (job === null) return { ok: false, error: NO_SUCH_JOB };
    if (!isJobWaiting(job)) return { ok: false, error: { code: 'DECIDED', message: alreadyDecided(job) } };
    return { ok: true, value: job };
  }
}

/**
 * Inside a cancel's transaction: a job still waiting for an admin is withdrawn (it ends, the admins'
 * copies say so). Returns the withdrawn job, or null when the job was not waiting.
 */
export function withdrawJob(tx: JobTx, asker: Asker, job: Job, now: number): Job | null {
  const withdrawn = endJobWait(job, 'withdrawn', asker.userId, now);
  if (withdrawn === null) return null;
  tx.putJob(withdrawn);
  tx.audit(requestedEntry(asker, 'withdraw', jobTarget(withdrawn), now));
  tx.notify(withdrawn, decidedNotices(withdrawn, 'withdrawn', asker.userId));
  return withdrawn;
}

/**
 * The tick's part: each waiting job past its time ends as expired, once (a transaction that finds it
 * no longer waiting, or changed since it was read, writes nothing). Returns how many ended.
 */
export async function expireWaitingJobs(store: JobStore, clock: Clock, jobs: readonly Job[], fence?: Fence): Promise<number> {
  let ended = 0;
  for (const seen of jobs) {
    if (expireJobIfDue(seen, clock.now()) === null) continue;
    const done = await store.transact({ ...(fence !== undefined ? { fence } : {}), lockKeys: [seen.id] }, async (tx) => {
      const job = await tx.getJob(seen.id);
      if (job === null || job.rev !== seen.rev) return false;
      const now = clock.now();
      const expired = expireJobIfDue(job, now);
      if (expired === null) return false;
      tx.putJob(expired);
      // Keyed by the revision it ends: a second replica's tick writes the same entry, not a second one.
      tx.audit(tickEntry({ kind: 'job', id: job.id, name: job.name, rev: job.rev, channel: job.channel }, 'expire', now));
      tx.notify(expired, decidedNotices(expired, 'expired', null));
      return true;
    });
    if (done) ended++;
  }
  return ended;
}

/** The requester hears it in the job's thread and by DM; every admin's copy of the request is updated. */
function decidedNotices(job: Job, outcome: 'approved' | 'denied' | 'expired' | 'withdrawn', by: string | null): NoticeDraft[] {
  const event = { type: 'job-approval-decided', jobId: job.id, outcome, by } as const;
  return [
    { to: 'thread', event },
    { to: 'dm', event },
    { to: 'admins', event: { type: 'job-approval-copies', jobId: job.id } },
  ];
}

function jobTarget(job: Job): { kind: 'job'; id: string; name: string } {
  return { kind: 'job', id: job.id, name: job.name };
}

function alreadyDecided(job: Job): string {
  const a = job.approval;
  return a === undefined || a.state === 'waiting' ? `\`${job.name}\` is not waiting for a decision.` : `\`${job.name}\` was already ${a.state}${a.decidedBy !== null ? ` by <@${a.decidedBy}>` : ''}.`;
}

const NO_SUCH_JOB: UserError = { code: 'NO_SUCH_JOB', message: 'That training job request no longer exists.' };
