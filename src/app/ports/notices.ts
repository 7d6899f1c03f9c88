/** The notices outbox and card claims: what the Slack notifier needs to deliver each notice and card once. */
import type { Notice, NoticeEvent } from '../../domain/notice.js';

/** What became of one claimed notice in a delivery pass. */
export type NoticeOutcome =
  /** Posted (or found posted): marked sent, idempotently, whoever holds it now. */
  | { id: string; kind: 'sent'; delivery: { channel: string; ts: string } }
  /** The post failed: due again at `retryAtMs`, or given up (null); ignored when another sender holds it. */
  | { id: string; kind: 'failed'; error: string; retryAtMs: number | null }
  /** Claimed but not posted (the pass ran out of time): pending again as before the claim, nothing to search for. */
  | { id: string; kind: 'released'; claimedBefore: number | null };

export interface NoticeStore {
  /** The notices due now, oldest due first, at most `limit`. */
  pending(limit: number): Promise<Notice[]>;
  /** Marks a notice as being sent (the intent, with holder, fence and expiry); false if another sender claimed it first. */
  claim(id: string, holder: string, untilMs: number, fence?: number): Promise<boolean>;
  /** Idempotent. */
  markSent(id: string, delivery: { channel: string; ts: string }): Promise<void>;
  markFailed(id: string, error: string, retryAtMs: number | null, holder?: string): Promise<void>;
  /**
   * Claims several notices in one commit, each as `claim` would; returns the ones this sender now holds,
   * each with when it was first claimed before (null: this is its first claim, nothing can have been posted).
   */
  claimMany(ids: readonly string[], holder: string, untilMs: number, fence?: number): Promise<Map<string, { claimedBefore: number | null }>>;
  /** Records what became of claimed notices in one commit: each as markSent, markFailed, or a claim handed back unused. */
  settle(outcomes: readonly NoticeOutcome[], holder: string): Promise<void>;
  /** Puts a pending notice off until `notBeforeMs` (it waits for its thread), behind the notices due now. */
  defer(id: string, notBeforeMs: number): Promise<void>;
  /** Replaces an admins' notice by one notice per admin. */
  fanOut(id: string, admins: readonly string[]): Promise<void>;
  /** Where a box's notices of this type were posted (each admin's copy of a request, say). */
  sentCopies(boxId: string, eventType: NoticeEvent['type']): Promise<{ channel: string; ts: string }[]>;
  /** Where a job's notices of this type were posted (each admin's copy of a job request). */
  sentJobCopies(jobId: string, eventType: NoticeEvent['type']): Promise<{ channel: string; ts: string }[]>;
}

/**
 * Claims on posting a card (a box's or a job's first Slack message): the intent is recorded before the
 * post, and the ts after it, so a crash between the post and the record, or a second leader, does not
 * give a second card.
 */
export type CardClaim =
  | { state: 'posted'; card: { channel: string; ts: string } }
  | { state: 'busy' }
  /** This sender may post; `since` is set when an earlier claim ran out and a post may exist from then. */
  | { state: 'mine'; since: number | null };

export interface CardClaimStore {
  claim(key: string, holder: string, untilMs: number, fence?: number): Promise<CardClaim>;
  recordPosted(key: string, card: { channel: string; ts: string }): Promise<void>;
}
