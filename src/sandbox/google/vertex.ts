/**
 * A simulated Vertex AI custom-jobs and hyperparameter-tuning-jobs API (REST, `aiplatform` v1; what is
 * particular to tuning jobs is vertex-tuning.ts) and the Cloud Logging entries API
 * (`logging` v2 `entries.list`) for one project, good enough for the real `googleapis` clients.
 *
 * Paths are the ones the clients build from their rootUrl: `/v1/projects/{p}/locations/{region}/
 * customJobs[/{id}[:cancel]]` and `/v2/entries:list`. The real Vertex AI host is regional
 * (`{region}-aiplatform.googleapis.com`); with one sandbox rootUrl the region comes from the path.
 *
 * Choices where Vertex AI's behaviour is not pinned down (each documented where it lives):
 * - A job's progression is scripted: QUEUED -> PENDING -> RUNNING -> SUCCEEDED or FAILED, one step each
 *   time an API call shows the job (a get, or a list page that includes it); with `stepMs`, also one
 *   step per `stepMs` of the sandbox clock. The create response is the QUEUED job itself. A cancel makes
 *   the job CANCELLING, which the next call that shows it still sees; the call after that (or `stepMs`
 *   later) sees it CANCELLED.
 * - Lists are ordered oldest first, so a page token stays valid while new jobs are created. Pages hold
 *   at most `maxPageSize` jobs (100 unless set), whatever `pageSize` asks.
 * - Errors are Vertex AI's One Platform envelope `{error: {code, message, status, details}}`, with
 *   `google.rpc.BadRequest` field violations for invalid bodies, and the 429 quota message Vertex AI
 *   sends: `The following quota metrics exceed quota limits: aiplatform.googleapis.com/...`.
 * - Failed jobs write their error lines to Cloud Logging as `ml_job` entries with severity ERROR.
 * - What Vertex AI trains on (machine types, GPUs per machine, prebuilt containers and the day each
 *   stops running) is vertex-catalog.ts, written from Google's pages. A body naming a machine type it
 *   does not train on, or a prebuilt image past its end of availability on the sandbox clock's day, is
 *   refused with 400 INVALID_ARGUMENT and a field violation; the exact wording of Vertex AI's message
 *   for a retired image is not documented, so the sandbox's says what and since when.
 * - Timestamps are RFC 3339 in UTC with a `Z`, as Vertex AI and Cloud Logging write them.
 */
import { ACCELERATOR_QUOTA_METRICS, N1_GPU_COUNTS, PREBUILT_IMAGE_END_OF_AVAILABILITY, RETIRED_ACCELERATORS, TRAINING_MACHINES, prebuiltImageName } from './vertex-catalog.js';
import type { SandboxHandler, SandboxRequest, SandboxResponse } from './server.js';
import { checkTuningBody, playTrials, type Study } from './vertex-tuning.js';

export type JobState =
  | 'JOB_STATE_QUEUED'
  | 'JOB_STATE_PENDING'
  | 'JOB_STATE_RUNNING'
  | 'JOB_STATE_SUCCEEDED'
  | 'JOB_STATE_FAILED'
  | 'JOB_STATE_CANCELLING'
  | 'JOB_STATE_CANCELLED';

const FINAL: ReadonlySet<JobState> = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED']);

/** How one job goes. */
export interface JobScript {
  /**
   * How many times the job is shown (gets and list pages) until it ends; 3 by default: PENDING, then
   * RUNNING, then SUCCEEDED (or FAILED). 1 ends it the first time it is shown.
   */
  succeedAfterPolls?: number;
  /** End FAILED with this message (Vertex AI's `error.message`) instead of SUCCEEDED. */
  failWith?: string;
  /** Never leave QUEUED, as when Vertex AI has no capacity for the machines. */
  stayQueued?: boolean;
  /** The error lines the job writes to Cloud Logging when it fails; a Python traceback ending in `failWith` by default. */
  errorLines?: readonly string[];
  /** A tuning job that succeeds: which trial (from 1) has the best metric; the middle one by default. */
  bestTrial?: number;
}

export interface VertexSandboxOptions {
  project: string;
  /** Vertex AI names resources by project number; requests may use the id or the number. */
  projectNumber?: string;
  now?: () => number;
  /** When set, a job also takes one step of its progression each `stepMs` of the sandbox clock. */
  stepMs?: number;
  /** The script of jobs no `script()` call names. */
  defaultScript?: JobScript;
  /** Most jobs (and log entries) one page holds. */
  maxPageSize?: number;
}

/** Every API method the sandbox serves, named as the clients name them. */
export const VERTEX_METHODS = [
  'customJobs.create',
  'customJobs.get',
  'customJobs.list',
  'customJobs.cancel',
  'hyperparameterTuningJobs.create',
  'hyperparameterTuningJobs.get',
  'hyperparameterTuningJobs.list',
  'hyperparameterTuningJobs.cancel',
  'entries.list',
] as const;
export type VertexMethod = (typeof VERTEX_METHODS)[number];

export interface VertexCall {
  method: VertexMethod;
  path: string;
  /** From the path; null for Cloud Logging. */
  region: string | null;
  /** Sandbox clock when the call arrived. */
  at: number;
}

type Json = Record<string, unknown>;

/** A custom job as the API returns it (the fields the sandbox writes). */
export interface CustomJobView {
  name: string;
  displayName: string;
  jobSpec: Json;
  state: JobState;
  createTime: string;
  updateTime: string;
  startTime?: string;
  endTime?: string;
  error?: { code: number; message: string };
  labels?: Record<string, string>;
}

/** A hyperparameter tuning job as the API returns it; `trials` only from a get, as Vertex AI's listings leave them out. */
export interface TuningJobView {
  name: string;
  displayName: string;
  studySpec: Json;
  maxTrialCount: number;
  parallelTrialCount: number;
  maxFailedTrialCount?: number;
  trialJobSpec: Json;
  state: JobState;
  createTime: string;
  updateTime: string;
  startTime?: string;
  endTime?: string;
  error?: { code: number; message: string };
  labels?: Record<string, string>;
  trials?: Json[];
}

type Resource = 'customJobs' | 'hyperparameterTuningJobs';

export interface LogEntryView {
  insertId: string;
  logName: string;
  resource: { type: string; labels: Record<string, string> };
  timestamp: string;
  receiveTimestamp: string;
  severity: Severity;
  textPayload: string;
}

type Severity = 'DEFAULT' | 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR' | 'CRITICAL' | 'ALERT' | 'EMERGENCY';

const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
};

interface JobRecord {
  id: string;
  /** Which resource it is; ids are unique across both, each found only under its own. */
  resource: Resource;
  /** A tuning job's study and the body fields it was created with (studySpec, counts). */
  tuning?: { study: Study; fields: Json };
  /** A tuning job's trials, once it succeeded. */
  trials?: Json[];
  region: string;
  displayName: string;
  labels: Record<string, string>;
  jobSpec: Json;
  /** Accelerators (and `CPUS`) the job holds while it is not over, for quota. */
  usage: Map<string, number>;
  createdAt: number;
  script: JobScript;
  polls: number;
  step: number;
  state: JobState;
  updatedAt: number;
  startedAt?: number;
  endedAt?: number;
  error?: { code: number; message: string };
  /** Polls when the cancel arrived: the first poll after it shows CANCELLING, the second CANCELLED. */
  cancelPolls?: number;
  cancelAt?: number;
}

interface QuotaRule {
  region: string;
  /** A Vertex AI accelerator type (`NVIDIA_L4`) or `CPUS`. */
  resource: string;
  limit: number;
}

const DEFAULT_POLLS = 3;
const DEFAULT_PAGE = 100;
const LOG_DEFAULT_PAGE = 50;
const LOG_MAX_PAGE = 1000;
// Vertex AI never shows a job id shorter than this; any 19-digit number looks real.
const FIRST_JOB_ID = 4_000_000_000_000_000_000n;

const REGION = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}$/;
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Vertex AI's error envelope (no Apiary `errors[]` list: it is a One Platform API). */
export function vertexError(code: number, status: string, message: string, details?: unknown[]): SandboxResponse {
  return { status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

function notFound(resource: Resource): SandboxResponse {
  return vertexError(404, 'NOT_FOUND', `The ${resource === 'customJobs' ? 'CustomJob' : 'HyperparameterTuningJob'} does not exist.`);
}

function badRequest(violations: { field: string; description: string }[]): SandboxResponse {
  const list = violations.map((v, i) => `${i + 1}.Field: ${v.field}; Message: ${v.description}`).join('\t');
  return vertexError(400, 'INVALID_ARGUMENT', `List of found errors:\t${list}\t`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations },
  ]);
}

/** The Vertex AI quota metric a resource counts against, e.g. `custom_model_training_nvidia_l4_gpus`. */
export function vertexQuotaMetric(resource: string): string {
  if (resource === 'CPUS') return 'custom_model_training_cpus';
  return ACCELERATOR_QUOTA_METRICS[resource] ?? `custom_model_training_${resource.toLowerCase()}`;
}

export function quotaError(resource: string): SandboxResponse {
  const metric = `aiplatform.googleapis.com/${vertexQuotaMetric(resource)}`;
  return vertexError(429, 'RESOURCE_EXHAUSTED', `The following quota metrics exceed quota limits: ${metric}`);
}

// ---------------------------------------------------------------------------------------------
// List filters (AIP-160 for Vertex AI, the Logging query language for Cloud Logging): comparisons
// joined by AND / OR / NOT / parentheses; what a comparison means is up to each API.

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | ':';
type FilterNode =
  | { kind: 'and' | 'or'; items: FilterNode[] }
  | { kind: 'not'; item: FilterNode }
  | { kind: 'cmp'; path: string; op: Op; value: string };

class FilterSyntaxError extends Error {}

interface Token {
  t: 'word' | 'str' | 'op' | '(' | ')';
  v: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ t: c, v: c });
      i++;
    } else if (c === '"') {
      let v = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        v += text[i] ?? '';
        i++;
      }
      if (i >= text.length) throw new FilterSyntaxError('unterminated string');
      i++;
      tokens.push({ t: 'str', v });
    } else {
      const op = /^(>=|<=|!=|=|<|>|:)/.exec(text.slice(i))?.[0];
      if (op !== undefined) {
        tokens.push({ t: 'op', v: op });
        i += op.length;
        continue;
      }
      const word = /^[^\s()=<>!:"]+/.exec(text.slice(i))?.[0];
      if (word === undefined) throw new FilterSyntaxError(`unexpected character '${c}'`);
      tokens.push({ t: 'word', v: word });
      i += word.length;
    }
  }
  return tokens;
}

function parseFilter(text: string): FilterNode | null {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  let at = 0;
  const peek = () => tokens[at];
  const keyword = (k: string) => peek()?.t === 'word' && peek()?.v === k;
  const parseOr = (): FilterNode => {
    const items = [parseAnd()];
    while (keyword('OR')) {
      at++;
      items.push(parseAnd());
    }
    return items.length === 1 && items[0] ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (): FilterNode => {
    const items = [parseUnary()];
    for (;;) {
      const next = peek();
      if (next === undefined || next.t === ')' || keyword('OR')) break;
      if (keyword('AND')) at++;
      items.push(parseUnary());
    }
    return items.length === 1 && items[0] ? items[0] : { kind: 'and', items };
  };
  const parseUnary = (): FilterNode => {
    const next = peek();
    if (next === undefined) throw new FilterSyntaxError('unexpected end of filter');
    if (keyword('NOT')) {
      at++;
      return { kind: 'not', item: parseUnary() };
    }
    if (next.t === '(') {
      at++;
      const inner = parseOr();
      if (peek()?.t !== ')') throw new FilterSyntaxError('missing )');
      at++;
      return inner;
    }
    if (next.t !== 'word') throw new FilterSyntaxError(`unexpected '${next.v}'`);
    at++;
    const op = peek();
    if (op?.t !== 'op') throw new FilterSyntaxError(`expected a comparison after '${next.v}'`);
    at++;
    const value = peek();
    if (value === undefined || (value.t !== 'word' && value.t !== 'str')) throw new FilterSyntaxError(`expected a value after '${next.v}${op.v}'`);
    at++;
    return { kind: 'cmp', path: next.v, op: op.v as Op, value: value.v };
  };
  const node = parseOr();
  if (at < tokens.length) throw new FilterSyntaxError(`unexpected '${tokens[at]?.v ?? ''}'`);
  return node;
}

function evalFilter(node: FilterNode | null, compare: (path: string, op: Op, value: string) => boolean): boolean {
  if (node === null) return true;
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evalFilter(n, compare));
    case 'or':
      return node.items.some((n) => evalFilter(n, compare));
    case 'not':
      return !evalFilter(node.item, compare);
    case 'cmp':
      return compare(node.path, node.op, node.value);
  }
}

/** Checks every comparison's field once, so an unknown field fails even when no item is there to test it. */
function checkFields(node: FilterNode | null, known: (path: string) => boolean): void {
  if (node === null) return;
  if (node.kind === 'cmp') {
    if (!known(node.path)) throw new FilterSyntaxError(`unsupported field '${node.path}'`);
  } else if (node.kind === 'not') {
    checkFields(node.item, known);
  } else {
    for (const item of node.items) checkFields(item, known);
  }
}

function compareOrdered(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '=':
    case ':':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function glob(value: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

function compareText(actual: string | undefined, op: Op, value: string): boolean {
  if (op === ':') return value === '*' ? actual !== undefined : actual !== undefined && glob(actual, value.includes('*') ? value : `*${value}*`);
  if (op === '=') return actual === value;
  if (op === '!=') return actual !== value;
  return actual !== undefined && compareOrdered(actual.localeCompare(value), op, 0);
}

// ---------------------------------------------------------------------------------------------
// Page tokens: opaque to the client, tied to the query they continue.

function pageToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: query })).toString('base64url');
}

function readPageToken(token: string, query: string): number | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (isRecord(parsed) && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.q === query) return parsed.o;
  } catch {
    return null;
  }
  return null;
}

function pageSizeOf(raw: unknown, fallback: number, max: number): number | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0) return null;
  return n === 0 ? fallback : Math.min(n, max);
}

// ---------------------------------------------------------------------------------------------
// Validation of a CustomJob body, in Vertex AI's words.

const JOB_FIELDS = new Set(['name', 'displayName', 'jobSpec', 'state', 'createTime', 'startTime', 'endTime', 'updateTime', 'error', 'labels', 'encryptionSpec', 'webAccessUris', 'satisfiesPzs', 'satisfiesPzi']);
const SPEC_FIELDS = new Set([
  'workerPoolSpecs',
  'baseOutputDirectory',
  'scheduling',
  'serviceAccount',
  'network',
  'reservedIpRanges',
  'protectedArtifactLocationId',
  'tensorboard',
  'enableWebAccess',
  'enableDashboardAccess',
  'experiment',
  'experimentRun',
  'models',
  'persistentResourceId',
]);
const POOL_FIELDS = new Set(['containerSpec', 'pythonPackageSpec', 'machineSpec', 'replicaCount', 'nfsMounts', 'diskSpec']);
const MACHINE_FIELDS = new Set(['machineType', 'acceleratorType', 'acceleratorCount', 'tpuTopology', 'reservationAffinity']);
const ACCELERATOR_ENUM = new Set([
  'ACCELERATOR_TYPE_UNSPECIFIED',
  'NVIDIA_TESLA_K80',
  'NVIDIA_TESLA_P100',
  'NVIDIA_TESLA_V100',
  'NVIDIA_TESLA_P4',
  'NVIDIA_TESLA_T4',
  'NVIDIA_TESLA_A100',
  'NVIDIA_A100_80GB',
  'NVIDIA_L4',
  'NVIDIA_H100_80GB',
  'NVIDIA_H100_MEGA_80GB',
  'NVIDIA_H200_141GB',
  'NVIDIA_B200',
  'NVIDIA_GB200',
  'NVIDIA_RTX_PRO_6000',
  'TPU_V2',
  'TPU_V3',
  'TPU_V4_POD',
  'TPU_V5_LITEPOD',
]);

function unknownField(name: string, at: string): SandboxResponse {
  return vertexError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`, [
    { '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: [{ field: at, description: `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.` }] },
  ]);
}

function integerOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

interface ParsedJob {
  displayName: string;
  labels: Record<string, string>;
  jobSpec: Json;
  usage: Map<string, number>;
}

/** Checks a pool's machine and accelerators as Vertex AI does (vertex-catalog.ts); returns the problem, or null. */
function machineProblem(machineType: string, acceleratorType: string | null, count: number): string | null {
  const machine = TRAINING_MACHINES.get(machineType);
  if (machine === undefined) return `Machine type "${machineType}" is not supported.`;
  const builtIn = machine.builtIn;
  if (acceleratorType === null) {
    if (builtIn === undefined) return null;
    return `Machine type "${machineType}" requires accelerator "${builtIn.acceleratorType}" with count ${builtIn.count}.`;
  }
  if (RETIRED_ACCELERATORS.has(acceleratorType) || acceleratorType.startsWith('TPU_')) {
    return `Accelerator "${acceleratorType}" is not supported for machine type "${machineType}".`;
  }
  if (builtIn !== undefined) {
    if (builtIn.acceleratorType !== acceleratorType) return `Accelerator "${acceleratorType}" is not supported for machine type "${machineType}".`;
    if (builtIn.count !== count) return `Accelerator count ${count} is not supported for accelerator "${acceleratorType}" on machine type "${machineType}".`;
    return null;
  }
  const counts = N1_GPU_COUNTS.get(machineType)?.[acceleratorType];
  if (counts === undefined) return `Accelerator "${acceleratorType}" is not supported for machine type "${machineType}".`;
  if (!counts.includes(count)) {
    return `Accelerator count ${count} is not supported for accelerator "${acceleratorType}" on machine type "${machineType}"; valid counts: ${counts.join(', ')}.`;
  }
  return null;
}

/** Why Vertex AI would not run this image on `today` (ISO date), or null. */
function imageProblem(uri: string, today: string): string | null {
  const name = prebuiltImageName(uri);
  if (name === null) return null;
  const end = PREBUILT_IMAGE_END_OF_AVAILABILITY.get(name);
  if (end === undefined || today < end) return null;
  return `Image "${uri}" is not supported: prebuilt container ${name} reached its end of availability on ${end}.`;
}

function parseJobBody(body: unknown, today: string): { ok: true; job: ParsedJob } | { ok: false; response: SandboxResponse } {
  const fail = (response: SandboxResponse) => ({ ok: false as const, response });
  if (!isRecord(body)) return fail(badRequest([{ field: 'custom_job', description: 'Required field is not set.' }]));
  for (const key of Object.keys(body)) if (!JOB_FIELDS.has(key)) return fail(unknownField(key, 'custom_job'));
  const violations: { field: string; description: string }[] = [];
  const displayName = typeof body.displayName === 'string' ? body.displayName : '';
  if (displayName.trim() === '') violations.push({ field: 'custom_job.display_name', description: 'Required field is not set.' });
  else if ([...displayName].length > 128) violations.push({ field: 'custom_job.display_name', description: 'Display name must be at most 128 characters.' });

  const labels: Record<string, string> = {};
  if (body.labels !== undefined) {
    if (!isRecord(body.labels)) return fail(badRequest([{ field: 'custom_job.labels', description: 'Labels must be a map of strings.' }]));
    const entries = Object.entries(body.labels);
    if (entries.length > 64) violations.push({ field: 'custom_job.labels', description: 'At most 64 labels are allowed.' });
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || !LABEL_KEY.test(k) || !LABEL_VALUE.test(v)) {
        violations.push({ field: `custom_job.labels[${JSON.stringify(k)}]`, description: 'Label keys and values can be no longer than 64 characters, can only contain lowercase letters, numeric characters, underscores and dashes; keys must start with a letter.' });
      } else {
        labels[k] = v;
      }
    }
  }

  const spec = body.jobSpec;
  if (!isRecord(spec)) {
    violations.push({ field: 'custom_job.job_spec', description: 'Required field is not set.' });
    return fail(badRequest(violations));
  }
  for (const key of Object.keys(spec)) if (!SPEC_FIELDS.has(key)) return fail(unknownField(key, 'custom_job.job_spec'));
  const out = spec.baseOutputDirectory;
  if (out !== undefined) {
    const prefix = isRecord(out) ? out.outputUriPrefix : undefined;
    if (typeof prefix !== 'string' || !prefix.startsWith('gs://')) {
      violations.push({ field: 'custom_job.job_spec.base_output_directory.output_uri_prefix', description: 'Must be a Cloud Storage URI starting with gs://.' });
    }
  }
  const pools = spec.workerPoolSpecs;
  const usage = new Map<string, number>();
  const normalizedPools: Json[] = [];
  if (!Array.isArray(pools) || pools.length === 0) {
    violations.push({ field: 'custom_job.job_spec.worker_pool_specs', description: 'Required field is not set.' });
    return fail(badRequest(violations));
  }
  for (const [i, raw] of pools.entries()) {
    const at = `custom_job.job_spec.worker_pool_specs[${i}]`;
    if (!isRecord(raw)) return fail(badRequest([{ field: at, description: 'Must be an object.' }]));
    for (const key of Object.keys(raw)) if (!POOL_FIELDS.has(key)) return fail(unknownField(key, at));
    if (Object.keys(raw).length === 0) {
      // An empty pool skips its position; the chief's cannot be skipped.
      if (i === 0) violations.push({ field: at, description: 'The first worker pool spec must not be empty.' });
      normalizedPools.push({});
      continue;
    }
    const machine = raw.machineSpec;
    if (!isRecord(machine)) {
      violations.push({ field: `${at}.machine_spec`, description: 'Required field is not set.' });
      continue;
    }
    for (const key of Object.keys(machine)) if (!MACHINE_FIELDS.has(key)) return fail(unknownField(key, `${at}.machine_spec`));
    const machineType = typeof machine.machineType === 'string' ? machine.machineType : '';
    const typeRaw = machine.acceleratorType;
    if (typeRaw !== undefined && (typeof typeRaw !== 'string' || !ACCELERATOR_ENUM.has(typeRaw))) {
      return fail(
        vertexError(400, 'INVALID_ARGUMENT', `Invalid value at '${at}.machine_spec.accelerator_type' (type.googleapis.com/google.cloud.aiplatform.v1.AcceleratorType), ${JSON.stringify(typeRaw)}`),
      );
    }
    const acceleratorType = typeof typeRaw === 'string' && typeRaw !== 'ACCELERATOR_TYPE_UNSPECIFIED' ? typeRaw : null;
    const countRaw = machine.acceleratorCount;
    const count = countRaw === undefined ? (acceleratorType === null ? 0 : 1) : integerOf(countRaw);
    if (machineType === '') {
      violations.push({ field: `${at}.machine_spec.machine_type`, description: 'Required field is not set.' });
    } else if (count === null || count < 0 || (acceleratorType !== null && count < 1)) {
      violations.push({ field: `${at}.machine_spec.accelerator_count`, description: 'Accelerator count must be a positive integer.' });
    } else {
      const problem = machineProblem(machineType, acceleratorType, count);
      if (problem !== null) violations.push({ field: `${at}.machine_spec`, description: problem });
    }
    const replicas = integerOf(raw.replicaCount ?? 0);
    if (replicas === null || replicas < 1) {
      violations.push({ field: `${at}.replica_count`, description: 'Replica count must be greater than 0.' });
    } else if (i === 0 && replicas !== 1) {
      violations.push({ field: `${at}.replica_count`, description: 'The first worker pool (the chief) must have exactly 1 replica.' });
    }
    const container = raw.containerSpec;
    const python = raw.pythonPackageSpec;
    if (container !== undefined && python !== undefined) {
      violations.push({ field: at, description: 'Only one of container_spec and python_package_spec can be set.' });
    } else if (isRecord(container)) {
      if (typeof container.imageUri !== 'string' || container.imageUri === '') {
        violations.push({ field: `${at}.container_spec.image_uri`, description: 'Required field is not set.' });
      } else {
        const problem = imageProblem(container.imageUri, today);
        if (problem !== null) violations.push({ field: `${at}.container_spec.image_uri`, description: problem });
      }
    } else if (isRecord(python)) {
      if (typeof python.executorImageUri !== 'string' || python.executorImageUri === '') {
        violations.push({ field: `${at}.python_package_spec.executor_image_uri`, description: 'Required field is not set.' });
      } else {
        const problem = imageProblem(python.executorImageUri, today);
        if (problem !== null) violations.push({ field: `${at}.python_package_spec.executor_image_uri`, description: problem });
      }
      const uris = python.packageUris;
      if (!Array.isArray(uris) || uris.length === 0) {
        violations.push({ field: `${at}.python_package_spec.package_uris`, description: 'Required field is not set.' });
      } else if (uris.some((u) => typeof u !== 'string' || !u.startsWith('gs://'))) {
        violations.push({ field: `${at}.python_package_spec.package_uris`, description: 'Package URIs must be Cloud Storage URIs starting with gs://.' });
      }
      if (typeof python.pythonModule !== 'string' || python.pythonModule === '') {
        violations.push({ field: `${at}.python_package_spec.python_module`, description: 'Required field is not set.' });
      }
    } else {
      violations.push({ field: `${at}.container_spec`, description: 'Either container_spec or python_package_spec must be set.' });
    }
    const disk = raw.diskSpec;
    let diskSpec: Json = { bootDiskType: 'pd-ssd', bootDiskSizeGb: 100 };
    if (disk !== undefined) {
      const type = isRecord(disk) ? (disk.bootDiskType ?? 'pd-ssd') : undefined;
      const size = isRecord(disk) ? integerOf(disk.bootDiskSizeGb ?? 100) : null;
      if (type !== 'pd-ssd' && type !== 'pd-standard') violations.push({ field: `${at}.disk_spec.boot_disk_type`, description: 'Boot disk type must be pd-ssd or pd-standard.' });
      if (size === null || size < 100 || size > 64000) violations.push({ field: `${at}.disk_spec.boot_disk_size_gb`, description: 'Boot disk size must be between 100 and 64000 GB.' });
      diskSpec = { bootDiskType: type, bootDiskSizeGb: size };
    }
    const n = replicas ?? 0;
    if (acceleratorType !== null && count !== null) usage.set(acceleratorType, (usage.get(acceleratorType) ?? 0) + count * n);
    usage.set('CPUS', (usage.get('CPUS') ?? 0) + (TRAINING_MACHINES.get(machineType)?.vcpus ?? 0) * n);
    normalizedPools.push({
      ...raw,
      machineSpec: { ...machine, ...(count !== null && acceleratorType !== null ? { acceleratorCount: count } : {}) },
      replicaCount: String(n),
      diskSpec,
    });
  }
  if (violations.length > 0) return fail(badRequest(violations));
  return { ok: true, job: { displayName, labels, jobSpec: { ...spec, workerPoolSpecs: normalizedPools }, usage } };
}

// ---------------------------------------------------------------------------------------------

interface LogRecord {
  entry: LogEntryView;
  at: number;
  seq: number;
}

export class VertexSandbox implements SandboxHandler {
  readonly project: string;
  readonly projectNumber: string;
  /** Every API call that reached a known route, in order; failed and injected-failure calls included. */
  readonly calls: VertexCall[] = [];

  private readonly now: () => number;
  private readonly stepMs: number | null;
  private readonly maxPageSize: number;
  private defaultScriptValue: JobScript;
  private readonly jobsById = new Map<string, JobRecord>();
  private readonly scriptsByName = new Map<string, JobScript>();
  private readonly quotas = new Map<string, QuotaRule>();
  private readonly failures = new Map<VertexMethod, SandboxResponse[]>();
  private readonly logs: LogRecord[] = [];
  private seq = 0n;
  private logSeq = 0;

  constructor(options: VertexSandboxOptions) {
    this.project = options.project;
    this.projectNumber = options.projectNumber ?? '123456789012';
    this.now = options.now ?? Date.now;
    this.stepMs = options.stepMs !== undefined && options.stepMs > 0 ? options.stepMs : null;
    this.maxPageSize = options.maxPageSize ?? DEFAULT_PAGE;
    this.defaultScriptValue = { ...options.defaultScript };
  }

  // ---------------------------------------------------------------- control surface

  /**
   * How a job goes from now on: by its Vertex AI id, or by display name (for jobs with that name now
   * and later). Unset fields fall back to the default script.
   */
  script(jobIdOrDisplayName: string, script: JobScript): void {
    const byId = this.jobsById.get(jobIdOrDisplayName);
    if (byId) {
      byId.script = { ...this.defaultScriptValue, ...script };
      return;
    }
    this.scriptsByName.set(jobIdOrDisplayName, script);
    for (const job of this.jobsById.values()) {
      if (job.displayName === jobIdOrDisplayName) job.script = { ...this.defaultScriptValue, ...script };
    }
  }

  /** The script of jobs no `script()` call names, from now on. */
  setDefaultScript(script: JobScript): void {
    this.defaultScriptValue = { ...script };
  }

  /**
   * From now on, creates in `region` that would hold more than `limit` of `resource` (a Vertex AI
   * accelerator type such as `NVIDIA_L4`, or `CPUS`) across the jobs not yet over are refused with
   * 429 RESOURCE_EXHAUSTED. `quota('us-central1', 'NVIDIA_L4', 0)` refuses every L4 job there.
   */
  quota(region: string, resource: string, limit: number): void {
    this.quotas.set(`${region}/${resource}`, { region, resource, limit });
  }

  clearQuota(region?: string, resource?: string): void {
    for (const [key, rule] of this.quotas) {
      if ((region === undefined || rule.region === region) && (resource === undefined || rule.resource === resource)) this.quotas.delete(key);
    }
  }

  /** The next `times` calls of `method` fail with `response` (build it with `vertexError`). They are still recorded. */
  failNext(method: VertexMethod, response: SandboxResponse, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(response);
    this.failures.set(method, queue);
  }

  /**
   * Creates a job directly, as if someone had submitted it elsewhere (validated like the API; no call
   * is recorded). Throws on a body Vertex AI would refuse.
   */
  seed(region: string, body: unknown, options: { createdAt?: number } = {}): CustomJobView {
    const parsed = parseJobBody(body, iso(this.now()).slice(0, 10));
    if (!parsed.ok) throw new Error(`seed: ${JSON.stringify(parsed.response.body)}`);
    const job = this.createRecord(region, parsed.job, options.createdAt ?? this.now());
    return this.customView(job);
  }

  /** Custom jobs as the API would show them now (showing them here does not count as a poll), oldest first. */
  jobs(region?: string): CustomJobView[] {
    const now = this.now();
    return this.ordered()
      .filter((j) => j.resource === 'customJobs' && (region === undefined || j.region === region))
      .map((j) => {
        this.observe(j, now, false);
        return this.customView(j);
      });
  }

  job(idOrDisplayName: string): CustomJobView | undefined {
    const job = this.find('customJobs', idOrDisplayName);
    if (!job) return undefined;
    this.observe(job, this.now(), false);
    return this.customView(job);
  }

  /** A hyperparameter tuning job as a get would show it now, trials included (not counted as a poll). */
  tuningJob(idOrDisplayName: string): TuningJobView | undefined {
    const job = this.find('hyperparameterTuningJobs', idOrDisplayName);
    if (!job || job.tuning === undefined) return undefined;
    this.observe(job, this.now(), false);
    return this.tuningView(job, job.tuning.fields, true);
  }

  private find(resource: Resource, idOrDisplayName: string): JobRecord | undefined {
    const byId = this.jobsById.get(idOrDisplayName);
    if (byId !== undefined && byId.resource === resource) return byId;
    return this.ordered().find((j) => j.resource === resource && j.displayName === idOrDisplayName);
  }

  /** Log entries the project holds, oldest first. */
  logEntries(): LogEntryView[] {
    return this.logs.map((l) => l.entry);
  }

  /** How many calls of `method` the log holds. */
  count(method: VertexMethod): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  // ---------------------------------------------------------------- HTTP surface

  handle(req: SandboxRequest): SandboxResponse | null {
    if (req.path === '/v2/entries:list') {
      if (req.method !== 'POST') return null;
      return this.call('entries.list', req, null, () => this.listEntries(req.body));
    }
    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/(customJobs|hyperparameterTuningJobs)(?:\/([^/:]+)(:cancel)?)?$/.exec(req.path);
    if (!m) return null;
    const [, project = '', region = '', resourceText = '', id, cancel] = m;
    const resource: Resource = resourceText === 'hyperparameterTuningJobs' ? 'hyperparameterTuningJobs' : 'customJobs';
    let verb: 'create' | 'list' | 'get' | 'cancel';
    if (id === undefined) {
      if (req.method === 'POST') verb = 'create';
      else if (req.method === 'GET') verb = 'list';
      else return null;
    } else if (cancel !== undefined) {
      if (req.method !== 'POST') return null;
      verb = 'cancel';
    } else {
      if (req.method !== 'GET') return null;
      verb = 'get';
    }
    const method: VertexMethod = `${resource}.${verb}`;
    return this.call(method, req, region, () => {
      if (project !== this.project && project !== this.projectNumber) {
        return vertexError(403, 'PERMISSION_DENIED', `Permission 'aiplatform.${resource}.${verb}' denied on resource '//aiplatform.googleapis.com/projects/${project}/locations/${region}' (or it may not exist).`);
      }
      if (!REGION.test(region)) return vertexError(400, 'INVALID_ARGUMENT', `Invalid location: ${region}`);
      switch (verb) {
        case 'create':
          return resource === 'customJobs' ? this.create(region, req.body) : this.createTuning(region, req.body);
        case 'list':
          return this.list(region, req.query, resource);
        case 'get':
          return this.get(region, id ?? '', resource);
        case 'cancel':
          return this.cancel(region, id ?? '', resource);
      }
    });
  }

  private call(method: VertexMethod, req: SandboxRequest, region: string | null, run: () => SandboxResponse): SandboxResponse {
    this.calls.push({ method, path: req.path, region, at: this.now() });
    const injected = this.failures.get(method)?.shift();
    if (injected) return injected;
    return run();
  }

  // ---------------------------------------------------------------- custom jobs

  private create(region: string, body: unknown): SandboxResponse {
    const now = this.now();
    const parsed = parseJobBody(body, iso(now).slice(0, 10));
    if (!parsed.ok) return parsed.response;
    const refused = this.quotaRefusal(region, parsed.job.usage, now);
    if (refused !== null) return refused;
    return { status: 200, body: this.view(this.createRecord(region, parsed.job, now)) };
  }

  private quotaRefusal(region: string, usage: Map<string, number>, now: number): SandboxResponse | null {
    for (const [resource, amount] of usage) {
      const rule = this.quotas.get(`${region}/${resource}`);
      if (rule === undefined || amount === 0) continue;
      if (this.usage(region, resource, now) + amount > rule.limit) return quotaError(resource);
    }
    return null;
  }

  /**
   * A HyperparameterTuningJob: its study checked by vertex-tuning.ts, its trialJobSpec as a custom
   * job's. It holds quota for its parallel trials, each a copy of the trial job's machines.
   */
  private createTuning(region: string, body: unknown): SandboxResponse {
    const now = this.now();
    if (!isRecord(body)) return badRequest([{ field: 'hyperparameter_tuning_job', description: 'Required field is not set.' }]);
    const checked = checkTuningBody(body);
    if (checked.unknownField !== undefined) return unknownField(checked.unknownField.name, checked.unknownField.at);
    // The display name, labels and trial job spec follow a custom job's rules.
    const trial = isRecord(checked.trialJobSpec)
      ? parseJobBody({ displayName: body.displayName, ...(body.labels !== undefined ? { labels: body.labels } : {}), jobSpec: checked.trialJobSpec }, iso(now).slice(0, 10))
      : null;
    if (trial !== null && !trial.ok) return trial.response;
    if (checked.violations.length > 0 || checked.study === null || trial === null) {
      return badRequest(checked.violations.length > 0 ? checked.violations : [{ field: 'hyperparameter_tuning_job', description: 'Invalid job.' }]);
    }
    const parallel = checked.study.parallelTrialCount;
    const usage = new Map([...trial.job.usage].map(([k, v]) => [k, v * parallel]));
    const refused = this.quotaRefusal(region, usage, now);
    if (refused !== null) return refused;
    const fields: Json = { studySpec: body.studySpec, maxTrialCount: body.maxTrialCount, parallelTrialCount: body.parallelTrialCount };
    if (body.maxFailedTrialCount !== undefined) fields.maxFailedTrialCount = body.maxFailedTrialCount;
    const job = this.createRecord(region, { ...trial.job, usage }, now, { resource: 'hyperparameterTuningJobs', tuning: { study: checked.study, fields } });
    return { status: 200, body: this.view(job) };
  }

  private createRecord(region: string, parsed: ParsedJob, createdAt: number, kind: Pick<JobRecord, 'resource' | 'tuning'> = { resource: 'customJobs' }): JobRecord {
    const id = String(FIRST_JOB_ID + this.seq);
    this.seq++;
    const named = this.scriptsByName.get(parsed.displayName);
    const job: JobRecord = {
      id,
      ...kind,
      region,
      displayName: parsed.displayName,
      labels: parsed.labels,
      jobSpec: parsed.jobSpec,
      usage: parsed.usage,
      createdAt,
      script: { ...this.defaultScriptValue, ...named },
      polls: 0,
      step: 0,
      state: 'JOB_STATE_QUEUED',
      updatedAt: createdAt,
    };
    this.jobsById.set(id, job);
    return job;
  }

  private usage(region: string, resource: string, now: number): number {
    let total = 0;
    for (const job of this.jobsById.values()) {
      if (job.region !== region) continue;
      this.observe(job, now, false);
      if (!FINAL.has(job.state)) total += job.usage.get(resource) ?? 0;
    }
    return total;
  }

  private get(region: string, id: string, resource: Resource = 'customJobs'): SandboxResponse {
    const job = this.jobsById.get(id);
    if (!job || job.region !== region || job.resource !== resource) return notFound(resource);
    this.observe(job, this.now(), true);
    return { status: 200, body: this.view(job, true) };
  }

  private list(region: string, query: URLSearchParams, resource: Resource = 'customJobs'): SandboxResponse {
    const filterText = query.get('filter') ?? '';
    let filter: FilterNode | null;
    try {
      filter = parseFilter(filterText);
      checkFields(filter, (path) => /^labels\.[^.]+$/.test(path) || ['state', 'display_name', 'displayName', 'create_time', 'createTime'].includes(path));
    } catch (error) {
      return vertexError(400, 'INVALID_ARGUMENT', `Provided filter is not valid: ${error instanceof Error ? error.message : String(error)}.`);
    }
    const size = pageSizeOf(query.get('pageSize') ?? undefined, this.maxPageSize, this.maxPageSize);
    if (size === null) return vertexError(400, 'INVALID_ARGUMENT', 'Page size must be a non-negative integer.');
    const key = `${region}|${filterText}`;
    const token = query.get('pageToken') ?? '';
    const offset = token === '' ? 0 : readPageToken(token, key);
    if (offset === null) return vertexError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
    const now = this.now();
    // Advance by time first so a state filter sees the current state.
    const inRegion = this.ordered().filter((j) => j.region === region && j.resource === resource);
    for (const job of inRegion) this.observe(job, now, false);
    const matching = inRegion.filter((job) => evalFilter(filter, (path, op, value) => this.jobMatches(job, path, op, value)));
    const page = matching.slice(offset, offset + size);
    for (const job of page) this.observe(job, now, true);
    const body: Json = {};
    if (page.length > 0) body[resource] = page.map((j) => this.view(j));
    if (offset + size < matching.length) body.nextPageToken = pageToken(offset + size, key);
    return { status: 200, body };
  }

  private jobMatches(job: JobRecord, path: string, op: Op, value: string): boolean {
    if (path.startsWith('labels.')) return compareText(job.labels[path.slice('labels.'.length)], op, value);
    if (path === 'state') return compareText(job.state, op, value);
    if (path === 'display_name' || path === 'displayName') return compareText(job.displayName, op, value);
    const t = Date.parse(value);
    return !Number.isNaN(t) && compareOrdered(job.createdAt, op, t);
  }

  private cancel(region: string, id: string, resource: Resource = 'customJobs'): SandboxResponse {
    const job = this.jobsById.get(id);
    if (!job || job.region !== region || job.resource !== resource) return notFound(resource);
    const now = this.now();
    this.observe(job, now, false);
    if (FINAL.has(job.state)) {
      return vertexError(400, 'FAILED_PRECONDITION', `Cannot cancel ${job.resource === 'customJobs' ? 'CustomJob' : 'HyperparameterTuningJob'} "${this.jobName(job)}" because it is in state ${job.state}.`);
    }
    if (job.state !== 'JOB_STATE_CANCELLING') {
      job.state = 'JOB_STATE_CANCELLING';
      job.cancelPolls = job.polls;
      job.cancelAt = now;
      job.updatedAt = now;
    }
    return { status: 200, body: {} };
  }

  // ---------------------------------------------------------------- progression

  private ordered(): JobRecord[] {
    return [...this.jobsById.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** Moves a job along its script: `counted` when an API call shows it to a client. */
  private observe(job: JobRecord, now: number, counted: boolean): void {
    if (FINAL.has(job.state)) {
      if (counted) job.polls++;
      return;
    }
    if (counted) job.polls++;
    if (job.state === 'JOB_STATE_CANCELLING') {
      const byTime = this.stepMs !== null && job.cancelAt !== undefined && now >= job.cancelAt + this.stepMs;
      if (job.polls > (job.cancelPolls ?? 0) + 1 || byTime) {
        const at = byTime && job.cancelAt !== undefined ? Math.min(now, job.cancelAt + (this.stepMs ?? 0)) : now;
        job.state = 'JOB_STATE_CANCELLED';
        job.endedAt = at;
        job.updatedAt = at;
        job.error = { code: 1, message: 'CANCELED' };
        this.writeLog(job, at, 'INFO', 'Job was cancelled.');
      }
      return;
    }
    if (job.script.stayQueued === true) return;
    const end = Math.max(1, Math.floor(job.script.succeedAfterPolls ?? DEFAULT_POLLS));
    const timeSteps = this.stepMs === null ? 0 : Math.floor((now - job.createdAt) / this.stepMs);
    const target = Math.min(end, Math.max(job.polls, timeSteps));
    while (job.step < target) {
      job.step++;
      const at = this.stepMs !== null && timeSteps >= job.step ? Math.min(now, job.createdAt + job.step * this.stepMs) : now;
      this.enterStep(job, job.step, end, at);
    }
  }

  private enterStep(job: JobRecord, step: number, end: number, at: number): void {
    job.updatedAt = at;
    if (step >= end) {
      if (job.startedAt === undefined) {
        job.startedAt = at;
        this.writeStartLogs(job, at);
      }
      job.endedAt = at;
      const failWith = job.script.failWith;
      if (failWith !== undefined) {
        job.state = 'JOB_STATE_FAILED';
        job.error = { code: 3, message: failWith };
        const lines = job.script.errorLines ?? [
          'Traceback (most recent call last):',
          '  File "/root/.local/lib/python3.10/site-packages/trainer/task.py", line 42, in <module>',
          '    main()',
          failWith,
        ];
        for (const line of lines) this.writeLog(job, at, 'ERROR', line);
        this.writeLog(job, at, 'ERROR', 'The replica workerpool0-0 exited with a non-zero status of 1.', 'service');
      } else {
        job.state = 'JOB_STATE_SUCCEEDED';
        if (job.tuning !== undefined) job.trials = playTrials(job.tuning.study, job.startedAt, at, job.script.bestTrial);
        this.writeLog(job, at, 'INFO', 'Job completed successfully.', 'service');
      }
      return;
    }
    if (step === 1) {
      job.state = 'JOB_STATE_PENDING';
      return;
    }
    if (job.state !== 'JOB_STATE_RUNNING') {
      job.state = 'JOB_STATE_RUNNING';
      job.startedAt = at;
      this.writeStartLogs(job, at);
    }
  }

  private writeStartLogs(job: JobRecord, at: number): void {
    const chief = (job.jobSpec.workerPoolSpecs as Json[] | undefined)?.[0] ?? {};
    const python = isRecord(chief.pythonPackageSpec) ? chief.pythonPackageSpec : null;
    const what = python !== null ? `python3 -m ${String(python.pythonModule)}` : 'the container entrypoint';
    this.writeLog(job, at, 'INFO', `Running task with arguments: ${what}`);
  }

  private writeLog(job: JobRecord, at: number, severity: Severity, text: string, task = 'workerpool0-0'): void {
    this.logSeq++;
    this.logs.push({
      at,
      seq: this.logSeq,
      entry: {
        insertId: `${job.id.slice(-8)}${String(this.logSeq).padStart(8, '0')}`,
        logName: `projects/${this.project}/logs/${task}`,
        resource: { type: 'ml_job', labels: { job_id: job.id, project_id: this.project, task_name: task } },
        timestamp: iso(at),
        receiveTimestamp: iso(at),
        severity,
        textPayload: text,
      },
    });
  }

  private jobName(job: JobRecord): string {
    return `projects/${this.projectNumber}/locations/${job.region}/${job.resource}/${job.id}`;
  }

  /** The job as the API shows it; a tuning job's trials only with `withTrials` (a get). */
  private view(job: JobRecord, withTrials = false): CustomJobView | TuningJobView {
    if (job.tuning !== undefined) return this.tuningView(job, job.tuning.fields, withTrials);
    return this.customView(job);
  }

  private tuningView(job: JobRecord, fields: Json, withTrials: boolean): TuningJobView {
    const view: TuningJobView = {
      name: this.jobName(job),
      displayName: job.displayName,
      studySpec: fields.studySpec as Json,
      maxTrialCount: Number(fields.maxTrialCount),
      parallelTrialCount: Number(fields.parallelTrialCount),
      trialJobSpec: job.jobSpec,
      state: job.state,
      createTime: iso(job.createdAt),
      updateTime: iso(job.updatedAt),
    };
    if (fields.maxFailedTrialCount !== undefined) view.maxFailedTrialCount = Number(fields.maxFailedTrialCount);
    if (job.startedAt !== undefined) view.startTime = iso(job.startedAt);
    if (job.endedAt !== undefined) view.endTime = iso(job.endedAt);
    if (job.error !== undefined) view.error = { ...job.error };
    if (Object.keys(job.labels).length > 0) view.labels = { ...job.labels };
    if (withTrials && job.trials !== undefined && job.trials.length > 0) view.trials = job.trials;
    return view;
  }

  private customView(job: JobRecord): CustomJobView {
    const view: CustomJobView = {
      name: this.jobName(job),
      displayName: job.displayName,
      jobSpec: job.jobSpec,
      state: job.state,
      createTime: iso(job.createdAt),
      updateTime: iso(job.updatedAt),
    };
    if (job.startedAt !== undefined) view.startTime = iso(job.startedAt);
    if (job.endedAt !== undefined) view.endTime = iso(job.endedAt);
    if (job.error !== undefined) view.error = { ...job.error };
    if (Object.keys(job.labels).length > 0) view.labels = { ...job.labels };
    return view;
  }

  // ---------------------------------------------------------------- Cloud Logging

  private listEntries(body: unknown): SandboxResponse {
    const req = isRecord(body) ? body : {};
    const names = Array.isArray(req.resourceNames) ? req.resourceNames : Array.isArray(req.projectIds) ? req.projectIds.map((p) => `projects/${String(p)}`) : [];
    if (names.length === 0) return vertexError(400, 'INVALID_ARGUMENT', 'resourceNames: At least one resource name must be specified.');
    const ours = [`projects/${this.project}`, `projects/${this.projectNumber}`];
    if (!names.some((n) => typeof n === 'string' && ours.includes(n))) {
      return vertexError(403, 'PERMISSION_DENIED', `The caller does not have permission to read the logs of ${String(names[0])}.`);
    }
    const filterText = typeof req.filter === 'string' ? req.filter : '';
    let filter: FilterNode | null;
    try {
      filter = parseFilter(filterText);
      checkFields(filter, (path) =>
        ['resource.type', 'severity', 'logName', 'log_name', 'textPayload', 'timestamp', 'insertId'].includes(path) || /^(resource\.)?labels\.[^.]+$/.test(path),
      );
    } catch (error) {
      return vertexError(400, 'INVALID_ARGUMENT', `Invalid filter: ${error instanceof Error ? error.message : String(error)}.`);
    }
    const orderBy = typeof req.orderBy === 'string' ? req.orderBy.trim().toLowerCase() : 'timestamp asc';
    if (!['timestamp asc', 'timestamp desc', 'timestamp', ''].includes(orderBy)) {
      return vertexError(400, 'INVALID_ARGUMENT', `Invalid order_by: ${orderBy}. Use "timestamp asc" or "timestamp desc".`);
    }
    const size = pageSizeOf(req.pageSize, LOG_DEFAULT_PAGE, Math.min(LOG_MAX_PAGE, Math.max(this.maxPageSize, LOG_DEFAULT_PAGE)));
    if (size === null) return vertexError(400, 'INVALID_ARGUMENT', 'page_size must be a non-negative integer.');
    const key = `${filterText}|${orderBy}`;
    const token = typeof req.pageToken === 'string' ? req.pageToken : '';
    const offset = token === '' ? 0 : readPageToken(token, key);
    if (offset === null) return vertexError(400, 'INVALID_ARGUMENT', 'Invalid page token.');
    const matching = this.logs
      .filter((l) => evalFilter(filter, (path, op, value) => this.entryMatches(l.entry, path, op, value)))
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (orderBy === 'timestamp desc') matching.reverse();
    const page = matching.slice(offset, offset + size);
    const out: Json = {};
    if (page.length > 0) out.entries = page.map((l) => l.entry);
    if (offset + size < matching.length) out.nextPageToken = pageToken(offset + size, key);
    return { status: 200, body: out };
  }

  private entryMatches(entry: LogEntryView, path: string, op: Op, value: string): boolean {
    if (path === 'resource.type') return compareText(entry.resource.type, op, value);
    if (path.startsWith('resource.labels.')) return compareText(entry.resource.labels[path.slice('resource.labels.'.length)], op, value);
    if (path.startsWith('labels.')) return compareText(undefined, op, value);
    if (path === 'logName' || path === 'log_name') return compareText(entry.logName, op, value);
    if (path === 'textPayload') return compareText(entry.textPayload, op, value);
    if (path === 'insertId') return compareText(entry.insertId, op, value);
    if (path === 'severity') {
      const wanted = Object.hasOwn(SEVERITY_RANK, value.toUpperCase()) ? SEVERITY_RANK[value.toUpperCase() as Severity] : Number(value);
      return compareOrdered(SEVERITY_RANK[entry.severity], op, wanted);
    }
    const t = Date.parse(value);
    return !Number.isNaN(t) && compareOrdered(Date.parse(entry.timestamp), op, t);
  }
}
