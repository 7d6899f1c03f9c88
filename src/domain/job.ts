/**
 * A training job as the bot records it (Firestore `jobs/{id}`): what was asked (the request and its plan),
 * what is wanted (run, or cancel), and what Vertex AI was last seen doing.
 */
import { planPools, type JobPlan } from './job-plan.js';
import type { TrainRequest } from './train-command.js';
import type { TuningOutcome } from './tuning-plan.js';
import type { BoxJobSource } from './box-job.js';
import type { BoxApproval } from './box.js';

/** A job's approval is recorded as a box's is: the same states, rules, decider and reason. */
export type JobApproval = BoxApproval;

/** `awaiting-approval`: a policy rule sent it to an admin; nothing is created in Vertex AI meanwhile (job-approval.ts). */
export type JobStatus = 'awaiting-approval' | 'requested' | 'queued' | 'pending' | 'running' | 'cancelling' | 'succeeded' | 'failed' | 'cancelled';

export type JobDesire = 'running' | 'cancelled';

export interface JobFailure {
  /** A stable code: `QUOTA`, `INVALID`, `PERMISSION`, `VERTEX_FAILED`, `GONE`. */
  code: string;
  message: string;
  /** The last error lines the job wrote to Cloud Logging, oldest first. */
  logLines: string[];
}

export interface Job {
  /** Also the `gpubot-id` label and the request id of the create, so a retried create makes one job. */
  id: string;
  name: string;
  owner: string;
  channel: string;
  region: string;
  request: TrainRequest;
  /** The job to create in Vertex AI (src/gcp/ writes it as a CustomJob). */
  plan: JobPlan;
  desired: JobDesire;
  status: JobStatus;
  /** Vertex AI's numeric id, once created. */
  vertexJobId: string | null;
  /** When the watcher last tried to create it in Vertex AI (absent before the first try). */
  createTriedAt?: number | null;
  failure: JobFailure | null;
  /** A tuning job's trials once it ended: the best one by the study's metric and goal. Absent otherwise. */
  tuning?: TuningOutcome;
  /** `/train --from-box`: the box the code comes from and what its agent was asked; absent on other jobs. */
  fromBox?: BoxJobSource | null;
  /** Present on a job a policy rule sent to an admin: waiting, or what became of the request. */
  approval?: JobApproval;
  /** The Google Cloud project its Vertex AI job lives in; absent on records from before teams: the configured project (domain/team.ts). */
  project?: string;
  /** The channel of the team it was asked for in, whose spend it counts in; absent: no team. */
  team?: string;
  createdAt: number;
  /** When Vertex AI started running it (its `startTime`), and when it ended. */
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
  rev: number;
}

export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isJobOver(job: Pick<Job, 'status'>): boolean {
  return FINAL_STATUSES.includes(job.status);
}

/** What Vertex AI's state means for the record; states the bot does not follow keep the job watched as pending. */
export function statusOfVertexState(state: string): JobStatus {
  switch (state) {
    case 'JOB_STATE_QUEUED':
      return 'queued';
    case 'JOB_STATE_RUNNING':
    case 'JOB_STATE_UPDATING':
      return 'running';
    case 'JOB_STATE_CANCELLING':
      return 'cancelling';
    case 'JOB_STATE_SUCCEEDED':
    case 'JOB_STATE_PARTIALLY_SUCCEEDED':
      return 'succeeded';
    case 'JOB_STATE_FAILED':
    case 'JOB_STATE_EXPIRED':
      return 'failed';
    case 'JOB_STATE_CANCELLED':
      return 'cancelled';
    default:
      return 'pending';
  }
}

/** How long the job waited before it ran, and how long it ran; null where it never got there. */
export function jobDurations(job: Pick<Job, 'createdAt' | 'startedAt' | 'endedAt'>, nowMs: number): { queuedMs: number; ranMs: number | null } {
  const end = job.endedAt ?? nowMs;
  const queuedMs = Math.max(0, (job.startedAt ?? end) - job.createdAt);
  const ranMs = job.startedAt === null ? null : Math.max(0, end - job.startedAt);
  return { queuedMs, ranMs };
}

/** The job's pools in the shape the cost model reads (one entry per pool). */
export function jobPools(plan: Pick<JobPlan, 'pools' | 'tuning'>): ReturnType<typeof planPools> {
  return planPools(plan);
}
