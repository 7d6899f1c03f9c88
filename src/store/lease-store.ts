/** The worker lease: one document that makes one replica the leader for ticks (REFERENCE.md "Firestore"). */
import type { Firestore } from '@google-cloud/firestore';
import type { Clock, Fence, LeaseStore } from '../app/ports.js';

export const LEASES = 'leases';

/** The lease that makes one replica the leader for ticks; transactions fence on it too (box-store.ts). */
export const WORKER_LEASE = 'worker';

interface LeaseDoc {
  holder: string;
  expiresAt: number;
  /** Grows every time the lease changes hands, so a former holder's writes can be told apart. */
  fence: number;
}

export class FirestoreLeaseStore implements LeaseStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<Fence | null> {
    const ref = this.db.collection(LEASES).doc(name);
    // A follower asks every tick; a plain read tells it the lease is someone else's without a
    // transaction. A transaction reads with a lock, so followers' transactions would queue against the
    // leader's renewals (the emulator's pessimistic locks then time out, "ABORTED: Transaction lock
    // timeout") and a renewal that waits past the time to live hands the lease over mid-tick.
    const seen = await ref.get();
    const current = seen.exists ? (seen.data() as LeaseDoc) : null;
    if (current !== null && current.holder !== holder && current.expiresAt > this.clock.now()) return null;
    return this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const now = this.clock.now();
      const lease = snap.exists ? (snap.data() as LeaseDoc) : null;
      if (lease !== null && lease.holder !== holder && lease.expiresAt > now) return null;
      const fence = lease !== null && lease.holder === holder && lease.expiresAt > now ? lease.fence : (lease?.fence ?? 0) + 1;
      t.set(ref, { holder, expiresAt: now + ttlMs, fence } satisfies LeaseDoc);
      return { holder, fence };
    });
  }

  /** Whether `name` is still held with `fence` and not expired: one document read. */
  async holds(name: string, fence: Fence): Promise<boolean> {
    const snap = await this.db.collection(LEASES).doc(name).get();
    const lease = snap.exists ? (snap.data() as LeaseDoc) : null;
    return lease !== null && lease.holder === fence.holder && lease.fence === fence.fence && lease.expiresAt > this.clock.now();
  }

  async release(name: string, fence: Fence): Promise<void> {
    const ref = this.db.collection(LEASES).doc(name);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const lease = snap.data() as LeaseDoc | undefined;
      if (lease?.holder === fence.holder && lease.fence === fence.fence) t.update(ref, { expiresAt: 0 });
    });
  }
}
