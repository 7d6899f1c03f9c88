/**
 * The job watcher, run by the worker tick: creates the jobs people asked for, then looks at each
 * region's jobs with one listing (never one call per job) and records what changed. Level-triggered:
 * every step is safe to repeat, so a process killed mid-tick loses nothing and the next tick resumes.
 */
import { isJobOver, statusOfVertexState, type Job, type JobFailure, type JobStatus } from '../domain/job.js';
import type { CloudFailure, Clock, Fence, ForProject, Logger, ObservedJob, TrainingPort } from './ports.js';
import { projectOf } from '../domain/team.js';
import { isTrainingUnavailable, vertexJobKind } from './ports.js';
import { tuningOutcome, type TuningOutcome } from '../domain/tuning-plan.js';
import type { JobStore } from './ports/jobs.js';
import { expireWaitingJobs } from './job-approvals.js';

export interface JobWatcherDeps {
  training: TrainingPort;
  store: JobStore;
  clock: Clock;
  log: Logger;
  /** The configured project: where `training` goes, and where jobs recorded without a project live. */
  project: string;
  /** Vertex AI in a team's project (domain/team.ts); without it every job is taken to live in `project`. */
  trainingFor?: ForProject<TrainingPort>;
}

/** Error lines a failure notice quotes. */
const LOG_LINES = 10;

/**
 * How long after a create attempt a label search that finds nothing is not trusted. Vertex AI's
 * customJobs.create takes no request id (its only parameter is `parent`, v1 discovery document), so
 * the `gpubot-id` label is the only way back to a job whose create answer or record write was lost;
 * a listing may lag behind a create. Inside this window the watcher waits instead of creating again.
 * Google documents no bound on that lag; two minutes is many times the seconds it is seen to take, and
 * every minute here is a minute a person's job waits after an unanswered create.
 */
export const CREATE_SETTLE_MS = 2 * 60_000;

/** A job whose record changed this recently is watched closely: its next step tends to follow soon. */
const CHANGING_MS = 2 * 60_000;

/** A listing reaches this far before the oldest watched job's record, for clocks that disagree. */
const LIST_MARGIN_MS = 3600_000;

export class JobWatcher {
  constructor(private readonly deps: JobWatcherDeps) {}

  /**
   * One pass; `active` is how many jobs are still not over, `changing` how many may change state soon
   * (not created yet, being cancelled, or changed in the last CHANGING_MS): only those call for fast
   * ticks. A job running (or queued) for hours is watched at the ordinary pace.
   */
  async run(fence: Fence): Promise<{ active: number; changing: number }> {
    const jobs = await this.deps.store.activeJobs();
    // A job waiting for an admin is not created; one nobody decided on in time ends here (job-approvals.ts).
    const waiting = jobs.filter((j) => j.status === 'awaiting-approval');
    const expired = await expireWaitingJobs(this.deps.store, this.deps.clock, waiting, fence).catch((error: unknown) => {
      this.deps.log.error('ending expired job requests failed', { error });
      return 0;
    });
    // A job from a box's code waits for the box to package it (app/box-jobs.ts moves it on).
    const toCreate = jobs.filter((j) => j.vertexJobId === null && j.status !== 'awaiting-approval' && j.fromBox?.state !== 'packaging');
    for (const job of toCreate) {
      await this.create(job, fence).catch((error: unknown) => this.deps.log.error('job create step failed', { jobId: job.id, error }));
    }
    // Read again only when creating changed the records; most ticks create nothing.
    const current = toCreate.length > 0 || expired > 0 ? await this.deps.store.activeJobs() : jobs;
    const watched = current.filter((j) => j.vertexJobId !== null);
    let ended = 0;
    // One listing per project and region: a team's jobs live in its project (domain/team.ts), and a
    // listing that fails in one says nothing about another's jobs.
    const places = [...new Set(watched.map((j) => placeOf(j, this.deps.project)))];
    for (const place of places) {
      let observed: ObservedJob[];
      const inRegion = watched.filter((j) => placeOf(j, this.deps.project) === place);
      const first = inRegion[0];
      if (first === undefined) continue;
      const region = first.region;
      // Only the jobs being watched: not over, created since the oldest watched record (less a margin).
      const createdSince = Math.min(...inRegion.map((j) => j.createdAt)) - LIST_MARGIN_MS;
      try {
        const kinds = [...new Set(inRegion.map((j) => vertexJobKind(j.plan)))];
        observed = await this.trainingOf(first).listManagedJobs(region, { activeOnly: true, createdSince, kinds });
      } catch (error) {
        // Half a listing would make running jobs look gone: skip the region this pass.
        if (isTrainingUnavailable(error)) this.deps.log.warn('Vertex AI jobs could not be listed', { region, project: projectOf(first, this.deps.project), error: error.message });
        else this.deps.log.error('listing Vertex AI jobs failed', { region, project: projectOf(first, this.deps.project), error });
        continue;
      }
      const byRecord = new Map(observed.filter((o) => o.recordId !== null).map((o) => [o.recordId, o]));
      for (const job of inRegion) {
        const over = await this.follow(job, byRecord.get(job.id) ?? null, fence).catch((error: unknown) => {
          this.deps.log.error('job watch step failed', { jobId: job.id, error });
          return false;
        });
        if (over) ended++;
      }
    }
    const now = this.deps.clock.now();
    // A job waiting for a person is no reason for fast ticks.
    const changing = current.filter((j) => j.status !== 'awaiting-approval' && (j.vertexJobId === null || j.desired === 'cancelled' || now - j.updatedAt < CHANGING_MS)).length;
    return { active: current.length - ended, changing };
  }

  /** Vertex AI in the project the job lives in. */
  private trainingOf(job: Job): TrainingPort {
    const project = projectOf(job, this.deps.project);
    return this.deps.trainingFor === undefined || project === this.deps.project ? this.deps.training : this.deps.trainingFor(project);
  }

  /** A recorded job not yet in Vertex AI: create it (by its record id, so a repeat finds the first). */
  private async create(job: Job, fence: Fence): Promise<void> {
    if (job.desired === 'cancelled') {
      // A create whose record write was lost has a job in Vertex AI all the same: closing the record
      // without looking would leave that job running, and billing, with nobody watching it.
      const found = await this.trainingOf(job).jobForRecord(job.region, job.id, vertexJobKind(job.plan));
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
    if (job.createTriedAt != null) {
      // A create was tried before: it may have made a job whose answer or record write was lost.
      const found = await this.trainingOf(job).jobForRecord(job.region, job.id, vertexJobKind(job.plan));
      if (!found.ok) {
        this.deps.log.warn('Vertex AI look-up before a repeated create will be retried', { jobId: job.id, error: found.failure.message });
        return;
      }
      if (found.value !== null) {
        await this.record(job.id, fence, found.value);
        await this.follow(job, found.value, fence);
        return;
      }
      if (this.deps.clock.now() - job.createTriedAt < CREATE_SETTLE_MS) {
        this.deps.log.info('an earlier create is not listed yet; waiting before creating again', { jobId: job.id });
        return;
      }
    }
    // The intent first: a crash after the create, before the job's name is written, is then known.
    await this.markCreateTried(job.id, fence);
    const created = await this.trainingOf(job).createJob(job.region, job.plan, job.id);
    if (created.ok) {
      // The created job's name is recorded before anything else (a direct get finds it from then on);
      // then through follow: a job found by its label may have ended already, and its end is told.
      await this.record(job.id, fence, created.value);
      await this.follow(job, created.value, fence);
      return;
    }
    const failure = created.failure;
    if (failure.kind === 'transient') {
      this.deps.log.warn('Vertex AI create will be retried', { jobId: job.id, error: failure.message });
      return;
    }
    await this.end(job.id, fence, 'failed', createFailure(failure, job.region, projectOf(job, this.deps.project)), null);
  }

  /** Brings the record up to what Vertex AI shows, and cancels a job someone asked to cancel; true when it ended. */
  private async follow(job: Job, listed: ObservedJob | null, fence: Fence): Promise<boolean> {
    let seen = listed;
    if (seen === null) {
      // Not in the listing: it ended since (the listing leaves ended jobs out), the listing lags, or it
      // was deleted. Only a direct get that answers 404 says it is gone.
      if (job.vertexJobId === null) return false;
      const got = await this.trainingOf(job).getJob(job.region, job.vertexJobId, vertexJobKind(job.plan));
      if (!got.ok) {
        this.deps.log.warn('a job missing from the listing could not be read; asking again next pass', { jobId: job.id, error: got.failure.message });
        return false;
      }
      if (got.value === null) {
        await this.end(job.id, fence, 'failed', { code: 'GONE', message: 'The job is no longer in Vertex AI (deleted outside gpubot?).', logLines: [] }, null);
        return true;
      }
      seen = got.value;
    }
    const status = statusOfVertexState(seen.state);
    if (job.desired === 'cancelled' && !isJobOver({ status }) && status !== 'cancelling') {
      const cancelled = await this.trainingOf(job).cancelJob(job.region, seen.id, vertexJobKind(job.plan));
      if (!cancelled.ok && cancelled.failure.kind !== 'not-found') {
        this.deps.log.warn('Vertex AI cancel will be retried', { jobId: job.id, error: cancelled.failure.message });
      }
    }
    if (isJobOver({ status })) {
      let failure: JobFailure | null = null;
      if (status === 'failed') {
        const lines = await this.trainingOf(job).failureLog(seen.id, job.region, LOG_LINES);
        failure = { code: 'VERTEX_FAILED', message: seen.error?.message || 'Vertex AI reported the job failed without a message.', logLines: lines.ok ? lines.value : [] };
      }
      const tuning = await this.tuningEnd(job, seen);
      // Trials not readable now: the job is read again next pass, and ends then with its best trial.
      if (tuning === null) return false;
      await this.end(job.id, fence, status, failure, seen, tuning);
      return true;
    }
    // Nothing new since the record was read: no transaction (most jobs, most ticks).
    if (job.status === status && job.vertexJobId === seen.id && (job.startedAt !== null || seen.startTime === null)) return false;
    await this.record(job.id, fence, seen);
    return false;
  }

  /**
   * A tuning job's trials judged by its study: the best trial for the end notice (undefined for a custom
   * job). Listings leave trials out, so an ended job seen only in a listing is read once more; null when
   * that read failed.
   */
  private async tuningEnd(job: Job, seen: ObservedJob): Promise<TuningOutcome | undefined | null> {
    const study = job.plan.tuning;
    if (study === undefined) return undefined;
    let trials = seen.trials;
    if (trials === undefined) {
      const got = await this.trainingOf(job).getJob(job.region, seen.id, 'tuning');
      if (!got.ok) {
        this.deps.log.warn('the trials of an ended tuning job could not be read; asking again next pass', { jobId: job.id, error: got.failure.message });
        return null;
      }
      trials = got.value?.trials;
    }
    return tuningOutcome(study, trials ?? []);
  }

  /** Records that a create is about to be tried (see CREATE_SETTLE_MS). */
  private async markCreateTried(jobId: string, fence: Fence): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transact({ fence, lockKeys: [jobId] }, async (tx) => {
      const job = await tx.getJob(jobId);
      if (job === null || isJobOver(job)) return;
      tx.putJob({ ...job, createTriedAt: now, updatedAt: now });
    });
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
  private async end(jobId: string, fence: Fence, status: JobStatus, failure: JobFailure | null, seen: ObservedJob | null, tuning?: TuningOutcome): Promise<void> {
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
        ...(tuning !== undefined ? { tuning } : {}),
      };
      tx.putJob(ended);
      tx.notify(ended, [
        { event: { type: 'job-ended', jobId }, to: 'thread' },
        { event: { type: 'job-ended', jobId }, to: 'dm' },
      ]);
    });
  }
}

/** Where a job's listing is read: its project and region. */
function placeOf(job: Job, configured: string): string {
  return `${projectOf(job, configured)}/${job.region}`;
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
