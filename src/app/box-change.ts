/**
 * The box controller's changes: the next record of a box and how it is written (with its notices, its
 * audit entry and its name released), and the small rules the controller applies to every step.
 */
import type { Box } from '../domain/box.js';
import { OUTSIDE_ACTOR, tickEntry, type AuditAction, type AuditEntry } from '../domain/audit.js';
import type { NoticeDraft } from '../domain/notice.js';
import { stepRequestId } from '../domain/request-id.js';
import type { BoxTx, CloudFailure } from './ports.js';

/**
 * The next record of a box. `issued`: this step made a cloud call whose operation the record must
 * keep, even when a listener changed the box meanwhile (a Delete pressed during an insert).
 */
/** `audit`: what the tick found or did on its own that the trail records (an expiry, a console stop). */
export type Change = { box: Box; notices: NoticeDraft[]; releaseName?: boolean; issued?: boolean; audit?: AuditEntry };

/**
 * Compute refused gpubot in the box's project: it does not exist, or gpubot's service account has no
 * role there (Google answers both alike). Waiting would not help; the binding or the grant must change.
 */
export function projectRefused(project: string, failure: CloudFailure): NonNullable<Box['failure']> {
  return {
    code: 'PROJECT_REFUSED',
    message: `Google Cloud refused gpubot in project \`${project}\`: ${failure.message}`,
    hint: "Ask an admin to check this channel's binding (`/gpu team`), or to give gpubot's service account its roles in that project (README, deploy guide).",
  };
}

export function quotaFailure(failure: CloudFailure, region: string, project: string): NonNullable<Box['failure']> {
  const quota = failure.quota ?? 'GPUS_ALL_REGIONS';
  return {
    code: 'QUOTA_EXCEEDED',
    message: `The project is out of quota \`${quota}\` in ${region}: ${failure.message}`,
    hint: `Ask your admin to raise \`${quota}\` for ${region} at https://console.cloud.google.com/iam-admin/quotas?project=${project} (new projects start at 0 GPUs), or pick a GPU or region with quota left.`,
  };
}

/**
 * Compute's requestId for the box's next request: the record id, the box's request counter (which
 * only grows, once per recorded request), the action and the zone. Repeating a step before it is
 * recorded sends the same id; any later intent sends a new one.
 */
export function requestIdFor(box: Box, action: 'insert' | 'start' | 'stop' | 'delete', zone: string): string {
  return stepRequestId(box.id, 'request', box.requestSeq ?? 0, action, zone);
}

export function nextSeq(box: Box): number {
  return (box.requestSeq ?? 0) + 1;
}

/** A listener's newer record with the controller's own fields (the cloud request just made) laid over it. */
export function keepIssued(current: Box, next: Box): Box {
  return {
    ...current,
    status: next.status,
    zone: next.zone,
    operation: next.operation,
    requestSeq: next.requestSeq ?? current.requestSeq ?? 0,
    history: next.history,
    failure: next.failure,
    desired: next.desired === 'deleted' ? 'deleted' : current.desired,
    // The account written into the VM just created: the record must say which one it was.
    ...(next.ownerAccount !== undefined ? { ownerAccount: next.ownerAccount } : {}),
    rev: current.rev + 1,
    updatedAt: next.updatedAt,
  };
}

/** The box as the audit trail names it; the revision is the one the change is made from. */
export function boxRecord(box: Box): { kind: 'box'; id: string; name: string; rev: number; channel: string } {
  return { kind: 'box', id: box.id, name: box.name, rev: box.rev, channel: box.channel };
}

/** A change made outside gpubot, as this tick found it: nobody in Slack asked, so the trail says where it came from. */
export function outsideEntry(box: Box, action: AuditAction, now: number): AuditEntry {
  return tickEntry(boxRecord(box), action, now, { via: 'console', who: OUTSIDE_ACTOR });
}

export function commit(tx: BoxTx, change: Change): void {
  tx.putBox(change.box);
  if (change.audit !== undefined) tx.audit(change.audit);
  if (change.releaseName === true) tx.releaseName(change.box.name);
  if (change.notices.length > 0) tx.notify(change.box, change.notices);
}

