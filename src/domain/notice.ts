/**
 * Notices: what the bot has to tell people, recorded in the same transaction as the change they
 * announce and delivered later by the Slack notifier (the outbox). They carry facts, not Block Kit:
 * the notifier renders them when it sends.
 */
import type { CostNoticeEvent } from './cost-notice.js';
import type { StoppedBoxCost } from './stopped-reminder.js';

export type NoticeEvent =
  | { type: 'box-zone-retry'; zone: string; nextZone: string; reason: string }
  | { type: 'box-ready'; url: string | null }
  | { type: 'box-failed'; code: string; message: string; hint: string }
  | { type: 'box-stopped'; cause: 'request' | 'outside' | 'preempted' }
  | { type: 'box-started' }
  | { type: 'box-deleted'; cause: 'request' | 'outside' }
  /** `blind`: the hard limit is the maximum running time, applied because no idle signal can judge the box. */
  | { type: 'box-idle-warning'; cause: 'idle' | 'hard-limit'; idleSinceMs: number | null; stopAt: number; blind?: boolean }
  | { type: 'box-idle-stopped'; cause: 'idle' | 'hard-limit'; idleSinceMs: number | null }
  | { type: 'box-idle-cancelled'; reasons: string[] }
  | { type: 'box-gpu-metrics-missing' }
  /** No notebook reports ever came: the box is judged by its GPU and CPU; said once, to the owner. */
  | { type: 'box-notebook-reports-missing' }
  /** A box past a budget waits for an admin: the admins get [Approve] / [Deny] (box-approval.ts). */
  | { type: 'box-approval-requested' }
  | { type: 'box-approval-decided'; outcome: 'approved' | 'denied' | 'expired' | 'withdrawn'; by: string | null }
  /** A request was decided or ended: every admin's copy of it is updated in place (chat.update), none posted. */
  | { type: 'box-approval-copies' }
  /** The daily digest and budget alerts (cost-notice.ts). */
  | CostNoticeEvent
  /** `project`: where the VM is, when not the configured project (a team's, domain/team.ts). */
  | { type: 'orphan-found'; instance: { id: string; name: string; zone: string; owner: string | null; status: string; project?: string } }
  /** A training job reached a final state; the job record (`jobs/{jobId}`) holds the facts. */
  | { type: 'job-ended'; jobId: string }
  /** A training job a policy rule sent to an admin: the admins get [Approve] / [Deny] (job-approval.ts). */
  | { type: 'job-approval-requested'; jobId: string }
  | { type: 'job-approval-decided'; jobId: string; outcome: 'approved' | 'denied' | 'expired' | 'withdrawn'; by: string | null }
  /** A job request was decided or ended: every admin's copy of it is updated in place. */
  | { type: 'job-approval-copies'; jobId: string }
  /** The weekly word to the owner of a box stopped for long: what its disk costs, [Delete] [Keep 30 days]. */
  | { type: 'box-stopped-reminder'; cost: StoppedBoxCost }
  /** The same week's list for the admins, with the team's total. */
  | { type: 'stopped-boxes-summary'; boxes: StoppedBoxCost[]; perMonth: number; soFar: number };

/**
 * Who hears it: the box's thread, its owner by DM, or the admins (admin channel or DMs). An admins
 * notice with no box and a `channel` (the daily digest) goes to that channel instead.
 */
export type NoticeAudience = 'thread' | 'dm' | 'admins';

export interface NoticeDraft {
  event: NoticeEvent;
  to: NoticeAudience;
}

export interface Notice extends NoticeDraft {
  id: string;
  boxId: string | null;
  /** Who to DM for `dm`; the box's channel for `thread`. Copied in so a notice outlives its box. */
  owner: string | null;
  channel: string | null;
  createdAt: number;
  state: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  /** Not before this time (backoff after a failure). */
  notBefore: number;
  /** When a sender first claimed it: a post may have happened since, and is looked for before posting again. */
  firstClaimedAt?: number;
  /** The job a job's notice is about (a top-level field, so its sent copies are found with one equality filter). */
  jobId?: string;
  /** One admin's copy of an admins' notice (sent by DM, each copy on its own), when there is no admin channel. */
  admin?: string;
}
