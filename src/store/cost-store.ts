/**
 * The reads behind cost reports, the digest and budgets, and the once-only markers (`digests/{day}`,
 * `budget-alerts/{month}-{who}-{threshold}`) that keep those notices from being sent twice.
 *
 * Reading boxes "since" a time takes two queries: live boxes (a stopped box from months ago still
 * pays for its disk) and boxes updated since then (every status change updates `updatedAt`, so an
 * ended box is found only if it ended within the period). The second query needs the composite index
 * (live, updatedAt) in real Firestore, and (owner, live, updatedAt) with an owner;
 * firestore.indexes.json lists every composite index the bot needs.
 *
 * Jobs take two queries too: live jobs (not over yet; a job's `live` flag clears when it ends), and
 * jobs whose `endedAt` is at or after the start of the period. A range filter never matches a null, so
 * the second finds no live job (on both emulators too), and no `!= null` filter is needed; the two are
 * merged by id all the same. With an owner, the second needs the composite index (owner, endedAt).
 */
import { randomUUID } from 'node:crypto';
import type { Firestore, QuerySnapshot } from '@google-cloud/firestore';
import type { Box } from '../domain/box.js';
import type { Job } from '../domain/job.js';
import type { Notice } from '../domain/notice.js';
import type { Clock, Fence } from '../app/ports.js';
import type { BoxesRead, BudgetStatus, CostStore, JobsRead, LooseNotice } from '../app/ports/costs.js';
import { BOXES, NOTICES } from './box-store.js';
import { checkFence } from './keyed-transaction.js';
import { JOBS } from './job-store.js';
import { ShortCache } from '../app/short-cache.js';

export const BUDGET_STATUS = 'budget-status';

/** Fields of a box or job document that are not part of the record. */
const DOC_ONLY = ['live', 'cardStale', 'card'] as const;

function record(data: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...data };
  for (const key of DOC_ONLY) delete copy[key];
  return copy;
}

function toBox(data: Record<string, unknown>): Box {
  return record(data) as unknown as Box;
}

function toJob(data: Record<string, unknown>): Job {
  return record(data) as unknown as Job;
}

function billed(snap: QuerySnapshot): number {
  return Math.max(1, snap.size);
}

/**
 * How long a replica answers from its last read of a month's budget standing: the leader rewrites it
 * at most every 10 minutes (BUDGET_CHECK_EVERY_MS), and every `/gpu up` read it in the ack.
 */
export const BUDGET_CACHE_MS = 5_000;

export class FirestoreCostStore implements CostStore {
  private readonly budgets: ShortCache<BudgetStatus | null>;

  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    budgetCacheMs = BUDGET_CACHE_MS,
  ) {
    this.budgets = new ShortCache(budgetCacheMs);
  }

  async boxesSince(fromMs: number, owner: string | null, team?: string): Promise<BoxesRead> {
    let live = this.db.collection(BOXES).where('live', '==', true);
    let changed = this.db.collection(BOXES).where('updatedAt', '>=', fromMs);
    if (owner !== null) {
      live = live.where('owner', '==', owner);
      changed = changed.where('owner', '==', owner);
    }
    // A team's records carry its channel in `team` (domain/team.ts); index (team, live, updatedAt).
    if (team !== undefined) {
      live = live.where('team', '==', team);
      changed = changed.where('team', '==', team);
    }
    // Live boxes changed since `fromMs` match both; the second query skips them to read less.
    changed = changed.where('live', '==', false);
    const [a, b] = await Promise.all([live.get(), changed.get()]);
    const byId = new Map<string, Box>();
    for (const doc of [...a.docs, ...b.docs]) byId.set(doc.id, toBox(doc.data()));
    return { boxes: [...byId.values()], reads: billed(a) + billed(b) };
  }

  async jobsSince(fromMs: number, owner: string | null, team?: string): Promise<JobsRead> {
    let live = this.db.collection(JOBS).where('live', '==', true);
    let ended = this.db.collection(JOBS).where('endedAt', '>=', fromMs);
    if (owner !== null) {
      live = live.where('owner', '==', owner);
      ended = ended.where('owner', '==', owner);
    }
    // Index (team, endedAt); the live query's two equalities need none.
    if (team !== undefined) {
      live = live.where('team', '==', team);
      ended = ended.where('team', '==', team);
    }
    const [a, b] = await Promise.all([live.get(), ended.get()]);
    const byId = new Map<string, Job>();
    for (const doc of [...a.docs, ...b.docs]) byId.set(doc.id, toJob(doc.data()));
    return { jobs: [...byId.values()], reads: billed(a) + billed(b) };
  }

  async idleStopsSince(fromMs: number): Promise<{ boxId: string; at: number }[]> {
    // Each idle stop is told twice (thread and DM); the DM one stands for it.
    const snap = await this.db.collection(NOTICES).where('event.type', '==', 'box-idle-stopped').where('createdAt', '>=', fromMs).get();
    const seen = new Map<string, { boxId: string; at: number }>();
    for (const doc of snap.docs) {
      const n = doc.data() as Notice;
      if (n.boxId === null) continue;
      seen.set(`${n.boxId}@${n.createdAt}`, { boxId: n.boxId, at: n.createdAt });
    }
    return [...seen.values()];
  }

  async hasMarker(collection: string, id: string): Promise<boolean> {
    return (await this.db.collection(collection).doc(id).get()).exists;
  }

  async markOnce(collection: string, id: string, fence: Fence, notices: readonly LooseNotice[]): Promise<boolean> {
    const ref = this.db.collection(collection).doc(id);
    return this.db.runTransaction(async (t) => {
      const snap = await t.get(ref);
      await checkFence(t, this.db, fence, this.clock.now());
      if (snap.exists) return false;
      const now = this.clock.now();
      t.create(ref, { at: now, by: fence.holder });
      for (const draft of notices) {
        const noticeId = randomUUID();
        const notice: Notice = { ...draft, id: noticeId, boxId: null, createdAt: now, state: 'pending', attempts: 0, notBefore: now };
        t.set(this.db.collection(NOTICES).doc(noticeId), notice);
      }
      return true;
    });
  }

  async putBudgetStatus(month: string, status: BudgetStatus): Promise<void> {
    try {
      await this.db.collection(BUDGET_STATUS).doc(month).set(status);
    } finally {
      this.budgets.drop();
    }
  }

  async budgetStatus(month: string): Promise<BudgetStatus | null> {
    return this.budgets.get(month, async () => {
      const snap = await this.db.collection(BUDGET_STATUS).doc(month).get();
      return snap.exists ? (snap.data() as BudgetStatus) : null;
    });
  }
}
