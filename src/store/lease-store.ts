/** The worker lease: one document that makes one replica the leader for ticks (REFERENCE.md "Firestore"). */
import type { Firestore } from '@google-cloud/firestore';
import type { Clock, Fence, LeaseStore } from '../app/ports.js';

export const LEASES = 'leases';

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

  async release(name: string, fence: Fence): Promise<void> {
    const ref = this.db.collection(LEASES).doc(name);
    await this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      const lease = snap.data() as LeaseDoc | undefined;
      if (lease?.holder === fence.holder && lease.fence === fence.fence) t.update(ref, { expiresAt: 0 });
    });
  }
}
