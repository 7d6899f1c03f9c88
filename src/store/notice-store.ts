/** The notices outbox: pending notices, claimed by one sender at a time, marked sent with Slack's ts. */
import type { Firestore } from '@google-cloud/firestore';
import type { Notice } from '../domain/notice.js';
import type { Clock, NoticeStore } from '../app/ports.js';
import { NOTICES } from './box-store.js';

export class FirestoreNoticeStore implements NoticeStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
  ) {}

  async pending(limit: number): Promise<Notice[]> {
    const now = this.clock.now();
    // 'sending' past its claim is a sender that died mid-delivery: offer it again.
    const snap = await this.db.collection(NOTICES).where('state', 'in', ['pending', 'sending']).get();
    return snap.docs
      .map((d) => d.data() as Notice & { claimUntil?: number })
      .filter((n) => n.notBefore <= now && (n.state === 'pending' || (n.claimUntil ?? 0) <= now))
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(0, limit);
  }

  async claim(id: string, holder: string, untilMs: number): Promise<boolean> {
    const ref = this.db.collection(NOTICES).doc(id);
    return this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const n = snap.data() as (Notice & { claimUntil?: number }) | undefined;
      const now = this.clock.now();
      if (n === undefined || n.state === 'sent' || n.state === 'failed') return false;
      if (n.state === 'sending' && (n.claimUntil ?? 0) > now) return false;
      t.update(ref, { state: 'sending', claimedBy: holder, claimUntil: untilMs, attempts: n.attempts + 1 });
      return true;
    });
  }

  async markSent(id: string, delivery: { channel: string; ts: string }): Promise<void> {
    await this.db.collection(NOTICES).doc(id).update({ state: 'sent', sentAt: this.clock.now(), delivery });
  }

  async markFailed(id: string, error: string, retryAtMs: number | null): Promise<void> {
    await this.db
      .collection(NOTICES)
      .doc(id)
      .update(retryAtMs === null ? { state: 'failed', error } : { state: 'pending', error, notBefore: retryAtMs });
  }
}
