/**
 * The job watcher, run by the worker tick: creates the jobs people asked for, then looks at each
 * region's jobs with one listing (never one call per job) and records what changed. Level-triggered:
 * every step is safe to repeat, so a process killed mid-tick loses nothing and the next tick resumes.
 */
import { isJobOver, statusOfVertexState, type Job, type JobFailure, type JobStatus } from '../domain/job.js';
import type { CloudFailure, Clock, Fence, Logger, ObservedJob, TrainingPort } from './ports.js';
import { isTrainingUnavailable } from './ports.js';
import type { JobStore } from './ports/jobs.js';

export interface JobWatcherDeps {
  training: TrainingPort;
  store: JobStore;
  clock: Clock;
  log: Logger;
  project: string;
}

/** Error lines a failure notice quotes. */
const LOG_LINES = 10;

export class JobWatcher {
  constructor(private readonly deps: JobWatcherDeps) {}

  /** One pass; `active` is how many jobs are still not over (the next tick should come soon). */
  async run(fence: Fence): Promise<{ active: number }> {
    const jobs = await this.deps.store.activeJobs();
    const toCreate = jobs.filter((j) => j.vertexJobId === null);
    for (const job of toCreate) {
      await this.create(job, fence).catch((error: unknown) => this.deps.log.error('job create step failed', { jobId: job.id, error }));
    }
    // Read again only when creating changed the records; most ticks create nothing.
    const current = toCreate.length > 0 ? await this.deps.store.activeJobs() : jobs;
    const watched = current.filter((j) => j.vertexJobId !== null);
    let ended = 0;
    const regions = [...new Set(watched.map((j) => j.region))];
    for (const region of regions) {
      let observed: ObservedJob[];
      try {
        observed = await this.deps.training.listManagedJobs(region);
      } catch (error) {
        // Half a listing would make running jobs look gone: skip the region this pass.
        if (isTrainingUnavailable(error)) this.deps.log.warn('Vertex AI jobs could not be listed', { region, error: error.message });
        else this.deps.log.error('listing Vertex AI jobs failed', { region, error });
        continue;
      }
      const byRecord = new Map(observed.filter((o) => o.recordId !== null).map((o) => [o.recordId, o]));
      for (const job of watched.filter((j) => j.region === region)) {
        const over = await this.follow(job, byRecord.get(job.id) ?? null, fence).catch((error: unknown) => {
          this.deps.log.error('job watch step failed', { jobId: job.id, error });
          return false;
        });
        if (over) ended++;
      }
    }
    return { active: current.length - ended };
  }

  /** A recorded job not yet in Vertex AI: create it (by its record id, so a repeat finds the first). */
  private async create(job: Job, fence: Fence): Promise<void> {
    if (job.desired === 'cancelled') {
      // A create whose record write was lost has a job in Vertex AI all the same: closing the record
      // without looking would leave that job running, and billing, with nobody watching it.
      const found = await this.deps.training.jobForRecord(job.region, job.id);
      if (!found.ok) {
        this.deps.log.warn('Vertex AI look-up before a cancel will be retried', { jobId: job.id, error: found.failure.message });
        return;
      }
      if (found.value === null) {
        await this.end(job.id, fence, 'cancelled', null, null);
        return;
      }
      // Followed like any listed job: cancelled now, and ended (with its notice) once Vertex AI says so.
      await this.follow(job, found.value, fence);
      return;
    }
    const created = await this.deps.training.createJob(job.region, job.body, job.id);
    if (created.ok) {
      // Through follow, not a plain record: a job found by its label may have ended already, and its
      // end must be told like any other.
      await this.follow(job, created.value, fence);
      return;
    }
    const failure = created.failure;
    if (failure.kind === 'transient') {
      this.deps.log.warn('Vertex AI create will be retried', { jobId: job.id, error: failure.message });
      return;
    }
    await this.end(job.id, fence, 'failed', createFailure(failure, job.region, this.deps.project), null);
  }

  /** Brings the record up to what Vertex AI shows, and cancels a job someone asked to cancel; true when it ended. */
  private async follow(job: Job, seen: ObservedJob | null, fence: Fence): Promise<boolean> {
    if (seen === null) {
      // Created (it has an id) yet absent from a complete listing: deleted outside the bot.
      await this.end(job.id, fence, 'failed', { code: 'GONE', message: 'The job is no longer in Vertex AI (deleted outside gpubot?).', logLines: [] }, null);
      return true;
    }
    const status = statusOfVertexState(seen.state);
    if (job.desired === 'cancelled' && !isJobOver({ status }) && status !== 'cancelling') {
      const cancelled = await this.deps.training.cancelJob(job.region, seen.id);
      if (!cancelled.ok && cancelled.failure.kind !== 'not-found') {
        this.deps.log.warn('Vertex AI cancel will be retried', { jobId: job.id, error: cancelled.failure.message });
      }
    }
    if (isJobOver({ status })) {
      let failure: JobFailure | null = null;
      if (status === 'failed') {
        const lines = await this.deps.training.failureLog(seen.id, job.region, LOG_LINES);
        failure = { code: 'VERTEX_FAILED', message: seen.error?.message || 'Vertex AI reported the job failed without a message.', logLines: lines.ok ? lines.value : [] };
      }
      await this.end(job.id, fence, status, failure, seen);
      return true;
    }
    // Nothing new since the record was read: no transaction (most jobs, most ticks).
    if (job.status === status && job.vertexJobId === seen.id && (job.startedAt !== null || seen.startTime === null)) return false;
    await this.record(job.id, fence, seen);
    return false;
  }

  /** Records a state that is not final, if it changed. */
  private async record(jobId: string, fence: Fence, seen: ObservedJob): Promise<void> {
    const status = statusOfVertexState(seen.state);
    await this.deps.store.transact({ fence, lockKeys: [jobId] }, async (tx) => {
      const job = await tx.getJob(jobId);
      if (job === null || isJobOver(job)) return;
      const startedAt = job.startedAt ?? seen.startTime;
      if (job.status === status && job.vertexJobId === seen.id && job.startedAt === startedAt) return;
      tx.putJob({ ...job, status, vertexJobId: seen.id, startedAt, updatedAt: this.deps.clock.now(), rev: job.rev + 1 });
    });
  }

  /** Records the end, and its notice to the thread and the owner, in one transaction: once only. */
  private async end(jobId: string, fence: Fence, status: JobStatus, failure: JobFailure | null, seen: ObservedJob | null): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transact({ fence, lockKeys: [jobId] }, async (tx) => {
      const job = await tx.getJob(jobId);
      if (job === null || isJobOver(job)) return;
      const ended: Job = {
        ...job,
        status,
        failure,
        vertexJobId: seen?.id ?? job.vertexJobId,
        startedAt: job.startedAt ?? seen?.startTime ?? null,
        endedAt: seen?.endTime ?? now,
        updatedAt: now,
        rev: job.rev + 1,
      };
      tx.putJob(ended);
      tx.notify(ended, [
        { event: { type: 'job-ended', jobId }, to: 'thread' },
        { event: { type: 'job-ended', jobId }, to: 'dm' },
      ]);
    });
  }
}

/** Why Vertex AI refused the create, for the person: the quota and where to raise it, or Vertex AI's own words. */
function createFailure(failure: CloudFailure, region: string, project: string): JobFailure {
  if (failure.kind === 'quota') {
    const quota = failure.quota ?? 'a Vertex AI training quota';
    return {
      code: 'QUOTA',
      message:
        `Vertex AI refused the job: the ${region} quota \`${quota}\` is used up. Ask for more at ` +
        `https://console.cloud.google.com/iam-admin/quotas?project=${encodeURIComponent(project)} (filter by \`${quota}\`), ` +
        'or submit with fewer or other GPUs, or in another region (`--region`).',
      logLines: [],
    };
  }
  if (failure.kind === 'invalid') return { code: 'INVALID', message: `Vertex AI refused the job: ${failure.message}`, logLines: [] };
  if (failure.kind === 'permission') {
    return { code: 'PERMISSION', message: `gpubot may not create Vertex AI jobs (its service account needs roles/aiplatform.user): ${failure.message}`, logLines: [] };
  }
  return { code: 'CREATE_FAILED', message: `Vertex AI could not create the job: ${failure.message}`, logLines: [] };
}
