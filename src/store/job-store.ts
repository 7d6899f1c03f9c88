/** Training-job records, the request keys of the commands that made them, and their notices, in Firestore. */
import { randomUUID } from 'node:crypto';
import type { Firestore, Transaction } from '@google-cloud/firestore';
import { isJobOver, type Job } from '../domain/job.js';
import { boxWorkPending } from '../domain/box-job.js';
import type { Notice, NoticeDraft } from '../domain/notice.js';
import { type Clock } from '../app/ports.js';
import type { JobStore, JobTransactOptions, JobTx } from '../app/ports/jobs.js';
import { NOTICES } from './box-store.js';
import { replaceFields } from './firestore.js';
import { KeyedMutex } from './keyed-mutex.js';
import { keyedTransaction } from './keyed-transaction.js';
import { planOfLegacyBody } from './legacy-job-body.js';
import type { AuditEntry } from '../domain/audit.js';
import { writeAudit } from './audit-store.js';

export const JOBS = 'jobs';

interface JobDoc extends Omit<Job, 'plan'> {
  /** Absent on records written before plans: those carry `body`, the CustomJob they were created with. */
  plan?: Job['plan'];
  body?: unknown;
  live: boolean;
  /** True while a box's agent has something to do for the job (domain/box-job.ts boxWorkPending). */
  boxPending?: boolean;
  /** True while the Slack card shows an older revision than the record. */
  cardStale: boolean;
  card: { channel: string; ts: string } | null;
}

function toJob(doc: JobDoc): Job {
  const { live: _live, boxPending: _boxPending, cardStale: _stale, card: _card, plan, body, ...job } = doc;
  return { ...job, plan: plan ?? planOfLegacyBody(body) };
}

export class FirestoreJobStore implements JobStore {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    /** How long audit entries are kept (GPUBOT_AUDIT_DAYS); the default otherwise. */
    private readonly auditKeepDays?: number,
  ) {}

  async transact<T>(options: JobTransactOptions, work: (tx: JobTx) => Promise<T>): Promise<T> {
    // Job commands share the request-key collection with box commands; the prefix keeps them apart.
    const keyed = { ...options, ...(options.requestKey !== undefined ? { requestKey: `job:${options.requestKey}` } : {}) };
    return this.mutex.run(options.lockKeys ?? [], () => keyedTransaction(this.db, this.clock, keyed, (t) => new FirestoreJobTx(this.db, t, this.clock, this.auditKeepDays), work));
  }

  async getJob(id: string): Promise<Job | null> {
    const snap = await this.db.collection(JOBS).doc(id).get();
    return snap.exists ? toJob(snap.data() as JobDoc) : null;
  }

  async jobNamed(reference: string): Promise<Job | null> {
    const byName = await this.db.collection(JOBS).where('name', '==', reference).get();
    const found = byName.docs.map((d) => toJob(d.data() as JobDoc));
    if (found.length === 0 && /^\d+$/.test(reference)) {
      const byId = await this.db.collection(JOBS).where('vertexJobId', '==', reference).get();
      found.push(...byId.docs.map((d) => toJob(d.data() as JobDoc)));
    }
    return found.sort((a, b) => b.createdAt - a.createdAt)[0] ?? null;
  }

  async jobsAwaitingBox(): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).where('boxPending', '==', true).get();
    return snap.docs.map((d) => toJob(d.data() as JobDoc));
  }

  async activeJobs(): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).where('live', '==', true).get();
    return snap.docs.map((d) => toJob(d.data() as JobDoc));
  }

  /**
   * The newest `limit` of a person's jobs: one ordered, limited query (index: owner, createdAt in
   * firestore.indexes.json), not every job they ever ran, on every App Home open and `/train list`.
   */
  async jobsOwnedBy(owner: string, limit: number): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).where('owner', '==', owner).orderBy('createdAt', 'desc').limit(limit).get();
    return newestFirst(snap.docs.map((d) => toJob(d.data() as JobDoc)), limit);
  }

  /**
   * Every job of a person that is not over: what the policy counts against their limits on every
   * `/gpu up` and `/train`. Two equality filters, which Firestore serves from its single-field indexes;
   * it decodes only the live jobs, and a running job is counted however many newer ones have ended.
   */
  async liveJobsOwnedBy(owner: string): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).where('owner', '==', owner).where('live', '==', true).get();
    return snap.docs.map((d) => toJob(d.data() as JobDoc));
  }

  /** The newest `limit` jobs of anyone (`/train list all`): ordered and limited by the query. */
  async recentJobs(limit: number): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).orderBy('createdAt', 'desc').limit(limit).get();
    return newestFirst(snap.docs.map((d) => toJob(d.data() as JobDoc)), limit);
  }

  async jobsWithStaleCards(limit: number): Promise<Job[]> {
    const snap = await this.db.collection(JOBS).where('cardStale', '==', true).limit(limit).get();
    return snap.docs.map((d) => toJob(d.data() as JobDoc));
  }

  async cardOf(jobId: string): Promise<{ channel: string; ts: string } | null> {
    const snap = await this.db.collection(JOBS).doc(jobId).get();
    return snap.exists ? ((snap.data() as JobDoc).card ?? null) : null;
  }

  async jobWithCard(jobId: string): Promise<{ job: Job | null; card: { channel: string; ts: string } | null }> {
    const snap = await this.db.collection(JOBS).doc(jobId).get();
    if (!snap.exists) return { job: null, card: null };
    const doc = snap.data() as JobDoc;
    return { job: toJob(doc), card: doc.card ?? null };
  }

  async markCardShown(jobId: string, rev: number, card: { channel: string; ts: string }): Promise<void> {
    const ref = this.db.collection(JOBS).doc(jobId);
    await this.mutex.run([jobId], () =>
      this.db.runTransaction(async (t) => {
        const snap = await t.get(ref);
        if (!snap.exists) return;
        // Only the newest render clears the flag; a write that raced in keeps the card stale.
        t.update(ref, { card, cardStale: (snap.data() as JobDoc).rev > rev });
      }),
    );
  }
}

function newestFirst(jobs: Job[], limit: number): Job[] {
  return jobs.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
}

/** Collects writes so that all of a transaction's reads happen before its first write. */
class FirestoreJobTx implements JobTx {
  private readonly writes: Array<() => void> = [];

  constructor(
    private readonly db: Firestore,
    private readonly t: Transaction,
    private readonly clock: Clock,
    private readonly auditKeepDays: number | undefined,
  ) {}

  async getJob(id: string): Promise<Job | null> {
    const snap = await this.t.get(this.db.collection(JOBS).doc(id));
    return snap.exists ? toJob(snap.data() as JobDoc) : null;
  }

  putJob(job: Job): void {
    const ref = this.db.collection(JOBS).doc(job.id);
    const doc = { ...job, live: !isJobOver(job), boxPending: boxWorkPending(job.fromBox, isJobOver(job), job.status === 'awaiting-approval'), cardStale: true };
    // The record's fields whole; the card fields, which only the notifier writes, stay.
    this.writes.push(() => this.t.set(ref, doc, replaceFields(doc)));
  }

  notify(job: Pick<Job, 'id' | 'owner' | 'channel'>, drafts: readonly NoticeDraft[]): void {
    const now = this.clock.now();
    for (const draft of drafts) {
      this.writes.push(() => {
        const id = randomUUID();
        const notice: Notice = { ...draft, id, boxId: null, jobId: job.id, owner: job.owner, channel: job.channel, createdAt: now, state: 'pending', attempts: 0, notBefore: now };
        this.t.set(this.db.collection(NOTICES).doc(id), notice);
      });
    }
  }

  audit(entry: AuditEntry): void {
    this.writes.push(() => writeAudit(this.db, this.t, entry, this.auditKeepDays));
  }

  flush(): void {
    for (const write of this.writes) write();
  }
}
