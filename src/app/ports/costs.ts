/** What cost reports, the daily digest and budgets need from Firestore. */
import type { Box } from '../../domain/box.js';
import type { Job } from '../../domain/job.js';
import type { NoticeDraft } from '../../domain/notice.js';
import type { Fence } from './lease.js';

export interface BoxesRead {
  boxes: Box[];
  /** Documents Firestore billed for the read (a query that finds nothing still costs one). */
  reads: number;
}

export interface JobsRead {
  jobs: Job[];
  /** Documents Firestore billed for the read, counted as for boxes. */
  reads: number;
}

/** A notice that belongs to no box: to a person (`owner`), the admins, or the digest's `channel`. */
export interface LooseNotice extends NoticeDraft {
  owner: string | null;
  channel: string | null;
}

export interface CostStore {
  /**
   * Every box that may have cost something since `fromMs`: live ones, and ended ones changed since
   * then; one owner's, or everyone's with `owner` null; with `team`, only those asked for in that
   * team's channel (tagged with it).
   */
  boxesSince(fromMs: number, owner: string | null, team?: string): Promise<BoxesRead>;
  /**
   * Every training job that may have cost something since `fromMs`: the ones not over yet (running or
   * about to), and the ones that ended since then; one owner's, or everyone's with `owner` null; with
   * `team`, only that team's.
   */
  jobsSince(fromMs: number, owner: string | null, team?: string): Promise<JobsRead>;
  /** Idle stops since `fromMs`, one per box and stop (the notices the idle reaper recorded). */
  idleStopsSince(fromMs: number): Promise<{ boxId: string; at: number }[]>;
  /** Whether the marker document exists. */
  hasMarker(collection: string, id: string): Promise<boolean>;
  /**
   * Creates the marker and records the notices in one transaction, fenced by the worker lease;
   * returns false (and records nothing) when the marker already exists.
   */
  markOnce(collection: string, id: string, fence: Fence, notices: readonly LooseNotice[]): Promise<boolean>;
  /** Who is over budget this month, as the last budget check found: what `/gpu up` reads in its ack. */
  putBudgetStatus(month: string, status: BudgetStatus): Promise<void>;
  budgetStatus(month: string): Promise<BudgetStatus | null>;
}

export interface BudgetStatus {
  /** People at or over their budget, with the budget and what they spent. */
  over: { who: string; spent: number; budget: number }[];
  team: { spent: number; budget: number; over: boolean } | null;
  checkedAt: number;
}
