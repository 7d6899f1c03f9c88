/**
 * Training jobs a policy rule sends to an admin: how a waiting job moves on (approved, denied,
 * expired, withdrawn). The same rules as boxes (box-approval.ts): one decision wins, nobody approves
 * their own request unless they are the only admin, and a request nobody decides on ends by itself.
 */
import { APPROVAL_WAIT_MS, type ApprovalEnd } from './box-approval.js';
import type { Job, JobApproval } from './job.js';

export function isJobWaiting(job: Pick<Job, 'status' | 'approval'>): boolean {
  return job.status === 'awaiting-approval' && (job.approval === undefined || job.approval.state === 'waiting');
}

/** When an undecided job request ends by itself. */
export function jobApprovalExpiresAt(job: Pick<Job, 'approval' | 'createdAt'>): number {
  return (job.approval?.askedAt ?? job.createdAt) + APPROVAL_WAIT_MS;
}

/**
 * Moves a waiting job on: `approved` hands it to the job watcher like any new job (`requested`);
 * every other outcome ends it as cancelled before anything was created in Vertex AI. Returns null
 * when the job is not waiting: someone decided first.
 */
export function endJobWait(job: Job, outcome: ApprovalEnd, by: string | null, now: number, extra: { selfDecided?: boolean; reason?: string } = {}): Job | null {
  if (!isJobWaiting(job)) return null;
  const approval: JobApproval = {
    // A waiting record without its approval (written by hand, say) must still be able to end.
    ...(job.approval ?? { state: 'waiting', rules: [], askedAt: job.createdAt, decidedBy: null, decidedAt: null }),
    state: outcome,
    decidedBy: by,
    decidedAt: now,
    ...(extra.selfDecided === true ? { selfDecided: true } : {}),
    ...(extra.reason !== undefined && extra.reason !== '' ? { reason: extra.reason } : {}),
  };
  const base = { ...job, approval, updatedAt: now, rev: job.rev + 1 };
  if (outcome === 'approved') return { ...base, status: 'requested' };
  return { ...base, status: 'cancelled', desired: 'cancelled', endedAt: now };
}

/** The job ended for want of a decision, once its time is up; null before then or when not waiting. */
export function expireJobIfDue(job: Job, now: number): Job | null {
  return now >= jobApprovalExpiresAt(job) ? endJobWait(job, 'expired', null, now) : null;
}
