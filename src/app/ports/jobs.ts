/** What the job use cases and the job watcher need from the job records (Firestore `jobs`). */
import type { Job } from '../../domain/job.js';
import type { NoticeDraft } from '../../domain/notice.js';
import type { Fence } from './lease.js';
import type { AuditEntry } from '../../domain/audit.js';


/** Reads and writes inside one transaction: all reads happen before the first write. */
export interface JobTx {
  getJob(id: string): Promise<Job | null>;
  putJob(job: Job): void;
  /** Records notices in the same transaction: to the job's thread and its owner. */
  notify(job: Pick<Job, 'id' | 'owner' | 'channel'>, drafts: readonly NoticeDraft[]): void;
  /** Records who did it in the same transaction; an entry's key makes a second write of it a no-op. */
  audit(entry: AuditEntry): void;
}

export interface JobTransactOptions {
  /** A retried Slack request with this key returns the first run's result and changes nothing. */
  requestKey?: string;
  /** The worker's lease: the transaction fails with LostLeaseError once it is no longer held. */
  fence?: Fence;
  lockKeys?: readonly string[];
}

export interface JobStore {
  transact<T>(options: JobTransactOptions, work: (tx: JobTx) => Promise<T>): Promise<T>;
  getJob(id: string): Promise<Job | null>;
  /** The newest job with this name (or this Vertex AI id). */
  jobNamed(reference: string): Promise<Job | null>;
  /** Jobs not over yet: the watcher's work list. */
  activeJobs(): Promise<Job[]>;
  /** Jobs whose box's agent still has work (packaging the code, copying outputs back), ended ones included. */
  jobsAwaitingBox(): Promise<Job[]>;
  jobsOwnedBy(owner: string, limit: number): Promise<Job[]>;
  /** A person's jobs not over yet, however old. */
  liveJobsOwnedBy(owner: string): Promise<Job[]>;
  recentJobs(limit: number): Promise<Job[]>;
  jobsWithStaleCards(limit: number): Promise<Job[]>;
  cardOf(jobId: string): Promise<{ channel: string; ts: string } | null>;
  /** The job and its card in one read: both live in the job's document. */
  jobWithCard(jobId: string): Promise<{ job: Job | null; card: { channel: string; ts: string } | null }>;
  markCardShown(jobId: string, rev: number, card: { channel: string; ts: string }): Promise<void>;
}
