/**
 * The notices outbox: pending notices, claimed by one sender at a time (holder, lease fence, expiry,
 * in a transaction), marked sent with Slack's ts. A claim is the record of an intent to post: a
 * notice found still `sending` after its claim ran out may have been posted already, and the notifier
 * looks for it before posting again.
 */
import { FieldValue, type DocumentReference, type Firestore } from '@google-cloud/firestore';
import type { Notice } from '../domain/notice.js';
import type { Clock, NoticeOutcome, NoticeStore } from '../app/ports.js';
import { NOTICES } from './box-store.js';

interface NoticeDoc extends Notice {
  claimedBy?: string;
  claimFence?: number;
  claimUntil?: number;
}

export class FirestoreNoticeStore implements NoticeStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
  ) {}

  /**
   * The notices due now, oldest `notBefore` first, at most `limit`: one query with a limit, not the
   * whole collection. A claim moves `notBefore` to the claim's end, so notices being sent stay out of
   * the answer until their sender has had its time (index: state, notBefore in firestore.indexes.json).
   */
  async pending(limit: number): Promise<Notice[]> {
    const now = this.clock.now();
    const snap = await this.db.collection(NOTICES).where('state', 'in', ['pending', 'sending']).where('notBefore', '<=', now).orderBy('notBefore').limit(limit).get();
    return snap.docs
      .map((d) => d.data() as NoticeDoc)
      .filter((n) => n.state === 'pending' || (n.claimUntil ?? 0) <= now)
      .map((n) => {
        const { claimedBy: _by, claimFence: _fence, claimUntil: _until, ...notice } = n;
        return notice;
      });
  }

  async claim(id: string, holder: string, untilMs: number, fence?: number): Promise<boolean> {
    const ref = this.db.collection(NOTICES).doc(id);
    return this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as NoticeDoc | undefined;
      const now = this.clock.now();
      if (n === undefined || n.state === 'sent' || n.state === 'failed') return false;
      if (n.state === 'sending' && (n.claimUntil ?? 0) > now) return false;
      t.update(ref, claimFields(n, holder, untilMs, fence, now));
      return true;
    });
  }

  /**
   * One transaction for a pass's claims (one lease-free read of the notices and one commit), instead
   * of one per notice: at 100 notices a pass those round trips were most of the delivery (bench/tick.ts).
   * Each notice is claimed by the same rule as `claim`.
   */
  async claimMany(ids: readonly string[], holder: string, untilMs: number, fence?: number): Promise<Map<string, { claimedBefore: number | null }>> {
    const claimed = new Map<string, { claimedBefore: number | null }>();
    for (const chunk of chunks([...new Set(ids)])) {
      const refs = chunk.map((id) => this.db.collection(NOTICES).doc(id));
      const mine = await this.db.runTransaction(async (t) => {
        const snaps = await t.getAll(...refs);
        const now = this.clock.now();
        const got = new Map<string, { claimedBefore: number | null }>();
        snaps.forEach((snap, i) => {
          const n = snap.data() as NoticeDoc | undefined;
          const ref = refs[i];
          if (ref === undefined || n === undefined || n.state === 'sent' || n.state === 'failed') return;
          if (n.state === 'sending' && (n.claimUntil ?? 0) > now) return;
          t.update(ref, claimFields(n, holder, untilMs, fence, now));
          got.set(ref.id, { claimedBefore: n.firstClaimedAt ?? null });
        });
        return got;
      });
      for (const [id, c] of mine) claimed.set(id, c);
    }
    return claimed;
  }

  /** One transaction for a pass's outcomes: each by the rule of markSent, markFailed, or a claim handed back. */
  async settle(outcomes: readonly NoticeOutcome[], holder: string): Promise<void> {
    for (const chunk of chunks(outcomes)) {
      const refs: DocumentReference[] = chunk.map((o) => this.db.collection(NOTICES).doc(o.id));
      await this.db.runTransaction(async (t) => {
        const snaps = await t.getAll(...refs);
        const now = this.clock.now();
        chunk.forEach((o, i) => {
          const n = snaps[i]?.data() as NoticeDoc | undefined;
          const ref = refs[i];
          if (ref === undefined || n === undefined || n.state === 'sent') return;
          if (o.kind === 'sent') {
            t.update(ref, { state: 'sent', sentAt: now, delivery: o.delivery });
            return;
          }
          // A failure or a hand-back counts only from the sender that holds the claim.
          if (n.claimedBy !== undefined && n.claimedBy !== holder) return;
          if (o.kind === 'failed') {
            t.update(ref, o.retryAtMs === null ? { state: 'failed', error: o.error } : { state: 'pending', error: o.error, notBefore: o.retryAtMs });
            return;
          }
          if (n.state !== 'sending') return;
          // Never posted: as it was before the claim, so the next sender does not search Slack for it.
          t.update(ref, {
            state: 'pending',
            notBefore: now,
            claimUntil: now,
            attempts: Math.max(0, n.attempts - 1),
            firstClaimedAt: o.claimedBefore ?? FieldValue.delete(),
          });
        });
      });
    }
  }

  /** Idempotent: marking a sent notice sent again changes nothing, whoever holds it. */
  async markSent(id: string, delivery: { channel: string; ts: string }): Promise<void> {
    const ref = this.db.collection(NOTICES).doc(id);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as NoticeDoc | undefined;
      if (n === undefined || n.state === 'sent') return;
      t.update(ref, { state: 'sent', sentAt: this.clock.now(), delivery });
    });
  }

  /** A failed try; ignored when the notice was sent meanwhile or (given `holder`) claimed by another sender. */
  async markFailed(id: string, error: string, retryAtMs: number | null, holder?: string): Promise<void> {
    const ref = this.db.collection(NOTICES).doc(id);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as NoticeDoc | undefined;
      if (n === undefined || n.state === 'sent') return;
      if (holder !== undefined && n.claimedBy !== undefined && n.claimedBy !== holder) return;
      t.update(ref, retryAtMs === null ? { state: 'failed', error } : { state: 'pending', error, notBefore: retryAtMs });
    });
  }

  /** Waits for something (its thread's card): due again at `notBeforeMs`, behind the notices due now. */
  async defer(id: string, notBeforeMs: number): Promise<void> {
    const ref = this.db.collection(NOTICES).doc(id);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as NoticeDoc | undefined;
      if (n?.state !== 'pending') return;
      t.update(ref, { notBefore: notBeforeMs });
    });
  }

  /**
   * Where the box's sent notices of `eventType` went: one equality filter (a single-field index, no
   * composite one), the type and state checked here, since the in-process npm emulator cannot filter
   * on a nested field (`event.type`). A box has tens of notices at most.
   */
  async sentCopies(boxId: string, eventType: Notice['event']['type']): Promise<{ channel: string; ts: string }[]> {
    const snap = await this.db.collection(NOTICES).where('boxId', '==', boxId).get();
    return sentDeliveries(snap.docs.map((d) => d.data() as NoticeDoc & { delivery?: { channel?: unknown; ts?: unknown } }), eventType);
  }

  /** Where a job's sent notices of `eventType` went (each admin's copy of a job request): as sentCopies, by `jobId`. */
  async sentJobCopies(jobId: string, eventType: Notice['event']['type']): Promise<{ channel: string; ts: string }[]> {
    const snap = await this.db.collection(NOTICES).where('jobId', '==', jobId).get();
    return sentDeliveries(snap.docs.map((d) => d.data() as NoticeDoc & { delivery?: { channel?: unknown; ts?: unknown } }), eventType);
  }

  /**
   * Splits an admins' notice into one notice per admin, so a DM that fails is tried again alone and
   * the admins already told are not told twice. The parent is closed in the same transaction.
   */
  async fanOut(id: string, admins: readonly string[]): Promise<void> {
    const ref = this.db.collection(NOTICES).doc(id);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as NoticeDoc | undefined;
      const now = this.clock.now();
      if (n === undefined || n.state === 'sent' || n.state === 'failed') return;
      if (n.state === 'sending' && (n.claimUntil ?? 0) > now) return;
      for (const admin of admins) {
        const childId = `${id}~${admin}`;
        const child: Notice = {
          id: childId,
          event: n.event,
          to: n.to,
          boxId: n.boxId,
          ...(n.jobId !== undefined ? { jobId: n.jobId } : {}),
          owner: n.owner,
          channel: n.channel,
          createdAt: n.createdAt,
          state: 'pending',
          attempts: 0,
          notBefore: now,
          admin,
        };
        t.set(this.db.collection(NOTICES).doc(childId), child);
      }
      t.update(ref, { state: 'sent', sentAt: now, delivery: { channel: 'admins', ts: '' }, fannedOut: [...admins] });
    });
  }
}

/** A claim: the sender, its fence and its time, and the notice out of the due list until then. */
function claimFields(n: NoticeDoc, holder: string, untilMs: number, fence: number | undefined, now: number): Record<string, unknown> {
  return {
    state: 'sending',
    claimedBy: holder,
    claimFence: fence ?? null,
    claimUntil: untilMs,
    notBefore: untilMs,
    // The first claim is when the first post may have happened: a search for it starts there.
    firstClaimedAt: n.firstClaimedAt ?? now,
    attempts: n.attempts + 1,
  };
}

/** Notices per transaction: a pass reads at most 100, and a commit stays far below Firestore's write limits. */
const CHUNK = 100;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The Slack messages the sent notices of `eventType` among `notices` became. */
function sentDeliveries(notices: readonly (NoticeDoc & { delivery?: { channel?: unknown; ts?: unknown } })[], eventType: Notice['event']['type']): { channel: string; ts: string }[] {
  const out: { channel: string; ts: string }[] = [];
  for (const n of notices) {
    const channel = n.delivery?.channel;
    const ts = n.delivery?.ts;
    if (n.event.type !== eventType || n.state !== 'sent' || typeof channel !== 'string' || typeof ts !== 'string' || ts === '') continue;
    out.push({ channel, ts });
  }
  return out;
}
