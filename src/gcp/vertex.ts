/**
 * The Vertex AI adapter (custom jobs and hyperparameter tuning jobs) and its Cloud Logging reads: the only place that knows their
 * methods, resource names, paging and error shapes. Calls go through googleapis' generated clients for
 * those two APIs only (`aiplatform/v1`, `logging/v2`; the whole `googleapis` entry point would load
 * every API), each loaded on its first call, which the worker makes after /healthz answers.
 */
import type { aiplatform_v1 } from 'googleapis/build/src/apis/aiplatform/v1.js';
import type { logging_v2 } from 'googleapis/build/src/apis/logging/v2.js';
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import type { ListJobsOptions } from '../app/ports/training.js';
import { DEFAULT_REST_POLICY, googleapisCall, lazily, type CallBehaviour } from './call-policy.js';
import { epochMs } from './timestamps.js';
import type { CloudFailure, CloudResult } from '../app/ports.js';
import type { JobPlan } from '../domain/job-plan.js';
import { customJobBody, hyperparameterTuningJobBody, type CustomJobBody, type HyperparameterTuningJobBody } from './vertex-bodies.js';
import {
  TrainingUnavailableError,
  type JobState,
  type ObservedJob,
  type TrainingPort,
  type VertexJobKind,
} from '../app/ports/training.js';
import type { TrialSeen } from '../domain/tuning-plan.js';

type CustomJob = aiplatform_v1.Schema$GoogleCloudAiplatformV1CustomJob;
type TuningJob = aiplatform_v1.Schema$GoogleCloudAiplatformV1HyperparameterTuningJob;
type Trial = aiplatform_v1.Schema$GoogleCloudAiplatformV1Trial;
type LogEntry = logging_v2.Schema$LogEntry;
type MethodOptions = Parameters<typeof googleapisCall>[2] extends (options: infer O) => unknown ? O : never;

/** One kind of Vertex AI job's methods, with their answers brought to one shape. */
interface JobsApi {
  /** The method names' prefix in callCounts: `customJobs`, `hyperparameterTuningJobs`. */
  resource: string;
  create(parent: string, body: CustomJobBody | HyperparameterTuningJobBody, options: MethodOptions): Promise<{ data: CustomJob | TuningJob }>;
  list(params: { parent: string; filter: string; pageSize: number; pageToken?: string }, options: MethodOptions): Promise<{ data: { jobs: (CustomJob | TuningJob)[]; next: string | null | undefined } }>;
  get(name: string, options: MethodOptions): Promise<{ data: CustomJob | TuningJob }>;
  cancel(name: string, options: MethodOptions): Promise<{ data: unknown }>;
}

export interface VertexAdapterOptions {
  project: string;
  authClient: AuthClient;
  /**
   * A root URL such as http://127.0.0.1:8089 that replaces Google's for both APIs (GCP_ENDPOINT); the
   * region then comes from the path. null: Google's own hosts, regional for Vertex AI.
   */
  rootUrl: string | null;
  /** Jobs asked for per list page. */
  pageSize?: number;
}

const MANAGED_FILTER = 'labels.managed-by="gpubot"';

/**
 * Vertex AI's final job states (JobState in the v1 discovery document): a listing of the jobs being
 * watched leaves them out, and a job that ends between two listings is read once by a direct get.
 */
const FINAL_STATES = ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED', 'JOB_STATE_PARTIALLY_SUCCEEDED'];

/**
 * The list filter: our label, and with `activeOnly` no final states, with `createdSince` no older
 * jobs. customJobs.list's `filter` supports `state` with `=`/`!=` and `create_time` with `>=` in RFC
 * 3339 (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.customJobs/list),
 * so a tick reads the jobs it watches, not every job ever created.
 */
export function listFilter(options: ListJobsOptions): string {
  const parts = [MANAGED_FILTER];
  if (options.activeOnly === true) parts.push(...FINAL_STATES.map((state) => `state!="${state}"`));
  if (options.createdSince !== undefined) parts.push(`create_time>="${new Date(options.createdSince).toISOString()}"`);
  return parts.join(' AND ');
}
const DEFAULT_PAGE_SIZE = 100;
// A page token that never ends would otherwise loop forever; no project has this many pages of jobs.
const MAX_PAGES = 1000;
const MAX_LOG_PAGES = 10;
const REGION = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}$/;

const JOB_STATES: ReadonlySet<string> = new Set<JobState>([
  'JOB_STATE_QUEUED',
  'JOB_STATE_PENDING',
  'JOB_STATE_RUNNING',
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLING',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_PAUSED',
  'JOB_STATE_EXPIRED',
  'JOB_STATE_UPDATING',
  'JOB_STATE_PARTIALLY_SUCCEEDED',
]);

const READ: CallBehaviour = { idempotent: true };
/** Vertex AI's create and cancel take no request id: a repeat after a lost answer is not safe to send blind. */
const WRITE: CallBehaviour = { idempotent: false };

export class VertexAdapter implements TrainingPort {
  /** Google API calls made, by method (one per page for lists): the benchmarks read it. */
  readonly callCounts = new Map<string, number>();

  private readonly vertexByRegion = new Map<string, () => Promise<aiplatform_v1.Aiplatform>>();
  private readonly logging: () => Promise<logging_v2.Logging>;
  private readonly auth: GoogleAuth;

  constructor(private readonly options: VertexAdapterOptions) {
    this.auth = new GoogleAuth({ authClient: options.authClient });
    // `rootUrl` on the API object: `google.options({ rootUrl })` would move nothing, as each method
    // builds its URL from its own default host and only the object's `rootUrl` replaces it.
    this.logging = lazily(async () => {
      const { logging_v2 } = await import('googleapis/build/src/apis/logging/v2.js');
      return new logging_v2.Logging({ auth: this.auth, rootUrl: options.rootUrl ?? 'https://logging.googleapis.com/' });
    });
  }

  /** Total Google API calls made so far. */
  get googleCalls(): number {
    let total = 0;
    for (const n of this.callCounts.values()) total += n;
    return total;
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  /**
   * Vertex AI answers a region only at that region's host (`us-central1-aiplatform.googleapis.com`), so
   * against Google there is one client per region; against a sandbox one root URL serves all.
   */
  private vertex(region: string): Promise<aiplatform_v1.Aiplatform> {
    const key = this.options.rootUrl === null ? region : '';
    let client = this.vertexByRegion.get(key);
    if (client === undefined) {
      const rootUrl = this.options.rootUrl ?? `https://${region}-aiplatform.googleapis.com/`;
      client = lazily(async () => {
        const { aiplatform_v1 } = await import('googleapis/build/src/apis/aiplatform/v1.js');
        return new aiplatform_v1.Aiplatform({ auth: this.auth, rootUrl });
      });
      this.vertexByRegion.set(key, client);
    }
    return client();
  }

  /** A region's custom jobs or tuning jobs, behind one shape: the two resources take the same calls. */
  private async jobsApi(region: string, kind: VertexJobKind): Promise<JobsApi> {
    const locations = (await this.vertex(region)).projects.locations;
    if (kind === 'tuning') {
      const r = locations.hyperparameterTuningJobs;
      return {
        resource: 'hyperparameterTuningJobs',
        create: (parent, body, options) => r.create({ parent, requestBody: body }, options),
        list: async (params, options) => {
          const res = await r.list(params, options);
          return { data: { jobs: res.data.hyperparameterTuningJobs ?? [], next: res.data.nextPageToken } };
        },
        get: (name, options) => r.get({ name }, options),
        cancel: (name, options) => r.cancel({ name }, options),
      };
    }
    const r = locations.customJobs;
    return {
      resource: 'customJobs',
      create: (parent, body, options) => r.create({ parent, requestBody: body }, options),
      list: async (params, options) => {
        const res = await r.list(params, options);
        return { data: { jobs: res.data.customJobs ?? [], next: res.data.nextPageToken } };
      },
      get: (name, options) => r.get({ name }, options),
      cancel: (name, options) => r.cancel({ name, requestBody: {} }, options),
    };
  }

  private jobName(region: string, jobId: string, kind: VertexJobKind = 'custom'): string {
    return `projects/${this.options.project}/locations/${region}/${kind === 'tuning' ? 'hyperparameterTuningJobs' : 'customJobs'}/${jobId}`;
  }

  /** A custom job, or a HyperparameterTuningJob when the plan carries a study. */
  async createJob(region: string, plan: JobPlan, requestId?: string): Promise<CloudResult<ObservedJob>> {
    if (plan.tuning !== undefined) return this.createBody(region, hyperparameterTuningJobBody(plan, plan.tuning), requestId, 'tuning');
    return this.createBody(region, customJobBody(plan), requestId);
  }

  /** createJob with the body already written (tests send Vertex AI bodies no plan makes). */
  async createBody(region: string, body: CustomJobBody | HyperparameterTuningJobBody, requestId?: string, kind: VertexJobKind = 'custom'): Promise<CloudResult<ObservedJob>> {
    const bad = checkRegion(region);
    if (bad) return { ok: false, failure: bad };
    if (requestId !== undefined) {
      const existing = await this.jobForRecord(region, requestId, kind);
      if (!existing.ok) return existing;
      if (existing.value !== null) return { ok: true, value: existing.value };
    }
    try {
      const jobs = await this.jobsApi(region, kind);
      this.count(`${jobs.resource}.create`);
      const res = await googleapisCall(DEFAULT_REST_POLICY, WRITE, (options) => jobs.create(`projects/${this.options.project}/locations/${region}`, body, options));
      return { ok: true, value: observe(res.data, region) };
    } catch (error) {
      return { ok: false, failure: classifyVertexError(error) };
    }
  }

  /** The job already created for a record, found by its `gpubot-id` label (Vertex AI's create has no request id). */
  async jobForRecord(region: string, recordId: string, kind: VertexJobKind = 'custom'): Promise<CloudResult<ObservedJob | null>> {
    const bad = checkRegion(region);
    if (bad) return { ok: false, failure: bad };
    try {
      const jobs = await this.jobsApi(region, kind);
      this.count(`${jobs.resource}.list`);
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (options) =>
        jobs.list(
          {
            parent: `projects/${this.options.project}/locations/${region}`,
            filter: `${MANAGED_FILTER} AND labels.gpubot-id="${recordId.replace(/["\\]/g, '')}"`,
            pageSize: 1,
          },
          options,
        ),
      );
      const job = res.data.jobs[0];
      return { ok: true, value: job === undefined ? null : observe(job, region) };
    } catch (error) {
      return { ok: false, failure: classifyVertexError(error) };
    }
  }

  async listManagedJobs(region: string, options: ListJobsOptions = {}): Promise<ObservedJob[]> {
    const bad = checkRegion(region);
    if (bad) throw new TrainingUnavailableError(region, bad);
    const found: ObservedJob[] = [];
    for (const kind of options.kinds ?? ['custom']) found.push(...(await this.listKind(region, kind, options)));
    return found;
  }

  private async listKind(region: string, kind: VertexJobKind, options: ListJobsOptions): Promise<ObservedJob[]> {
    const found: ObservedJob[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let data: { jobs: (CustomJob | TuningJob)[]; next: string | null | undefined };
      try {
        const jobs = await this.jobsApi(region, kind);
        this.count(`${jobs.resource}.list`);
        const token = pageToken;
        const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (callOptions) =>
          jobs.list(
            {
              parent: `projects/${this.options.project}/locations/${region}`,
              filter: listFilter(options),
              pageSize: this.options.pageSize ?? DEFAULT_PAGE_SIZE,
              ...(token !== undefined ? { pageToken: token } : {}),
            },
            callOptions,
          ),
        );
        data = res.data;
      } catch (error) {
        throw new TrainingUnavailableError(region, classifyVertexError(error));
      }
      for (const job of data.jobs) found.push(observe(job, region));
      const next = data.next;
      if (typeof next !== 'string' || next === '' || next === pageToken) break;
      pageToken = next;
    }
    return found;
  }

  async getJob(region: string, jobId: string, kind: VertexJobKind = 'custom'): Promise<CloudResult<ObservedJob | null>> {
    const bad = checkRegion(region);
    if (bad) return { ok: false, failure: bad };
    try {
      const jobs = await this.jobsApi(region, kind);
      this.count(`${jobs.resource}.get`);
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (options) => jobs.get(this.jobName(region, jobId, kind), options));
      return { ok: true, value: observe(res.data, region) };
    } catch (error) {
      const failure = classifyVertexError(error);
      return failure.kind === 'not-found' ? { ok: true, value: null } : { ok: false, failure };
    }
  }

  async cancelJob(region: string, jobId: string, kind: VertexJobKind = 'custom'): Promise<CloudResult<void>> {
    const bad = checkRegion(region);
    if (bad) return { ok: false, failure: bad };
    try {
      const jobs = await this.jobsApi(region, kind);
      this.count(`${jobs.resource}.cancel`);
      await googleapisCall(DEFAULT_REST_POLICY, WRITE, (options) => jobs.cancel(this.jobName(region, jobId, kind), options));
      return { ok: true, value: undefined };
    } catch (error) {
      return { ok: false, failure: classifyVertexError(error) };
    }
  }

  /** Vertex AI writes a job's logs as `ml_job` entries labelled with the job id; they are project-wide, not regional. */
  async failureLog(jobId: string, _region: string, limit: number): Promise<CloudResult<string[]>> {
    if (limit <= 0) return { ok: true, value: [] };
    const filter = `resource.type="ml_job" AND resource.labels.job_id="${jobId.replace(/["\\]/g, '')}" AND severity>=ERROR`;
    const newestFirst: string[] = [];
    let pageToken: string | undefined;
    try {
      // Logging may answer a page with fewer entries than asked (even none) and a token to go on.
      for (let page = 0; page < MAX_LOG_PAGES && newestFirst.length < limit; page++) {
        this.count('entries.list');
        const logging = await this.logging();
        const token = pageToken;
        // entries.list is a read sent as a POST: repeating it has no effect, so it is retried as one.
        const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (options) =>
          logging.entries.list(
            {
              requestBody: {
                resourceNames: [`projects/${this.options.project}`],
                filter,
                orderBy: 'timestamp desc',
                pageSize: Math.min(limit, 1000),
                ...(token !== undefined ? { pageToken: token } : {}),
              },
            },
            options,
          ),
        );
        for (const entry of res.data.entries ?? []) {
          const line = lineOf(entry);
          if (line !== null) newestFirst.push(line);
        }
        const next = res.data.nextPageToken;
        if (typeof next !== 'string' || next === '' || next === pageToken) break;
        pageToken = next;
      }
    } catch (error) {
      return { ok: false, failure: classifyVertexError(error) };
    }
    return { ok: true, value: newestFirst.slice(0, limit).reverse() };
  }
}

function checkRegion(region: string): CloudFailure | null {
  // The region becomes part of a host name; only a region-shaped word may get there.
  return REGION.test(region) ? null : { kind: 'invalid', message: `"${region}" is not a Vertex AI region` };
}

function observe(job: CustomJob | TuningJob, region: string): ObservedJob {
  const name = job.name ?? '';
  const m = /\/locations\/([^/]+)\/(customJobs|hyperparameterTuningJobs)\/([^/]+)$/.exec(name);
  const labels: Record<string, string> = { ...(job.labels ?? {}) };
  const state = job.state ?? '';
  const tuning = m?.[2] === 'hyperparameterTuningJobs';
  // Listings leave a tuning job's trials out ("HyperparameterTuningJob.trials ... will be not be
  // returned", ListHyperparameterTuningJobsResponse); only a get carries them.
  const trials = tuning && 'trials' in job && Array.isArray(job.trials) ? job.trials.map(trialSeen) : undefined;
  return {
    id: m?.[3] ?? '',
    name,
    ...(tuning ? { kind: 'tuning' as const } : {}),
    ...(trials !== undefined ? { trials } : {}),
    displayName: job.displayName ?? '',
    region: m?.[1] ?? region,
    // A state newer than this code (or UNSPECIFIED) counts as not over yet, so the job stays watched.
    state: JOB_STATES.has(state) ? (state as JobState) : 'JOB_STATE_PENDING',
    labels,
    recordId: labels['gpubot-id'] ?? null,
    ownerLabel: labels['gpubot-owner'] ?? null,
    createTime: epochMs(job.createTime),
    startTime: epochMs(job.startTime),
    endTime: epochMs(job.endTime),
    error: job.error ? { code: job.error.code ?? 0, message: job.error.message ?? '' } : null,
  };
}

/** A trial's parameters and final metrics; a parameter's `value` is a number or a string (TrialParameter.value). */
function trialSeen(trial: Trial): TrialSeen {
  const parameters = (trial.parameters ?? []).flatMap((p) => {
    const value: unknown = p.value;
    return typeof p.parameterId === 'string' && (typeof value === 'number' || typeof value === 'string') ? [{ name: p.parameterId, value }] : [];
  });
  const metrics = (trial.finalMeasurement?.metrics ?? []).flatMap((m) => (typeof m.metricId === 'string' && typeof m.value === 'number' ? [{ name: m.metricId, value: m.value }] : []));
  return { id: trial.id ?? '', state: trial.state ?? '', parameters, metrics };
}

function lineOf(entry: LogEntry): string | null {
  if (typeof entry.textPayload === 'string' && entry.textPayload !== '') return entry.textPayload;
  const json = entry.jsonPayload;
  if (json && typeof json === 'object') {
    const message = (json as Record<string, unknown>).message;
    return typeof message === 'string' ? message : JSON.stringify(json);
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const QUOTA_METRIC = /custom_model_training_[a-z0-9_]+/;

/**
 * Classifies what the googleapis clients throw (a GaxiosError carrying the HTTP status and Google's
 * `{error: {code, message, status}}`) into the kinds the controllers decide by.
 */
export function classifyVertexError(error: unknown): CloudFailure {
  const e: Record<string, unknown> = isRecord(error) ? error : {};
  const response = isRecord(e.response) ? e.response : {};
  const body = isRecord(response.data) && isRecord(response.data.error) ? response.data.error : {};
  const status =
    typeof response.status === 'number'
      ? response.status
      : typeof e.status === 'number'
        ? e.status
        : typeof body.code === 'number'
          ? body.code
          : null;
  const message = typeof body.message === 'string' ? body.message : typeof e.message === 'string' ? e.message : String(error);
  const canonical = typeof body.status === 'string' ? body.status : undefined;
  const withCode = (failure: CloudFailure): CloudFailure => (canonical === undefined ? failure : { ...failure, code: canonical });
  if (status === 429 || canonical === 'RESOURCE_EXHAUSTED') {
    const quota = QUOTA_METRIC.exec(message)?.[0];
    if (quota !== undefined || /quota/i.test(message)) return withCode({ kind: 'quota', message, ...(quota !== undefined ? { quota } : {}) });
    return withCode({ kind: 'transient', message });
  }
  if (status === 400 || canonical === 'INVALID_ARGUMENT' || canonical === 'FAILED_PRECONDITION' || canonical === 'OUT_OF_RANGE') {
    return withCode({ kind: 'invalid', message });
  }
  if (status === 404 || canonical === 'NOT_FOUND') return withCode({ kind: 'not-found', message });
  if (status === 409 || canonical === 'ALREADY_EXISTS') return withCode({ kind: 'already-exists', message });
  if (status === 401 || status === 403 || canonical === 'PERMISSION_DENIED' || canonical === 'UNAUTHENTICATED') {
    return withCode({ kind: 'permission', message });
  }
  // No status (a refused connection, a timeout) or 5xx: worth trying again on a later tick.
  return withCode({ kind: 'transient', message });
}
