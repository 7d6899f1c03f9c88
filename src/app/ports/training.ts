/** What the training-job use cases and the job watcher need from Vertex AI and Cloud Logging. */
import type { JobPlan } from '../../domain/job-plan.js';
import type { TrialSeen } from '../../domain/tuning-plan.js';
import type { CloudFailure, CloudResult } from './cloud.js';

/** Vertex AI's `JobState` values a custom job can show. */
export type JobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED'
  | 'JOB_STATE_PAUSED'
  | 'JOB_STATE_EXPIRED'
  | 'JOB_STATE_UPDATING'
  | 'JOB_STATE_PARTIALLY_SUCCEEDED';

/** States after which a job never changes again. */
export const FINAL_JOB_STATES: readonly JobState[] = [
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
];

/**
 * Which Vertex AI resource a job is: a custom job, or a hyperparameter tuning job (a plan with a
 * study), whose trials Vertex AI runs as custom jobs of its own. Each has its own ids and methods.
 */
export type VertexJobKind = 'custom' | 'tuning';

/** The kind of Vertex AI job a plan is created as. */
export function vertexJobKind(plan: Pick<JobPlan, 'tuning'>): VertexJobKind {
  return plan.tuning === undefined ? 'custom' : 'tuning';
}

/** A custom job (or tuning job) as the bot sees it in one listing or read. Times are epoch milliseconds. */
export interface ObservedJob {
  /** Vertex AI's numeric job id (the last part of `name`). */
  id: string;
  /** `projects/{project number}/locations/{region}/customJobs/{id}` (or `.../hyperparameterTuningJobs/{id}`). */
  name: string;
  /** Absent: a custom job. */
  kind?: VertexJobKind;
  /** A tuning job's trials, as a direct get shows them (listings leave them out). */
  trials?: TrialSeen[];
  displayName: string;
  region: string;
  state: JobState;
  labels: Record<string, string>;
  /** `gpubot-id` label: the job record it belongs to, if it carries one. */
  recordId: string | null;
  /** `gpubot-owner` label. */
  ownerLabel: string | null;
  createTime: number | null;
  /** First time it ran; null while it has not. */
  startTime: number | null;
  /** When it reached SUCCEEDED, FAILED or CANCELLED. */
  endTime: number | null;
  /** Set when the job FAILED (and on CANCELLED, as Vertex AI writes it). */
  error: { code: number; message: string } | null;
}

/** Narrows a listing to the jobs a pass watches: not over yet, created since the oldest watched record. */
export interface ListJobsOptions {
  activeOnly?: boolean;
  createdSince?: number;
  /** Which kinds of job to list; custom jobs only when left out. */
  kinds?: readonly VertexJobKind[];
}

export interface TrainingPort {
  /**
   * Creates a custom job in `region` from the plan. Vertex AI's create takes no request id, so with
   * `requestId` (the job record's id, which the plan carries as its `gpubot-id` label) a job already carrying it is
   * returned instead of a second one: a retried submit creates one job.
   */
  createJob(region: string, plan: JobPlan, requestId?: string): Promise<CloudResult<ObservedJob>>;
  /**
   * Every job labelled `managed-by=gpubot` in `region`: one list call per page, never one per job.
   * Throws TrainingUnavailableError when Vertex AI cannot be listed: half a listing would make running
   * jobs look gone, so a pass gets all jobs of the region or none.
   */
  listManagedJobs(region: string, options?: ListJobsOptions): Promise<ObservedJob[]>;
  /**
   * The job created for a job record (found by its `gpubot-id` label), or null when there is none: a
   * create whose record write was lost (a killed process) is found this way.
   */
  jobForRecord(region: string, recordId: string, kind?: VertexJobKind): Promise<CloudResult<ObservedJob | null>>;
  /** The job, or null when Vertex AI has no such job (of that kind; a custom job when left out). */
  getJob(region: string, jobId: string, kind?: VertexJobKind): Promise<CloudResult<ObservedJob | null>>;
  /** Asks Vertex AI to cancel; the job goes CANCELLING, then CANCELLED. */
  cancelJob(region: string, jobId: string, kind?: VertexJobKind): Promise<CloudResult<void>>;
  /** The last `limit` error lines the job wrote to Cloud Logging, oldest first. */
  failureLog(jobId: string, region: string, limit: number): Promise<CloudResult<string[]>>;
}

/** Vertex AI could not be listed (permissions, quota, outage): nothing about the region's jobs is known this pass. */
export class TrainingUnavailableError extends Error {
  readonly code = 'TRAINING_UNAVAILABLE';
  constructor(
    readonly region: string,
    readonly failure: CloudFailure,
  ) {
    super(`could not list Vertex AI custom jobs in ${region}: ${failure.message}`);
    this.name = 'TrainingUnavailableError';
  }
}

export function isTrainingUnavailable(error: unknown): error is TrainingUnavailableError {
  return error instanceof TrainingUnavailableError;
}
