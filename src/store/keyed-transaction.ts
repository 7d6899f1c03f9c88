/**
 * The transaction every store's writes go through: it answers a retried request (Slack retries a
 * command it thinks unanswered) with the result recorded the first time, checks the worker lease when
 * the tick writes, runs the work, and records the result under the request's key. Box and job stores
 * share it, and the request-key collection: a job's keys carry a prefix that keeps them apart.
 */
import { createHash } from 'node:crypto';
import type { Firestore, Transaction } from '@google-cloud/firestore';
import { LostLeaseError, type Clock, type Fence } from '../app/ports.js';
import { duration, utcAt } from '../domain/time.js';
import { expired } from './firestore.js';
import { LEASES } from './lease-store.js';

export const REQUESTS = 'requests';

/** How long a request key is remembered: well past Slack's last retry (about 5 minutes). */
const REQUEST_TTL = duration({ days: 1 });

/** A request key as a document id: fixed length, whatever a key holds. */
export function requestDocId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** What a request key's document holds: the first answer, and when Firestore's TTL may drop it. */
export function requestRecord<T>(result: T, now: number): { result: T | null; at: number; expiresAt: Date } {
  return { result: result ?? null, at: now, expiresAt: utcAt(now).add(REQUEST_TTL).toDate() };
}

/** Throws LostLeaseError unless the worker lease is still held with `fence`. */
export async function checkFence(t: Transaction, db: Firestore, fence: Fence, now: number): Promise<void> {
  const snap = await t.get(db.collection(LEASES).doc('worker'));
  const lease = snap.data() as { holder?: string; fence?: number; expiresAt?: number } | undefined;
  if (lease?.holder !== fence.holder || lease.fence !== fence.fence || (lease.expiresAt ?? 0) <= now) {
    throw new LostLeaseError();
  }
}

/**
 * Runs `work` on a store's transaction object (`open` makes it; its writes are applied by `flush`,
 * after every read), keyed by `requestKey` and fenced by `fence` when given.
 */
export function keyedTransaction<T, X>(
  db: Firestore,
  clock: Clock,
  options: { requestKey?: string; fence?: Fence },
  open: (t: Transaction) => X & { flush(): void },
  work: (tx: X) => Promise<T>,
): Promise<T> {
  return db.runTransaction(async (t) => {
    const requestRef = options.requestKey !== undefined ? db.collection(REQUESTS).doc(requestDocId(options.requestKey)) : null;
    if (requestRef !== null) {
      const seen = await t.get(requestRef);
      if (seen.exists && !expired(seen.data(), clock.now())) return (seen.data() as { result: T }).result;
    }
    if (options.fence !== undefined) await checkFence(t, db, options.fence, clock.now());
    const tx = open(t);
    const result = await work(tx);
    tx.flush();
    if (requestRef !== null) t.set(requestRef, requestRecord(result, clock.now()));
    return result;
  });
}
