/**
 * Boxes asked for past a budget, when the configuration says an admin must approve them: whether a
 * request is past a budget, and how a waiting box moves on (approved, denied, expired, withdrawn).
 */
import type { ApprovalRule, Box, BoxApproval, BudgetOverrun } from './box.js';
import { moveTo } from './box-transitions.js';

/** A request nobody decides on ends after this, so nothing waits (and holds its name) forever. */
export const APPROVAL_WAIT_MS = 24 * 3_600_000;

/** What a `/gpu up` past a budget does (GPUBOT_OVER_BUDGET). */
export type OverBudgetPolicy = 'allow' | 'refuse' | 'approve';

/** The month's budget standing, as the leader's last budget check recorded it. */
export interface BudgetStanding {
  over: readonly { who: string; spent: number; budget: number }[];
  team: { spent: number; budget: number; over: boolean } | null;
}

/**
 * The budget `user` is past this month, or null: their own budget first (it is the one they can do
 * something about), then the team's.
 */
export function budgetOverrun(standing: BudgetStanding | null, user: string, month: string): BudgetOverrun | null {
  if (standing === null) return null;
  const mine = standing.over.find((o) => o.who === user);
  if (mine !== undefined) return { scope: 'person', month, spent: mine.spent, budget: mine.budget };
  if (standing.team?.over === true) return { scope: 'team', month, spent: standing.team.spent, budget: standing.team.budget };
  return null;
}

/** Why a request waits: the policy rules it tripped, and the budget it is past, if any. */
export interface ApprovalCause {
  hits: readonly ApprovalRule[];
  budget?: BudgetOverrun;
}

/** The approval record of a box that starts out waiting. */
export function waitingApproval(cause: ApprovalCause, now: number): BoxApproval {
  return {
    state: 'waiting',
    ...(cause.budget !== undefined ? { budget: cause.budget } : {}),
    rules: cause.hits.map((h) => ({ code: h.code, rule: h.rule, detail: h.detail })),
    askedAt: now,
    decidedBy: null,
    decidedAt: null,
  };
}

/**
 * Whether `decider` may decide on a request by `owner`: anyone but the requester, and the requester
 * only when no other admin exists (the record then says so). Returns null when they may not.
 */
export function mayDecide(owner: string, decider: string, admins: ReadonlySet<string>): { self: boolean } | null {
  if (decider !== owner) return { self: false };
  const others = [...admins].filter((a) => a !== owner);
  return others.length === 0 ? { self: true } : null;
}

export function isWaiting(box: Pick<Box, 'status' | 'approval'>): boolean {
  return box.status === 'awaiting-approval' && (box.approval === undefined || box.approval.state === 'waiting');
}

/** When an undecided request ends by itself. */
export function approvalExpiresAt(box: Pick<Box, 'approval' | 'createdAt'>): number {
  return (box.approval?.askedAt ?? box.createdAt) + APPROVAL_WAIT_MS;
}

export type ApprovalEnd = Exclude<BoxApproval['state'], 'waiting'>;

/**
 * Moves a waiting box on: `approved` queues it for creation like any new box; every other outcome
 * ends it (no VM was ever made, so nothing is left to delete and its name is free again). Returns
 * null when the box is not waiting: someone decided first.
 */
export function endWait(box: Box, outcome: ApprovalEnd, by: string | null, now: number, extra: { selfDecided?: boolean; reason?: string } = {}): Box | null {
  if (!isWaiting(box)) return null;
  const approval: BoxApproval = {
    // A waiting record without its approval (written by hand, say) must still be able to end.
    ...(box.approval ?? waitingApproval({ hits: [] }, box.createdAt)),
    state: outcome,
    decidedBy: by,
    decidedAt: now,
    ...(extra.selfDecided === true ? { selfDecided: true } : {}),
    ...(extra.reason !== undefined && extra.reason !== '' ? { reason: extra.reason } : {}),
  };
  if (outcome === 'approved') return { ...moveTo(box, 'requested', now, 'approved'), approval };
  return { ...moveTo(box, 'deleted', now, outcome), desired: 'deleted', operation: null, approval };
}

/** The box ended for want of a decision, once its time is up; null before then or when not waiting. */
export function expireIfDue(box: Box, now: number): Box | null {
  return now >= approvalExpiresAt(box) ? endWait(box, 'expired', null, now) : null;
}
