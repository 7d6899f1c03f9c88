/**
 * A simulated Compute Engine (REST, `compute/v1`) for one project, good enough for the real
 * `@google-cloud/compute` client: instances with their lifecycle, zone operations, GPU and machine type
 * catalogues, Deep Learning VM images, and the failures GPU users meet (stockouts, quota, Spot
 * preemption, someone clicking in the console).
 *
 * Time: every status is computed from the injected clock when it is read; nothing runs on timers, so a
 * test can move `now` and watch an instance go PROVISIONING -> STAGING -> RUNNING.
 *
 * Choices where Compute's behaviour is not pinned down by the brief (all documented where they live):
 * - insert: the operation is DONE after `operationMs`; the instance is PROVISIONING for `provisioningMs`,
 *   STAGING for `stagingMs`, then RUNNING. start/stop operations finish when the instance gets there
 *   (STAGING -> RUNNING after `stagingMs`, STOPPING -> TERMINATED after `stoppingMs`), but never before
 *   `operationMs`. delete: STOPPING (when it was up), then gone when its operation is DONE.
 * - start on an instance that is up, or stop on one that is TERMINATED, is a no-op DONE operation;
 *   start while STOPPING is refused with 400 `resourceNotReady`.
 * - stockout: the instance shows PROVISIONING until the operation fails, then it is gone. Quota is
 *   checked before anything is created, so a quota failure leaves no instance at any moment.
 * - quota counts instances that are not TERMINATED (stopped VMs hold no CPU or GPU quota); Spot VMs
 *   count against `PREEMPTIBLE_<metric>` when a limit is set for it, else against the regular metric.
 * - requestId must be a UUID, as Compute requires; a repeated requestId returns the first operation.
 * - Jupyter readiness: `jupyterReadyMs` after the instance reaches RUNNING, Google's inverting proxy
 *   agent writes metadata `proxy-url` (only when metadata `proxy-mode` is set and not `none`, and in
 *   `mail` mode only with a `proxy-user-mail`: the agent's attempt-register-vm-on-proxy script exits
 *   without registering otherwise, and Workbench's "manage access to the JupyterLab interface" page
 *   names the pair), and the
 *   guest writes guest attribute namespace `notebooks`, key `jupyter` = `ready` (only when metadata
 *   `enable-guest-attributes` is TRUE, as on real VMs). Guest attributes are gone once the instance
 *   stops; `proxy-url` stays in the metadata, with the same URL after a restart.
 * - Timestamps are US Pacific with an offset, as Compute writes them.
 */
import { performance } from 'node:perf_hooks';
import {
  ACCELERATORS,
  DLVM_IMAGES,
  DLVM_PROJECT,
  REGIONS,
  ZONES,
  ZONE_ACCELERATORS,
  findMachineType,
  imageFromFamily,
  regionOfZone,
  defaultNetworks,
  zoneMachineTypes,
  type ImageSpec,
  type MachineTypeSpec,
  type NetworkSpec,
} from './compute-catalog.js';
import {
  alreadyExists,
  computeHttpError,
  conditionNotMet,
  invalidField,
  invalidResourceUsage,
  notFound,
  quotaFailure,
  quotaHttpError,
  resourceNotReady,
  stockoutFailure,
  type OperationFailure,
} from './compute-errors.js';
import { FilterError, PageError, compileFilter, paginate } from './compute-filter.js';
import {
  EPOCH_TIMESTAMP,
  computeLink,
  computeTimestamp,
  fingerprint,
  operationName,
  randomHex,
  randomId,
  stableId,
} from './compute-format.js';
import {
  checkLabels,
  checkMetadata,
  isRecord,
  parseInsert,
  recordsOf,
  stringOf,
  type InstanceSpec,
  type Json,
  type MetadataItem,
  type SchedulingSpec,
} from './compute-spec.js';
import type { SandboxHandler, SandboxRequest, SandboxResponse } from './server.js';
import { GLOBAL_GPU_QUOTAS, REGIONAL_GPU_QUOTAS } from './project-defaults.js';

/** How long simulated things take, in milliseconds of the sandbox clock. */
export interface ComputeTimings {
  /** PROVISIONING after insert. */
  provisioningMs: number;
  /** STAGING after PROVISIONING, and after start. */
  stagingMs: number;
  /** From RUNNING until Jupyter answers (proxy-url and the `notebooks/jupyter` guest attribute). */
  jupyterReadyMs: number;
  /** STOPPING after stop, delete or preemption. */
  stoppingMs: number;
  /** Least time any operation stays RUNNING; the insert operation takes exactly this. */
  operationMs: number;
  /** Longest zoneOperations.wait blocks before answering with the operation still RUNNING. */
  waitMaxMs: number;
}

/** Fast enough for a demo; tests pass their own or drive the clock. */
export const DEFAULT_COMPUTE_TIMINGS: Readonly<ComputeTimings> = {
  provisioningMs: 1000,
  stagingMs: 1500,
  jupyterReadyMs: 2000,
  stoppingMs: 1500,
  operationMs: 500,
  waitMaxMs: 2000,
};

/** Every API method the sandbox serves, named as the client library's RPCs are. */
export const COMPUTE_METHODS = [
  'instances.insert',
  'instances.get',
  'instances.list',
  'instances.aggregatedList',
  'instances.start',
  'instances.stop',
  'instances.delete',
  'instances.getGuestAttributes',
  'instances.setMetadata',
  'instances.setLabels',
  'zoneOperations.get',
  'zoneOperations.wait',
  'zoneOperations.list',
  'acceleratorTypes.get',
  'acceleratorTypes.list',
  'acceleratorTypes.aggregatedList',
  'machineTypes.get',
  'machineTypes.list',
  'machineTypes.aggregatedList',
  'zones.get',
  'zones.list',
  'regions.get',
  'regions.list',
  'images.get',
  'images.getFromFamily',
  'images.list',
] as const;

export type ComputeMethod = (typeof COMPUTE_METHODS)[number];

export interface ComputeCall {
  method: ComputeMethod;
  path: string;
  /** Sandbox clock when the call arrived. */
  at: number;
  /** The request body as it arrived (inserts, setMetadata, ...); absent for calls without one. */
  body?: unknown;
  /** The HTTP status answered; an error status means Compute refused the call itself. */
  status?: number;
}

export type InstanceStatus = 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'TERMINATED';

/** An instance as the API returns it (the fields the sandbox writes). */
export interface ComputeInstance {
  kind: 'compute#instance';
  id: string;
  creationTimestamp: string;
  name: string;
  description?: string;
  tags: { fingerprint: string; items?: string[] };
  machineType: string;
  status: InstanceStatus;
  zone: string;
  canIpForward: boolean;
  networkInterfaces: Json[];
  disks: Json[];
  metadata: { kind: 'compute#metadata'; fingerprint: string; items?: MetadataItem[] };
  serviceAccounts?: Json[];
  selfLink: string;
  scheduling: SchedulingSpec;
  cpuPlatform: string;
  minCpuPlatform?: string;
  guestAccelerators?: { acceleratorType: string; acceleratorCount: number }[];
  labels?: Record<string, string>;
  labelFingerprint: string;
  startRestricted: boolean;
  deletionProtection: boolean;
  shieldedInstanceConfig?: Json;
  fingerprint: string;
  lastStartTimestamp?: string;
  lastStopTimestamp?: string;
  satisfiesPzi: boolean;
}

/** A zone operation as the API returns it. */
export interface ComputeOperation {
  kind: 'compute#operation';
  id: string;
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  status: 'RUNNING' | 'DONE';
  user: string;
  progress: number;
  insertTime: string;
  startTime: string;
  endTime?: string;
  selfLink: string;
  statusMessage?: string;
  error?: { errors: OperationFailure['errors'] };
  httpErrorStatusCode?: number;
  httpErrorMessage?: string;
}

/** An instance made directly through the control surface, as if someone used the console. */
export interface ConsoleInstance {
  zone: string;
  name: string;
  /** Machine type name; default `n1-standard-4`. */
  machineType?: string;
  /** Attached to an N1 machine type. */
  acceleratorType?: string;
  acceleratorCount?: number;
  labels?: Record<string, string>;
  metadata?: Record<string, string>;
  spot?: boolean;
  /** Default RUNNING (already booted). */
  status?: 'RUNNING' | 'TERMINATED';
  /** Sandbox clock time it was created; default now. */
  createdAt?: number;
}

export interface ComputeSandboxOptions {
  project: string;
  now?: () => number;
  timings?: Partial<ComputeTimings>;
  /** Written as the `user` of operations the API callers start. */
  user?: string;
  /** The project's networks (and Shared VPC hosts'); default: the auto-mode `default` network. */
  networks?: NetworkSpec[];
}

export interface StockoutOptions {
  /** Use `ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS`, the variant Compute sends for some shapes. */
  withDetails?: boolean;
}

export interface QuotaOptions {
  /**
   * `operation` (default): insert/start succeed as calls and the operation ends DONE with
   * `QUOTA_EXCEEDED`. `http`: the call itself is refused with 403 `quotaExceeded`. Compute does both.
   */
  as?: 'operation' | 'http';
}

type Life =
  | { kind: 'up'; stagingAt: number; runningAt: number }
  | { kind: 'down'; stoppingAt: number; terminatedAt: number };

interface InstanceRecord {
  id: string;
  zone: string;
  region: string;
  createdAt: number;
  spec: InstanceSpec;
  labels: Record<string, string>;
  metadata: MetadataItem[];
  disks: Json[];
  networkInterfaces: Json[];
  natIP: string;
  proxyHex: string;
  life: Life;
  lastStartAt?: number;
  lastStopAt?: number;
  /** From this moment the instance no longer exists (deleted, failed creation, preempted with DELETE). */
  goneAt?: number;
  /** Guest attributes written through the control surface, `namespace/key` -> value. */
  guest: Map<string, string>;
}

interface OperationRecord {
  id: string;
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  targetId: string;
  user: string;
  insertAt: number;
  doneAt: number;
  failure?: OperationFailure;
  statusMessage?: string;
}

interface HangOptions {
  after: 'acting' | 'before';
}

/** What a fault policy (see `ComputeSandbox.faults`) does to one call. */
export type ComputeFaultPolicy = (method: ComputeMethod, req: SandboxRequest) => SandboxResponse | 'hang' | 'hang-after-acting' | null;

interface QuotaRule {
  metric: string;
  region: string;
  limit: number;
  as: 'operation' | 'http';
}

interface Demand {
  metric: string;
  region: string;
  amount: number;
}

interface Route {
  verb: string;
  pattern: RegExp;
  method: ComputeMethod;
  /** Image routes also answer for the public image project. */
  images?: boolean;
  run: (params: string[], req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;
}

const EMPTY_LABEL_FINGERPRINT = '42WmSpB8rSM=';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const PREEMPTED = 'compute.instances.preempted';
const CONSOLE_USER = 'someone@example.com';
const JUPYTER_ATTRIBUTE = 'notebooks/jupyter';

const ok = (body: unknown): SandboxResponse => ({ status: 200, body });

// Unref'd so a wait still pending when the server closes does not hold the process open.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function statusOf(life: Life, now: number): InstanceStatus {
  if (life.kind === 'up') return now < life.stagingAt ? 'PROVISIONING' : now < life.runningAt ? 'STAGING' : 'RUNNING';
  return now < life.terminatedAt ? 'STOPPING' : 'TERMINATED';
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'true';
}

export class ComputeSandbox implements SandboxHandler {
  readonly project: string;
  readonly timings: Readonly<ComputeTimings>;
  /** Every API call that reached a known route, in order; failed and injected-failure calls included. */
  readonly calls: ComputeCall[] = [];

  private readonly now: () => number;
  private readonly user: string;
  private readonly records = new Map<string, InstanceRecord>();
  private readonly ops: OperationRecord[] = [];
  private readonly requestIds = new Map<string, OperationRecord>();
  private readonly stockouts = new Map<string, { types: Set<string> | 'all'; withDetails: boolean }>();
  private readonly quotas = new Map<string, QuotaRule>();
  private readonly unreachableZones = new Set<string>();
  private readonly failures = new Map<ComputeMethod, SandboxResponse[]>();
  private readonly hangs = new Map<ComputeMethod, HangOptions[]>();
  private readonly hung = new Set<() => void>();
  private listLagMs = 0;
  private faultPolicy: ComputeFaultPolicy | null = null;
  private readonly routes: Route[];
  private ipCounter = 2;
  private networks: NetworkSpec[];
  private externalIpForbidden = false;

  constructor(options: ComputeSandboxOptions) {
    this.project = options.project;
    this.now = options.now ?? Date.now;
    this.timings = { ...DEFAULT_COMPUTE_TIMINGS, ...options.timings };
    this.user = options.user ?? `notebooks@${options.project}.iam.gserviceaccount.com`;
    this.routes = this.buildRoutes();
    this.networks = options.networks ?? defaultNetworks(options.project);
  }

  /** Replaces the networks Compute knows (a Shared VPC host's included). */
  setNetworks(networks: NetworkSpec[]): void {
    this.networks = networks;
  }

  /**
   * Switches the organization policy `constraints/compute.vmExternalIpAccess` to deny all: from now on
   * an insert that asks for an external IP (an accessConfig) is refused, as in many organizations.
   */
  forbidExternalIp(on = true): void {
    this.externalIpForbidden = on;
  }

  /** Inserts Compute refused on the call itself (4xx), with their bodies: a test can assert there were none. */
  refusedInserts(): ComputeCall[] {
    return this.calls.filter((c) => c.method === 'instances.insert' && c.status !== undefined && c.status >= 400);
  }

  // ---------------------------------------------------------------- control surface

  /**
   * From now on, inserts and starts in `zone` fail with ZONE_RESOURCE_POOL_EXHAUSTED: all of them, or
   * only those that need `acceleratorType` (repeat the call to add more types).
   */
  stockout(zone: string, acceleratorType?: string, options: StockoutOptions = {}): void {
    this.requireZone(zone);
    const withDetails = options.withDetails === true;
    const current = this.stockouts.get(zone);
    if (acceleratorType === undefined || acceleratorType === 'all') {
      this.stockouts.set(zone, { types: 'all', withDetails });
      return;
    }
    const types = current && current.types !== 'all' ? current.types : new Set<string>();
    if (current?.types === 'all') return;
    types.add(acceleratorType);
    this.stockouts.set(zone, { types, withDetails });
  }

  clearStockout(zone: string): void {
    this.stockouts.delete(zone);
  }

  /**
   * Sets a quota limit, e.g. `quota('NVIDIA_T4_GPUS', 'us-central1', 0)`. Metrics understood: the GPU
   * metrics of the catalogue (`NVIDIA_L4_GPUS`, ...), their `PREEMPTIBLE_` forms, `GPUS_ALL_REGIONS`
   * (region `global`), `CPUS` (N1), `A2_CPUS` / `G2_CPUS` / `A3_CPUS`, and `INSTANCES`.
   */
  quota(metric: string, region: string, limit: number, options: QuotaOptions = {}): void {
    const scope = metric === 'GPUS_ALL_REGIONS' ? 'global' : region;
    if (scope !== 'global' && !REGIONS.some((r) => r.name === scope)) throw new Error(`unknown region ${region}`);
    this.quotas.set(`${metric}@${scope}`, { metric, region: scope, limit, as: options.as ?? 'operation' });
  }

  clearQuota(metric?: string, region?: string): void {
    for (const [key, rule] of this.quotas) {
      if ((metric === undefined || rule.metric === metric) && (region === undefined || rule.region === region)) this.quotas.delete(key);
    }
  }

  /**
   * Preempts a running Spot instance: STOPPING, then TERMINATED (or gone, when its
   * instanceTerminationAction is DELETE), and a DONE `compute.instances.preempted` operation appears.
   */
  preempt(name: string, zone?: string): ComputeOperation {
    const now = this.settle();
    const rec = this.findByName(name, zone);
    if (rec.spec.scheduling.provisioningModel !== 'SPOT') throw new Error(`${name} is not a Spot VM; only Spot VMs are preempted`);
    if (rec.life.kind !== 'up') throw new Error(`${name} is ${statusOf(rec.life, now)}; only a running VM is preempted`);
    this.bringDown(rec, now, now + this.timings.stoppingMs);
    if (rec.spec.scheduling.instanceTerminationAction === 'DELETE') rec.goneAt = now + this.timings.stoppingMs;
    const op = this.newOperation(rec, PREEMPTED, 'system', now, now);
    op.statusMessage = 'Instance was preempted.';
    return this.operationView(op, now);
  }

  /** Someone stops the instance in the console. */
  consoleStop(name: string, zone?: string): ComputeOperation {
    const now = this.settle();
    const rec = this.findByName(name, zone);
    return this.operationView(this.stop(rec, now, CONSOLE_USER), now);
  }

  /** Someone starts the instance in the console (quota and stockouts apply). */
  consoleStart(name: string, zone?: string): ComputeOperation {
    const now = this.settle();
    const rec = this.findByName(name, zone);
    const op = this.start(rec, now, CONSOLE_USER);
    if (!('id' in op)) throw new Error(`cannot start ${name} now`);
    return this.operationView(op, now);
  }

  /** Someone deletes the instance in the console. */
  consoleDelete(name: string, zone?: string): ComputeOperation {
    const now = this.settle();
    const rec = this.findByName(name, zone);
    const op = this.remove(rec, now, CONSOLE_USER);
    if (!('id' in op)) throw new Error(`cannot delete ${name}: it is protected against deletion`);
    return this.operationView(op, now);
  }

  /**
   * Someone creates an instance in the console, e.g. one that carries our labels but that we never
   * recorded (an orphan). It is validated like an insert and is RUNNING (or TERMINATED) at once.
   */
  consoleCreate(instance: ConsoleInstance): ComputeInstance {
    const now = this.settle();
    const { zone } = instance;
    this.requireZone(zone);
    const gpu = instance.acceleratorType;
    const body: Json = {
      name: instance.name,
      machineType: `zones/${zone}/machineTypes/${instance.machineType ?? 'n1-standard-4'}`,
      labels: instance.labels ?? {},
      metadata: { items: Object.entries(instance.metadata ?? {}).map(([key, value]) => ({ key, value })) },
      disks: [
        {
          boot: true,
          autoDelete: true,
          initializeParams: { sourceImage: `projects/${DLVM_PROJECT}/global/images/family/common-cu128-ubuntu-2204-nvidia-570` },
        },
      ],
      scheduling: {
        onHostMaintenance: 'TERMINATE',
        ...(instance.spot ? { provisioningModel: 'SPOT' } : { automaticRestart: true }),
      },
    };
    if (gpu) body.guestAccelerators = [{ acceleratorType: `zones/${zone}/acceleratorTypes/${gpu}`, acceleratorCount: instance.acceleratorCount ?? 1 }];
    const parsed = parseInsert(body, zone, this.project, { networks: this.networks, externalIpForbidden: false });
    if (!parsed.ok) throw new Error(`consoleCreate: ${JSON.stringify(parsed.error.body)}`);
    if (this.live(zone, instance.name, now)) throw new Error(`consoleCreate: ${instance.name} already exists in ${zone}`);
    const createdAt = instance.createdAt ?? now;
    const rec = this.createRecord(parsed.value.spec, parsed.value.images, zone, createdAt);
    rec.life =
      instance.status === 'TERMINATED'
        ? { kind: 'down', stoppingAt: createdAt, terminatedAt: createdAt }
        : { kind: 'up', stagingAt: createdAt, runningAt: createdAt };
    this.newOperation(rec, 'insert', CONSOLE_USER, createdAt, createdAt);
    return this.instanceView(rec, now);
  }

  /** Writes a guest attribute as the guest would (only readable while the instance is up). */
  setGuestAttribute(name: string, path: string, value: string, zone?: string): void {
    this.settle();
    this.findByName(name, zone).guest.set(path, value);
  }

  /**
   * The next `times` calls of `method` fail with `response` (build it with `computeHttpError` or
   * `googleError`). The call is still logged in `calls`.
   */
  failNext(method: ComputeMethod, response: SandboxResponse, times = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(response);
    this.failures.set(method, queue);
  }

  /**
   * Makes `zone` unreachable for aggregated lists, or reachable again with `on = false`. With
   * `returnPartialSuccess=true` the page still answers: the zone's scope carries a warning with code
   * `UNREACHABLE` (the scope in its `data`) in place of its VMs, and `unreachables` names it; those VMs
   * are absent from the page, not deleted. Without it the whole call fails with 503, as Compute's
   * aggregatedList reference warns ("To prevent failure, Google recommends that you set the
   * returnPartialSuccess parameter to true", cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList,
   * read 2026-12). Per-zone calls (instances.get, operations) still answer.
   */
  unreachable(zone: string, on = true): void {
    this.requireZone(zone);
    if (on) this.unreachableZones.add(zone);
    else this.unreachableZones.delete(zone);
  }

  /**
   * Lists lag behind creates: an instance younger than `ms` (sandbox clock) is missing from
   * `instances.list` and `instances.aggregatedList`, though `instances.get` finds it. Compute's lists
   * are eventually consistent; 0 turns the lag off.
   */
  listingLag(ms: number): void {
    this.listLagMs = Math.max(0, ms);
  }

  /**
   * The next `times` calls of `method` hang: no answer comes until `releaseHangs()` (the client's own
   * timeout is what ends them). `after: 'acting'` carries the call out first and loses only the answer,
   * as when a connection drops after Compute accepted an insert; `'before'` (the default) does nothing.
   * Released calls answer 503, which no client is waiting for any more.
   */
  hang(method: ComputeMethod, options: { times?: number; after?: 'acting' | 'before' } = {}): void {
    const queue = this.hangs.get(method) ?? [];
    for (let i = 0; i < (options.times ?? 1); i++) queue.push({ after: options.after ?? 'before' });
    this.hangs.set(method, queue);
  }

  /**
   * Asks `policy` about every call from now on (null turns it off), after `hang` and `failNext` have had
   * their say: it answers null to let the call through, a response to fail it with (build it with
   * `computeHttpError`), or a hang as `hang` describes. A chaos run installs a seeded random one.
   */
  faults(policy: ComputeFaultPolicy | null): void {
    this.faultPolicy = policy;
  }

  /** Ends every hung call (see `hang`) and drops hangs not yet used. */
  releaseHangs(): void {
    this.hangs.clear();
    for (const release of this.hung) release();
    this.hung.clear();
  }

  /** Current instances as the API would show them, by zone then name. */
  instances(): ComputeInstance[] {
    const now = this.settle();
    return [...this.records.values()]
      .sort((a, b) => a.zone.localeCompare(b.zone) || a.spec.name.localeCompare(b.spec.name))
      .map((r) => this.instanceView(r, now));
  }

  instance(name: string, zone?: string): ComputeInstance | undefined {
    const now = this.settle();
    const rec = [...this.records.values()].find((r) => r.spec.name === name && (zone === undefined || r.zone === zone));
    return rec ? this.instanceView(rec, now) : undefined;
  }

  /** Operations as the API would show them, oldest first. */
  operations(zone?: string): ComputeOperation[] {
    const now = this.now();
    return this.ops.filter((o) => zone === undefined || o.zone === zone).map((o) => this.operationView(o, now));
  }

  /** How many calls of `method` the log holds. */
  count(method: ComputeMethod): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  // ---------------------------------------------------------------- HTTP surface

  async handle(req: SandboxRequest): Promise<SandboxResponse | null> {
    const match = /^\/compute\/v1\/projects\/([^/]+)\/(.+)$/.exec(req.path);
    const project = match?.[1];
    const rest = match?.[2];
    if (project === undefined || rest === undefined) return null;
    const ownProject = project === this.project;
    for (const route of this.routes) {
      if (route.verb !== req.method) continue;
      if (!ownProject && !(route.images === true && project === DLVM_PROJECT)) continue;
      const params = route.pattern.exec(rest);
      if (!params) continue;
      const call: ComputeCall = { method: route.method, path: req.path, at: this.now(), ...(req.body !== undefined && req.body !== null ? { body: req.body } : {}) };
      this.calls.push(call);
      const queued = this.hangs.get(route.method)?.shift();
      if (queued?.after === 'before') return this.hangUp();
      const injected = this.failures.get(route.method)?.shift();
      if (injected) return injected;
      const fault = queued === undefined ? (this.faultPolicy?.(route.method, req) ?? null) : null;
      if (fault === 'hang') return this.hangUp();
      if (fault !== null && fault !== 'hang-after-acting') return fault;
      const hang: HangOptions | undefined = queued ?? (fault === 'hang-after-acting' ? { after: 'acting' } : undefined);
      this.settle();
      try {
        const response = await route.run([project, ...params.slice(1).map((p) => p ?? '')], req);
        call.status = response.status;
        return hang?.after === 'acting' ? this.hangUp() : response;
      } catch (error) {
        if (error instanceof FilterError) return invalidField('filter', req.query.get('filter') ?? '', `Invalid list filter expression: ${error.message}.`);
        if (error instanceof PageError) return invalidField(error.field, error.value, error.message);
        throw error;
      }
    }
    return null;
  }

  /** Waits until `releaseHangs()`, then answers 503 to a client that has long given up. */
  private hangUp(): Promise<SandboxResponse> {
    return new Promise((resolve) => {
      const release = () => resolve(computeHttpError(503, 'backendError', 'The service is currently unavailable.'));
      this.hung.add(release);
    });
  }

  private buildRoutes(): Route[] {
    const zoned = (verb: string, tail: string, method: ComputeMethod, run: (zone: string, params: string[], req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>): Route => ({
      verb,
      pattern: new RegExp(`^zones/([^/]+)${tail}$`),
      method,
      run: (params, req) => {
        const zone = params[1] ?? '';
        if (!ZONES.includes(zone)) return invalidField('zone', zone, 'Unknown zone.');
        return run(zone, params.slice(2), req);
      },
    });
    const NAME = '([^/]+)';
    return [
      zoned('POST', '/instances', 'instances.insert', (zone, _p, req) => this.insert(zone, req)),
      zoned('GET', '/instances', 'instances.list', (zone, _p, req) => this.listInstances(zone, req.query)),
      zoned('GET', `/instances/${NAME}`, 'instances.get', (zone, [name]) => this.getInstance(zone, name ?? '')),
      zoned('DELETE', `/instances/${NAME}`, 'instances.delete', (zone, [name], req) =>
        this.lifecycle(zone, name ?? '', req, (rec, now) => this.remove(rec, now, this.user)),
      ),
      zoned('POST', `/instances/${NAME}/start`, 'instances.start', (zone, [name], req) =>
        this.lifecycle(zone, name ?? '', req, (rec, now) => this.start(rec, now, this.user)),
      ),
      zoned('POST', `/instances/${NAME}/stop`, 'instances.stop', (zone, [name], req) =>
        this.lifecycle(zone, name ?? '', req, (rec, now) => this.stop(rec, now, this.user)),
      ),
      zoned('POST', `/instances/${NAME}/setMetadata`, 'instances.setMetadata', (zone, [name], req) =>
        this.lifecycle(zone, name ?? '', req, (rec, now) => this.setMetadata(rec, now, req.body)),
      ),
      zoned('POST', `/instances/${NAME}/setLabels`, 'instances.setLabels', (zone, [name], req) =>
        this.lifecycle(zone, name ?? '', req, (rec, now) => this.setLabels(rec, now, req.body)),
      ),
      zoned('GET', `/instances/${NAME}/getGuestAttributes`, 'instances.getGuestAttributes', (zone, [name], req) =>
        this.guestAttributes(zone, name ?? '', req.query),
      ),
      { verb: 'GET', pattern: /^aggregated\/instances$/, method: 'instances.aggregatedList', run: (_p, req) => this.aggregatedInstances(req.query) },
      zoned('GET', '/operations', 'zoneOperations.list', (zone, _p, req) => this.listOperations(zone, req.query)),
      zoned('GET', `/operations/${NAME}`, 'zoneOperations.get', (zone, [name]) => this.getOperation(zone, name ?? '')),
      zoned('POST', `/operations/${NAME}/wait`, 'zoneOperations.wait', (zone, [name]) => this.waitOperation(zone, name ?? '')),
      zoned('GET', '/acceleratorTypes', 'acceleratorTypes.list', (zone, _p, req) => this.listAcceleratorTypes(zone, req.query)),
      zoned('GET', `/acceleratorTypes/${NAME}`, 'acceleratorTypes.get', (zone, [name]) => this.getAcceleratorType(zone, name ?? '')),
      { verb: 'GET', pattern: /^aggregated\/acceleratorTypes$/, method: 'acceleratorTypes.aggregatedList', run: (_p, req) => this.aggregatedAcceleratorTypes(req.query) },
      zoned('GET', '/machineTypes', 'machineTypes.list', (zone, _p, req) => this.listMachineTypes(zone, req.query)),
      zoned('GET', `/machineTypes/${NAME}`, 'machineTypes.get', (zone, [name]) => this.getMachineType(zone, name ?? '')),
      { verb: 'GET', pattern: /^aggregated\/machineTypes$/, method: 'machineTypes.aggregatedList', run: (_p, req) => this.aggregatedMachineTypes(req.query) },
      { verb: 'GET', pattern: /^zones$/, method: 'zones.list', run: (_p, req) => this.listZones(req.query) },
      { verb: 'GET', pattern: /^zones\/([^/]+)$/, method: 'zones.get', run: ([, zone]) => this.getZone(zone ?? '') },
      { verb: 'GET', pattern: /^regions$/, method: 'regions.list', run: (_p, req) => this.listRegions(req.query) },
      { verb: 'GET', pattern: /^regions\/([^/]+)$/, method: 'regions.get', run: ([, region]) => this.getRegion(region ?? '') },
      { verb: 'GET', pattern: /^global\/images\/family\/([^/]+)$/, method: 'images.getFromFamily', images: true, run: ([project, family]) => this.imageFromFamily(project ?? '', family ?? '') },
      { verb: 'GET', pattern: /^global\/images$/, method: 'images.list', images: true, run: ([project], req) => this.listImages(project ?? '', req.query) },
      { verb: 'GET', pattern: /^global\/images\/([^/]+)$/, method: 'images.get', images: true, run: ([project, name]) => this.getImage(project ?? '', name ?? '') },
    ];
  }

  // ---------------------------------------------------------------- instances

  private insert(zone: string, req: SandboxRequest): SandboxResponse {
    const now = this.now();
    const replay = this.replay(req.query);
    if (replay) return replay;
    const parsed = parseInsert(req.body, zone, this.project, { networks: this.networks, externalIpForbidden: this.externalIpForbidden });
    if (!parsed.ok) return parsed.error;
    const { spec, images } = parsed.value;
    if (this.live(zone, spec.name, now)) return alreadyExists(this.instancePath(zone, spec.name));
    const exceeded = this.quotaExceeded(spec, zone, undefined, now);
    if (exceeded?.as === 'http') return quotaHttpError(exceeded.metric, exceeded.region, exceeded.limit);
    const doneAt = now + this.timings.operationMs;
    if (exceeded) {
      const op = this.newDetachedOperation(zone, spec.name, 'insert', this.user, now, doneAt);
      op.failure = quotaFailure(exceeded.metric, exceeded.region, exceeded.limit);
      this.remember(req.query, op);
      return ok(this.operationView(op, now));
    }
    const rec = this.createRecord(spec, images, zone, now);
    const op = this.newOperation(rec, 'insert', this.user, now, doneAt);
    const stockout = this.stockoutFor(zone, spec);
    if (stockout) {
      // Compute creates the instance record and gives it up when no host can take it.
      rec.life = { kind: 'up', stagingAt: Infinity, runningAt: Infinity };
      rec.goneAt = doneAt;
      op.failure = stockoutFailure(this.project, zone, stockout.withDetails);
    }
    this.remember(req.query, op);
    return ok(this.operationView(op, now));
  }

  private createRecord(spec: InstanceSpec, images: (ImageSpec | undefined)[], zone: string, now: number): InstanceRecord {
    const region = regionOfZone(zone) ?? zone;
    const regionIndex = REGIONS.findIndex((r) => r.name === region);
    const rec: InstanceRecord = {
      id: randomId(),
      zone,
      region,
      createdAt: now,
      spec,
      labels: { ...spec.labels },
      metadata: spec.metadata.map((m) => ({ ...m })),
      disks: [],
      networkInterfaces: [],
      natIP: `34.${60 + regionIndex}.${Math.floor(this.ipCounter / 250)}.${(this.ipCounter % 250) + 2}`,
      proxyHex: randomHex(16),
      life: {
        kind: 'up',
        stagingAt: now + this.timings.provisioningMs,
        runningAt: now + this.timings.provisioningMs + this.timings.stagingMs,
      },
      guest: new Map(),
    };
    rec.disks = spec.disks.map((disk, i) => this.attachedDisk(rec, disk, images[i], i));
    rec.networkInterfaces = this.nics(rec, regionIndex);
    this.ipCounter++;
    this.records.set(rec.id, rec);
    return rec;
  }

  private attachedDisk(rec: InstanceRecord, disk: Json, image: ImageSpec | undefined, index: number): Json {
    const params = isRecord(disk.initializeParams) ? disk.initializeParams : {};
    const boot = disk.boot === true;
    const diskName = stringOf(params.diskName) ?? (boot ? rec.spec.name : `${rec.spec.name}-disk-${index}`);
    const sizeRaw = params.diskSizeGb;
    const size = typeof sizeRaw === 'string' || typeof sizeRaw === 'number' ? String(sizeRaw) : String(image?.diskSizeGb ?? 10);
    const out: Json = {
      kind: 'compute#attachedDisk',
      type: stringOf(disk.type) ?? 'PERSISTENT',
      mode: stringOf(disk.mode) ?? 'READ_WRITE',
      source: stringOf(disk.source) ?? computeLink(`projects/${this.project}/zones/${rec.zone}/disks/${diskName}`),
      deviceName: stringOf(disk.deviceName) ?? (boot ? rec.spec.name : `persistent-disk-${index}`),
      index,
      boot,
      autoDelete: disk.autoDelete === true,
      interface: stringOf(disk.interface) ?? 'SCSI',
      diskSizeGb: size,
      architecture: 'X86_64',
    };
    if (image) {
      out.licenses = [computeLink(`projects/${DLVM_PROJECT}/global/licenses/dlvm`)];
      out.guestOsFeatures = imageGuestOsFeatures();
    }
    return out;
  }

  private nics(rec: InstanceRecord, regionIndex: number): Json[] {
    const input = rec.spec.networkInterfaces.length > 0 ? rec.spec.networkInterfaces : [{}];
    return input.map((nic, i) => {
      const network = stringOf(nic.network) ?? 'global/networks/default';
      const subnetwork = stringOf(nic.subnetwork) ?? `regions/${rec.region}/subnetworks/default`;
      const out: Json = {
        kind: 'compute#networkInterface',
        network: this.absolute(network),
        subnetwork: this.absolute(subnetwork),
        networkIP: stringOf(nic.networkIP) ?? `10.${128 + regionIndex * 4}.0.${this.ipCounter + i}`,
        name: `nic${i}`,
        fingerprint: fingerprint({ nic: i, id: rec.id }),
        stackType: stringOf(nic.stackType) ?? 'IPV4_ONLY',
      };
      const accessConfigs = recordsOf(nic.accessConfigs).map((ac) => ({
        kind: 'compute#accessConfig',
        type: stringOf(ac.type) ?? 'ONE_TO_ONE_NAT',
        name: stringOf(ac.name) ?? 'External NAT',
        networkTier: stringOf(ac.networkTier) ?? 'PREMIUM',
      }));
      if (accessConfigs.length > 0) out.accessConfigs = accessConfigs;
      return out;
    });
  }

  /** Partial links (`global/networks/default`) become full URLs in the project, as Compute stores them. */
  private absolute(link: string): string {
    if (/^https?:\/\//.test(link)) return link;
    if (link.startsWith('projects/')) return computeLink(link);
    return computeLink(`projects/${this.project}/${link}`);
  }

  private getInstance(zone: string, name: string): SandboxResponse {
    const rec = this.live(zone, name, this.now());
    return rec ? ok(this.instanceView(rec, this.now())) : notFound(this.instancePath(zone, name));
  }

  private listInstances(zone: string, query: URLSearchParams): SandboxResponse {
    const now = this.now();
    const match = compileFilter(query.get('filter'));
    const items = this.zoneRecords(zone)
      .filter((r) => this.listed(r, now))
      .map((r) => this.instanceView(r, now))
      .filter((v) => match(v as unknown as Json));
    const { page, nextPageToken } = paginate(items, query);
    return ok(this.listBody('compute#instanceList', `projects/${this.project}/zones/${zone}/instances`, page, nextPageToken));
  }

  private aggregatedInstances(query: URLSearchParams): SandboxResponse {
    const now = this.now();
    const match = compileFilter(query.get('filter'));
    const entries = ZONES.flatMap((zone) =>
      this.zoneRecords(zone)
        .filter((r) => this.listed(r, now))
        .map((r) => ({ zone, item: this.instanceView(r, now) }))
        .filter((e) => match(e.item as unknown as Json)),
    );
    return this.aggregated('compute#instanceAggregatedList', 'instances', 'aggregated/instances', entries, query);
  }

  /** A zone-scoped mutation: looks the instance up, honours requestId, returns the operation. */
  private lifecycle(
    zone: string,
    name: string,
    req: SandboxRequest,
    act: (rec: InstanceRecord, now: number) => OperationRecord | SandboxResponse,
  ): SandboxResponse {
    const now = this.now();
    const replay = this.replay(req.query);
    if (replay) return replay;
    const rec = this.live(zone, name, now);
    if (!rec) return notFound(this.instancePath(zone, name));
    const result = act(rec, now);
    if (!('id' in result)) return result;
    this.remember(req.query, result);
    return ok(this.operationView(result, now));
  }

  private start(rec: InstanceRecord, now: number, user: string): OperationRecord | SandboxResponse {
    const status = statusOf(rec.life, now);
    if (status === 'STOPPING') return resourceNotReady(this.instancePath(rec.zone, rec.spec.name));
    if (status !== 'TERMINATED') return this.newOperation(rec, 'start', user, now, now);
    const doneAt = now + Math.max(this.timings.operationMs, this.timings.stagingMs);
    const exceeded = this.quotaExceeded(rec.spec, rec.zone, rec, now);
    if (exceeded?.as === 'http') return quotaHttpError(exceeded.metric, exceeded.region, exceeded.limit);
    if (exceeded) {
      const op = this.newOperation(rec, 'start', user, now, now + this.timings.operationMs);
      op.failure = quotaFailure(exceeded.metric, exceeded.region, exceeded.limit);
      return op;
    }
    const stockout = this.stockoutFor(rec.zone, rec.spec);
    if (stockout) {
      const op = this.newOperation(rec, 'start', user, now, now + this.timings.operationMs);
      op.failure = stockoutFailure(this.project, rec.zone, stockout.withDetails);
      return op;
    }
    if (rec.life.kind === 'down') rec.lastStopAt = rec.life.terminatedAt;
    rec.life = { kind: 'up', stagingAt: now, runningAt: now + this.timings.stagingMs };
    return this.newOperation(rec, 'start', user, now, doneAt);
  }

  private stop(rec: InstanceRecord, now: number, user: string): OperationRecord {
    if (rec.life.kind === 'down') {
      // Already stopping or stopped: the operation ends when the instance is TERMINATED.
      return this.newOperation(rec, 'stop', user, now, Math.max(now, rec.life.terminatedAt));
    }
    const doneAt = now + Math.max(this.timings.operationMs, this.timings.stoppingMs);
    this.bringDown(rec, now, now + this.timings.stoppingMs);
    return this.newOperation(rec, 'stop', user, now, doneAt);
  }

  private remove(rec: InstanceRecord, now: number, user: string): OperationRecord | SandboxResponse {
    if (rec.spec.deletionProtection) {
      return invalidResourceUsage("Resource cannot be deleted if it's protected against deletion.");
    }
    if (rec.goneAt !== undefined) return this.newOperation(rec, 'delete', user, now, Math.max(now, rec.goneAt));
    const up = rec.life.kind === 'up';
    const doneAt = now + Math.max(this.timings.operationMs, up ? this.timings.stoppingMs : 0);
    if (up) this.bringDown(rec, now, doneAt);
    rec.goneAt = doneAt;
    return this.newOperation(rec, 'delete', user, now, doneAt);
  }

  private bringDown(rec: InstanceRecord, now: number, terminatedAt: number): void {
    if (rec.life.kind === 'up' && now >= rec.life.runningAt) rec.lastStartAt = rec.life.runningAt;
    rec.life = { kind: 'down', stoppingAt: now, terminatedAt };
    // The guest's own attributes die with it; readiness must be earned again after a restart.
    rec.guest.clear();
  }

  private setMetadata(rec: InstanceRecord, now: number, body: unknown): OperationRecord | SandboxResponse {
    const current = metadataFingerprint(rec.metadata);
    const supplied = isRecord(body) ? stringOf(body.fingerprint) : undefined;
    if (supplied !== current) return conditionNotMet('Supplied fingerprint does not match current metadata fingerprint.');
    const items = checkMetadata(body, 'metadata');
    if (!items.ok) return items.error;
    rec.metadata = items.value;
    return this.newOperation(rec, 'setMetadata', this.user, now, now + this.timings.operationMs);
  }

  private setLabels(rec: InstanceRecord, now: number, body: unknown): OperationRecord | SandboxResponse {
    const current = labelFingerprint(rec.labels);
    const supplied = isRecord(body) ? stringOf(body.labelFingerprint) : undefined;
    if (supplied !== current) return conditionNotMet('Labels fingerprint either invalid or resource labels have changed');
    const labels = checkLabels(isRecord(body) ? body.labels : undefined, 'labels');
    if (!labels.ok) return labels.error;
    rec.labels = labels.value;
    return this.newOperation(rec, 'setLabels', this.user, now, now + this.timings.operationMs);
  }

  private guestAttributes(zone: string, name: string, query: URLSearchParams): SandboxResponse {
    const now = this.now();
    const rec = this.live(zone, name, now);
    const path = this.instancePath(zone, name);
    if (!rec) return notFound(path);
    if (!truthy(rec.metadata.find((m) => m.key === 'enable-guest-attributes')?.value)) {
      return computeHttpError(400, 'badRequest', `Guest attributes are not enabled for instance '${name}': set metadata 'enable-guest-attributes' to TRUE.`);
    }
    const attributes = this.currentGuestAttributes(rec, now);
    const base = { kind: 'compute#guestAttributes', selfLink: computeLink(`${path}/guestAttributes/`) };
    const variableKey = query.get('variableKey');
    if (variableKey) {
      const value = attributes.get(variableKey);
      if (value === undefined) return notFound(`${path}/guestAttributes/${variableKey}`);
      return ok({ ...base, selfLink: computeLink(`${path}/guestAttributes/${variableKey}`), variableKey, variableValue: value });
    }
    const queryPath = query.get('queryPath') ?? '';
    const items = [...attributes.entries()]
      .filter(([key]) => (queryPath.endsWith('/') || queryPath === '' ? key.startsWith(queryPath) : key === queryPath))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => {
        const slash = key.indexOf('/');
        return { namespace: key.slice(0, slash), key: key.slice(slash + 1), value };
      });
    if (items.length === 0) return notFound(`${path}/guestAttributes/${queryPath}`);
    return ok({ ...base, selfLink: computeLink(`${path}/guestAttributes/${queryPath}`), queryPath, queryValue: { items } });
  }

  private currentGuestAttributes(rec: InstanceRecord, now: number): Map<string, string> {
    const attributes = new Map(rec.life.kind === 'up' ? rec.guest : []);
    if (this.jupyterReady(rec, now)) attributes.set(JUPYTER_ATTRIBUTE, 'ready');
    return attributes;
  }

  private jupyterReady(rec: InstanceRecord, now: number): boolean {
    return rec.life.kind === 'up' && now >= rec.life.runningAt + this.timings.jupyterReadyMs;
  }

  // ---------------------------------------------------------------- operations

  private getOperation(zone: string, name: string): SandboxResponse {
    const op = this.findOperation(zone, name);
    return op ? ok(this.operationView(op, this.now())) : notFound(`projects/${this.project}/zones/${zone}/operations/${name}`);
  }

  /** Blocks until the operation is DONE or `waitMaxMs` passes (on either the sandbox or the real clock). */
  private async waitOperation(zone: string, name: string): Promise<SandboxResponse> {
    const op = this.findOperation(zone, name);
    if (!op) return notFound(`projects/${this.project}/zones/${zone}/operations/${name}`);
    const realStart = performance.now();
    const clockStart = this.now();
    for (;;) {
      const now = this.now();
      const left = Math.min(this.timings.waitMaxMs - (performance.now() - realStart), this.timings.waitMaxMs - (now - clockStart));
      if (now >= op.doneAt || left <= 0) {
        this.settle();
        return ok(this.operationView(op, now));
      }
      await sleep(Math.max(1, Math.min(20, left, op.doneAt - now)));
    }
  }

  private listOperations(zone: string, query: URLSearchParams): SandboxResponse {
    const now = this.now();
    const match = compileFilter(query.get('filter'));
    const items = this.ops
      .filter((o) => o.zone === zone)
      .map((o) => this.operationView(o, now))
      .filter((v) => match(v as unknown as Json));
    const { page, nextPageToken } = paginate(items, query);
    return ok(this.listBody('compute#operationList', `projects/${this.project}/zones/${zone}/operations`, page, nextPageToken));
  }

  private findOperation(zone: string, nameOrId: string): OperationRecord | undefined {
    // Compute accepts an operation's name or its numeric id.
    return this.ops.find((o) => o.zone === zone && (o.name === nameOrId || o.id === nameOrId));
  }

  private newOperation(rec: InstanceRecord, type: string, user: string, now: number, doneAt: number): OperationRecord {
    const op: OperationRecord = {
      id: randomId(),
      name: operationName(now),
      zone: rec.zone,
      operationType: type,
      targetLink: computeLink(this.instancePath(rec.zone, rec.spec.name)),
      targetId: rec.id,
      user,
      insertAt: now,
      doneAt,
    };
    this.ops.push(op);
    return op;
  }

  /** An operation on an instance that never came to exist (refused for quota). */
  private newDetachedOperation(zone: string, name: string, type: string, user: string, now: number, doneAt: number): OperationRecord {
    const op: OperationRecord = {
      id: randomId(),
      name: operationName(now),
      zone,
      operationType: type,
      targetLink: computeLink(this.instancePath(zone, name)),
      targetId: randomId(),
      user,
      insertAt: now,
      doneAt,
    };
    this.ops.push(op);
    return op;
  }

  /** The operation a repeated requestId already produced, or an error for a malformed requestId. */
  private replay(query: URLSearchParams): SandboxResponse | undefined {
    const requestId = query.get('requestId');
    if (requestId === null || requestId === '') return undefined;
    if (!UUID.test(requestId) || requestId === ZERO_UUID) {
      return invalidField(
        'requestId',
        requestId,
        'The request ID must be a valid UUID with the exception that zero UUID is not supported (00000000-0000-0000-0000-000000000000).',
      );
    }
    const op = this.requestIds.get(requestId.toLowerCase());
    return op ? ok(this.operationView(op, this.now())) : undefined;
  }

  private remember(query: URLSearchParams, op: OperationRecord): void {
    const requestId = query.get('requestId');
    if (requestId) this.requestIds.set(requestId.toLowerCase(), op);
  }

  // ---------------------------------------------------------------- faults

  private stockoutFor(zone: string, spec: InstanceSpec): { withDetails: boolean } | undefined {
    const rule = this.stockouts.get(zone);
    if (!rule) return undefined;
    if (rule.types === 'all') return rule;
    const types = rule.types;
    return spec.accelerators.some((a) => types.has(a.type)) ? rule : undefined;
  }

  private demands(spec: InstanceSpec, zone: string): Demand[] {
    const region = regionOfZone(zone) ?? zone;
    const spot = spec.scheduling.provisioningModel === 'SPOT';
    const family = spec.machine.family;
    const demands: Demand[] = [
      { metric: 'INSTANCES', region, amount: 1 },
      { metric: family === 'n1' ? 'CPUS' : `${family.toUpperCase()}_CPUS`, region, amount: spec.machine.guestCpus },
    ];
    let gpus = 0;
    for (const a of spec.accelerators) {
      const metric = ACCELERATORS[a.type]?.quotaMetric;
      if (!metric) continue;
      const preemptible = `PREEMPTIBLE_${metric}`;
      const useSpotQuota = spot && this.quotas.has(`${preemptible}@${region}`);
      demands.push({ metric: useSpotQuota ? preemptible : metric, region, amount: a.count });
      gpus += a.count;
    }
    if (gpus > 0) demands.push({ metric: 'GPUS_ALL_REGIONS', region: 'global', amount: gpus });
    return demands;
  }

  private quotaExceeded(spec: InstanceSpec, zone: string, self: InstanceRecord | undefined, now: number): QuotaRule | undefined {
    for (const demand of this.demands(spec, zone)) {
      const rule = this.quotas.get(`${demand.metric}@${demand.region}`);
      if (!rule) continue;
      let used = 0;
      for (const rec of this.records.values()) {
        if (rec === self || statusOf(rec.life, now) === 'TERMINATED') continue;
        for (const d of this.demands(rec.spec, rec.zone)) {
          if (d.metric === demand.metric && d.region === demand.region) used += d.amount;
        }
      }
      if (used + demand.amount > rule.limit) return rule;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- catalogue

  private acceleratorTypeView(zone: string, name: string): Json | undefined {
    const spec = ACCELERATORS[name];
    if (!spec || !(ZONE_ACCELERATORS[zone] ?? []).includes(name)) return undefined;
    return {
      kind: 'compute#acceleratorType',
      id: stableId(`accelerator/${zone}/${name}`),
      creationTimestamp: EPOCH_TIMESTAMP,
      name,
      description: spec.description,
      zone: computeLink(`projects/${this.project}/zones/${zone}`),
      maximumCardsPerInstance: spec.maximumCardsPerInstance,
      selfLink: computeLink(`projects/${this.project}/zones/${zone}/acceleratorTypes/${name}`),
    };
  }

  private zoneAcceleratorTypes(zone: string): Json[] {
    return (ZONE_ACCELERATORS[zone] ?? []).map((name) => this.acceleratorTypeView(zone, name)).filter(isRecord);
  }

  private listAcceleratorTypes(zone: string, query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const { page, nextPageToken } = paginate(this.zoneAcceleratorTypes(zone).filter(match), query);
    return ok(this.listBody('compute#acceleratorTypeList', `projects/${this.project}/zones/${zone}/acceleratorTypes`, page, nextPageToken));
  }

  private getAcceleratorType(zone: string, name: string): SandboxResponse {
    const view = this.acceleratorTypeView(zone, name);
    return view ? ok(view) : notFound(`projects/${this.project}/zones/${zone}/acceleratorTypes/${name}`);
  }

  private aggregatedAcceleratorTypes(query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const entries = ZONES.flatMap((zone) => this.zoneAcceleratorTypes(zone).filter(match).map((item) => ({ zone, item })));
    return this.aggregated('compute#acceleratorTypeAggregatedList', 'acceleratorTypes', 'aggregated/acceleratorTypes', entries, query);
  }

  private machineTypeView(zone: string, machine: MachineTypeSpec): Json {
    const view: Json = {
      kind: 'compute#machineType',
      id: stableId(`machine/${machine.name}`),
      creationTimestamp: EPOCH_TIMESTAMP,
      name: machine.name,
      description: machine.description,
      guestCpus: machine.guestCpus,
      memoryMb: machine.memoryMb,
      imageSpaceGb: 0,
      maximumPersistentDisks: 128,
      maximumPersistentDisksSizeGb: '263168',
      // Unlike most resources, a machine type names its zone rather than linking to it.
      zone,
      selfLink: computeLink(`projects/${this.project}/zones/${zone}/machineTypes/${machine.name}`),
      isSharedCpu: false,
      architecture: 'X86_64',
    };
    if (machine.accelerators.length > 0) {
      view.accelerators = machine.accelerators.map((a) => ({ guestAcceleratorType: a.type, guestAcceleratorCount: a.count }));
    }
    return view;
  }

  private listMachineTypes(zone: string, query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const items = zoneMachineTypes(zone)
      .map((m) => this.machineTypeView(zone, m))
      .filter(match);
    const { page, nextPageToken } = paginate(items, query);
    return ok(this.listBody('compute#machineTypeList', `projects/${this.project}/zones/${zone}/machineTypes`, page, nextPageToken));
  }

  private getMachineType(zone: string, name: string): SandboxResponse {
    const machine = findMachineType(zone, name);
    return machine ? ok(this.machineTypeView(zone, machine)) : notFound(`projects/${this.project}/zones/${zone}/machineTypes/${name}`);
  }

  private aggregatedMachineTypes(query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const entries = ZONES.flatMap((zone) =>
      zoneMachineTypes(zone)
        .map((m) => this.machineTypeView(zone, m))
        .filter(match)
        .map((item) => ({ zone, item })),
    );
    return this.aggregated('compute#machineTypeAggregatedList', 'machineTypes', 'aggregated/machineTypes', entries, query);
  }

  private zoneView(zone: string): Json {
    const region = regionOfZone(zone) ?? zone;
    return {
      kind: 'compute#zone',
      id: stableId(`zone/${zone}`),
      creationTimestamp: EPOCH_TIMESTAMP,
      name: zone,
      description: zone,
      status: 'UP',
      region: computeLink(`projects/${this.project}/regions/${region}`),
      selfLink: computeLink(`projects/${this.project}/zones/${zone}`),
      availableCpuPlatforms: ['Intel Broadwell', 'Intel Cascade Lake', 'Intel Ice Lake', 'Intel Sapphire Rapids', 'AMD Milan'],
      supportsPzs: false,
    };
  }

  private listZones(query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const { page, nextPageToken } = paginate(ZONES.map((z) => this.zoneView(z)).filter(match), query);
    return ok(this.listBody('compute#zoneList', `projects/${this.project}/zones`, page, nextPageToken));
  }

  private getZone(zone: string): SandboxResponse {
    return ZONES.includes(zone) ? ok(this.zoneView(zone)) : notFound(`projects/${this.project}/zones/${zone}`);
  }

  private regionView(name: string): Json | undefined {
    const region = REGIONS.find((r) => r.name === name);
    if (!region) return undefined;
    const quotas = this.quotaView(name);
    return {
      kind: 'compute#region',
      id: stableId(`region/${name}`),
      creationTimestamp: EPOCH_TIMESTAMP,
      name,
      description: region.description,
      status: 'UP',
      zones: region.zones.map((z) => computeLink(`projects/${this.project}/zones/${z}`)),
      quotas,
      selfLink: computeLink(`projects/${this.project}/regions/${name}`),
      supportsPzs: false,
    };
  }

  /**
   * Quotas as `regions.get` (or, for `global`, `projects.get`) lists them: what `quota()` set, and for
   * every other GPU metric the limit a set-up project has (project-defaults.ts). Only what `quota()` set
   * is enforced, so suites that make many boxes are not held to the listed defaults.
   */
  quotaView(region: string): { metric: string; limit: number; usage: number }[] {
    const now = this.now();
    const set = [...this.quotas.values()].filter((q) => q.region === region);
    const defaults = (region === 'global' ? GLOBAL_GPU_QUOTAS : REGIONAL_GPU_QUOTAS).filter((d) => !set.some((q) => q.metric === d.metric));
    return [...set, ...defaults].map((q) => ({ metric: q.metric, limit: q.limit, usage: this.usage(q.metric, region, now) }));
  }

  private usage(metric: string, region: string, now: number): number {
    let used = 0;
    for (const rec of this.records.values()) {
      if (statusOf(rec.life, now) === 'TERMINATED') continue;
      for (const d of this.demands(rec.spec, rec.zone)) if (d.metric === metric && d.region === region) used += d.amount;
    }
    return used;
  }

  private listRegions(query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const items = REGIONS.map((r) => this.regionView(r.name))
      .filter(isRecord)
      .filter(match);
    const { page, nextPageToken } = paginate(items, query);
    return ok(this.listBody('compute#regionList', `projects/${this.project}/regions`, page, nextPageToken));
  }

  private getRegion(region: string): SandboxResponse {
    const view = this.regionView(region);
    return view ? ok(view) : notFound(`projects/${this.project}/regions/${region}`);
  }

  private imageView(image: ImageSpec): Json {
    return {
      kind: 'compute#image',
      id: stableId(`image/${image.name}`),
      creationTimestamp: computeTimestamp(Date.parse(`${image.built}T09:00:00Z`)),
      name: image.name,
      description: image.description,
      sourceType: 'RAW',
      status: 'READY',
      archiveSizeBytes: String(image.diskSizeGb * 260_000_000),
      diskSizeGb: String(image.diskSizeGb),
      licenses: [computeLink(`projects/${DLVM_PROJECT}/global/licenses/dlvm`)],
      family: image.family,
      selfLink: computeLink(`projects/${DLVM_PROJECT}/global/images/${image.name}`),
      labelFingerprint: EMPTY_LABEL_FINGERPRINT,
      guestOsFeatures: imageGuestOsFeatures(),
      storageLocations: ['eu', 'asia', 'us'],
      architecture: 'X86_64',
      enableConfidentialCompute: false,
      satisfiesPzi: false,
    };
  }

  private imageFromFamily(project: string, family: string): SandboxResponse {
    const image = project === DLVM_PROJECT ? imageFromFamily(family) : undefined;
    return image ? ok(this.imageView(image)) : notFound(`projects/${project}/global/images/family/${family}`);
  }

  private getImage(project: string, name: string): SandboxResponse {
    const image = project === DLVM_PROJECT ? DLVM_IMAGES.find((i) => i.name === name) : undefined;
    return image ? ok(this.imageView(image)) : notFound(`projects/${project}/global/images/${name}`);
  }

  private listImages(project: string, query: URLSearchParams): SandboxResponse {
    const match = compileFilter(query.get('filter'));
    const images = project === DLVM_PROJECT ? DLVM_IMAGES.map((i) => this.imageView(i)) : [];
    const { page, nextPageToken } = paginate(images.filter(match), query);
    return ok(this.listBody('compute#imageList', `projects/${project}/global/images`, page, nextPageToken));
  }

  // ---------------------------------------------------------------- views and helpers

  private listBody(kind: string, path: string, items: readonly unknown[], nextPageToken: string | undefined): Json {
    const body: Json = { kind, id: path, selfLink: computeLink(path) };
    // Compute leaves `items` out of an empty list.
    if (items.length > 0) body.items = items;
    if (nextPageToken) body.nextPageToken = nextPageToken;
    return body;
  }

  /**
   * An aggregated list: every zone appears as a `zones/Z` key on every page; a zone with nothing on
   * the page carries the NO_RESULTS_ON_PAGE warning, as Compute writes it.
   */
  private aggregated(kind: string, field: string, path: string, entries: { zone: string; item: unknown }[], query: URLSearchParams): SandboxResponse {
    const partial = query.get('returnPartialSuccess') === 'true';
    if (!partial && this.unreachableZones.size > 0) {
      const zones = [...this.unreachableZones].sort().join(', ');
      return computeHttpError(503, 'backendError', `Some zones could not be reached (${zones}); set returnPartialSuccess to get the rest.`);
    }
    const reachable = entries.filter((e) => !this.unreachableZones.has(e.zone));
    const { page, nextPageToken } = paginate(reachable, query);
    const items: Json = {};
    for (const zone of ZONES) {
      const scope = `zones/${zone}`;
      if (this.unreachableZones.has(zone)) {
        // The zone's VMs are absent from the page, not deleted (REFERENCE.md "Compute listings").
        items[scope] = {
          warning: { code: 'UNREACHABLE', message: `Scope '${scope}' is unreachable.`, data: [{ key: 'scope', value: scope }] },
        };
        continue;
      }
      const zoneItems = page.filter((e) => e.zone === zone).map((e) => e.item);
      items[scope] =
        zoneItems.length > 0
          ? { [field]: zoneItems }
          : {
              warning: {
                code: 'NO_RESULTS_ON_PAGE',
                message: `There are no results for scope '${scope}' on this page.`,
                data: [{ key: 'scope', value: scope }],
              },
            };
    }
    const fullPath = `projects/${this.project}/${path}`;
    const body: Json = { kind, id: fullPath, items, selfLink: computeLink(fullPath) };
    if (nextPageToken) body.nextPageToken = nextPageToken;
    if (this.unreachableZones.size > 0) body.unreachables = [...this.unreachableZones].sort().map((z) => `zones/${z}`);
    return ok(body);
  }

  private instanceView(rec: InstanceRecord, now: number): ComputeInstance {
    const status = statusOf(rec.life, now);
    const { spec } = rec;
    const zoneLink = computeLink(`projects/${this.project}/zones/${rec.zone}`);
    const up = status !== 'TERMINATED';
    const view: ComputeInstance = {
      kind: 'compute#instance',
      id: rec.id,
      creationTimestamp: computeTimestamp(rec.createdAt),
      name: spec.name,
      tags: spec.tags.length > 0 ? { items: [...spec.tags], fingerprint: fingerprint(spec.tags) } : { fingerprint: fingerprint([]) },
      machineType: computeLink(`projects/${this.project}/zones/${rec.zone}/machineTypes/${spec.machine.name}`),
      status,
      zone: zoneLink,
      canIpForward: spec.canIpForward,
      networkInterfaces: rec.networkInterfaces.map((nic) => {
        if (!up || !Array.isArray(nic.accessConfigs)) return { ...nic };
        // An ephemeral external address exists only while the instance is up.
        return { ...nic, accessConfigs: recordsOf(nic.accessConfigs).map((ac) => ({ ...ac, natIP: rec.natIP })) };
      }),
      disks: rec.disks.map((d) => ({ ...d })),
      metadata: { kind: 'compute#metadata', fingerprint: metadataFingerprint(rec.metadata) },
      selfLink: computeLink(this.instancePath(rec.zone, spec.name)),
      scheduling: { ...spec.scheduling },
      cpuPlatform: status === 'RUNNING' ? spec.machine.cpuPlatform : 'Unknown CPU Platform',
      labelFingerprint: labelFingerprint(rec.labels),
      startRestricted: false,
      deletionProtection: spec.deletionProtection,
      fingerprint: fingerprint({ id: rec.id, status, labels: rec.labels, metadata: rec.metadata }),
      satisfiesPzi: false,
    };
    if (rec.metadata.length > 0) view.metadata.items = rec.metadata.map((m) => ({ ...m }));
    if (spec.description !== undefined) view.description = spec.description;
    if (Object.keys(rec.labels).length > 0) view.labels = { ...rec.labels };
    if (spec.accelerators.length > 0) {
      view.guestAccelerators = spec.accelerators.map((a) => ({
        acceleratorType: computeLink(`projects/${this.project}/zones/${rec.zone}/acceleratorTypes/${a.type}`),
        acceleratorCount: a.count,
      }));
    }
    if (spec.serviceAccounts) view.serviceAccounts = spec.serviceAccounts.map((s) => ({ ...s }));
    if (spec.shieldedInstanceConfig) view.shieldedInstanceConfig = { ...spec.shieldedInstanceConfig };
    if (spec.minCpuPlatform !== undefined) view.minCpuPlatform = spec.minCpuPlatform;
    const lastStart = rec.life.kind === 'up' && now >= rec.life.runningAt ? rec.life.runningAt : rec.lastStartAt;
    const lastStop = rec.life.kind === 'down' && now >= rec.life.terminatedAt ? rec.life.terminatedAt : rec.lastStopAt;
    if (lastStart !== undefined) view.lastStartTimestamp = computeTimestamp(lastStart);
    if (lastStop !== undefined) view.lastStopTimestamp = computeTimestamp(lastStop);
    return view;
  }

  private operationView(op: OperationRecord, now: number): ComputeOperation {
    const done = now >= op.doneAt;
    const view: ComputeOperation = {
      kind: 'compute#operation',
      id: op.id,
      name: op.name,
      zone: computeLink(`projects/${this.project}/zones/${op.zone}`),
      operationType: op.operationType,
      targetLink: op.targetLink,
      targetId: op.targetId,
      status: done ? 'DONE' : 'RUNNING',
      user: op.user,
      progress: done ? 100 : 0,
      insertTime: computeTimestamp(op.insertAt),
      startTime: computeTimestamp(op.insertAt),
      selfLink: computeLink(`projects/${this.project}/zones/${op.zone}/operations/${op.name}`),
    };
    if (op.statusMessage !== undefined) view.statusMessage = op.statusMessage;
    if (done) {
      view.endTime = computeTimestamp(op.doneAt);
      if (op.failure) {
        view.error = { errors: op.failure.errors.map((e) => ({ ...e })) };
        view.httpErrorStatusCode = op.failure.httpErrorStatusCode;
        view.httpErrorMessage = op.failure.httpErrorMessage;
      }
    }
    return view;
  }

  /**
   * Brings stored state up to the clock: drops instances whose end has come and lets the inverting
   * proxy agent write `proxy-url` once Jupyter is up. Everything else is derived on read.
   */
  private settle(): number {
    const now = this.now();
    for (const [id, rec] of this.records) {
      if (rec.goneAt !== undefined && now >= rec.goneAt) {
        this.records.delete(id);
        continue;
      }
      // A VM with a maximum run (Flex-start) is stopped or deleted by Compute when it has run that long
      // since it last started (gcloud's --max-run-duration help: the termination timestamp is reset on
      // every start).
      const maxRun = rec.spec.scheduling.maxRunDuration;
      if (maxRun !== undefined && rec.life.kind === 'up') {
        const endsAt = rec.life.runningAt + Number(maxRun.seconds) * 1000;
        if (now >= endsAt) {
          this.bringDown(rec, endsAt, endsAt + this.timings.stoppingMs);
          if (rec.spec.scheduling.instanceTerminationAction === 'DELETE') rec.goneAt = endsAt + this.timings.stoppingMs;
        }
      }
      const proxyMode = rec.metadata.find((m) => m.key === 'proxy-mode')?.value;
      const mail = rec.metadata.find((m) => m.key === 'proxy-user-mail')?.value ?? '';
      const wantsProxy = proxyMode !== undefined && proxyMode.trim() !== '' && proxyMode !== 'none' && (proxyMode !== 'mail' || mail.trim() !== '');
      if (wantsProxy && this.jupyterReady(rec, now) && !rec.metadata.some((m) => m.key === 'proxy-url')) {
        rec.metadata.push({ key: 'proxy-url', value: `https://${rec.proxyHex}-dot-${rec.region}.notebooks.googleusercontent.com/` });
      }
    }
    return now;
  }

  /** Whether lists show the instance yet (see `listingLag`). */
  private listed(rec: InstanceRecord, now: number): boolean {
    return now - rec.createdAt >= this.listLagMs;
  }

  private live(zone: string, name: string, now: number): InstanceRecord | undefined {
    for (const rec of this.records.values()) {
      if (rec.zone === zone && rec.spec.name === name && (rec.goneAt === undefined || now < rec.goneAt)) return rec;
    }
    return undefined;
  }

  private zoneRecords(zone: string): InstanceRecord[] {
    return [...this.records.values()].filter((r) => r.zone === zone).sort((a, b) => a.spec.name.localeCompare(b.spec.name));
  }

  private findByName(name: string, zone?: string): InstanceRecord {
    const found = [...this.records.values()].filter((r) => r.spec.name === name && (zone === undefined || r.zone === zone));
    const rec = found[0];
    if (!rec) throw new Error(`no instance ${name}${zone ? ` in ${zone}` : ''}`);
    if (found.length > 1) throw new Error(`${name} exists in several zones; name the zone`);
    return rec;
  }

  private requireZone(zone: string): void {
    if (!ZONES.includes(zone)) throw new Error(`unknown zone ${zone}; the sandbox has ${ZONES.join(', ')}`);
  }

  private instancePath(zone: string, name: string): string {
    return `projects/${this.project}/zones/${zone}/instances/${name}`;
  }
}

function imageGuestOsFeatures(): Json[] {
  return [{ type: 'VIRTIO_SCSI_MULTIQUEUE' }, { type: 'UEFI_COMPATIBLE' }, { type: 'GVNIC' }, { type: 'SEV_CAPABLE' }];
}

function metadataFingerprint(items: readonly MetadataItem[]): string {
  return fingerprint(items.map((i) => [i.key, i.value]));
}

function labelFingerprint(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? EMPTY_LABEL_FINGERPRINT : fingerprint(entries);
}
