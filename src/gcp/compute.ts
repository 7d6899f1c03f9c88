/**
 * The Compute Engine adapter: the only place that knows the Compute API, its resource names, its
 * operations and its error shapes.
 *
 * Calls go through `@google-cloud/compute`, Google's client for Compute, over its REST transport
 * (`fallback: true`: HTTP/1.1 and JSON, which a loopback stand-in can serve; its default is gRPC). The
 * library parses an 11.7 MB protobuf description when its first client is built (1.2-1.9 s of blocked
 * CPU here, measured by building an InstancesClient in a fresh process), so it is loaded on the first
 * call, which the worker makes after /healthz answers; listeners never call Compute.
 */
import type { protos, InstancesClient, ZoneOperationsClient, AcceleratorTypesClient } from '@google-cloud/compute';
import type { AuthClient } from 'google-auth-library';
import { DEFAULT_REST_POLICY, TimedAuthClient, isTimedOut, lazily, withRetries, type CallBehaviour, type RestPolicy } from './call-policy.js';
import { epochMs } from './timestamps.js';
import type { InstancePlan } from '../domain/instance-plan.js';
import { BOX_SCOPES } from '../domain/deploy-requirements.js';
import type {
  Clock,
  CloudResult,
  ComputePort,
  InstanceListing,
  InstanceStatus,
  IssuedOperation,
  ObservedInstance,
  OperationRef,
  OperationState,
} from '../app/ports.js';
import { classifyOperationError, classifyThrown, googleMessage, httpStatusOf } from './google-errors.js';

type IInstance = protos.google.cloud.compute.v1.IInstance;
type IOperation = protos.google.cloud.compute.v1.IOperation;

/**
 * Compute's mutating calls carry a requestId ("if you must retry your request, the server will know to
 * ignore the request if it has already been completed", the requestId parameter on each method's
 * reference page, cloud.google.com/compute/docs/reference/rest/v1/instances/insert): a call that timed
 * out can be sent again. Reads can always be sent again.
 */
const AGAIN: CallBehaviour = { idempotent: true };

/**
 * Per-call options for the generated methods: no retries of google-gax's own (this adapter retries,
 * by the policy, and only what is safe to repeat); the gax `timeout` is a gRPC deadline, which the REST
 * transport does not enforce, so the auth client (TimedAuthClient) bounds each attempt instead.
 */
const NO_GAX_RETRY = { retry: null } as const;
/** The async iterators page by themselves; gax warns once per process unless told so. */
const ITERATE = { ...NO_GAX_RETRY, autoPaginate: false } as const;

// gRPC status codes google-gax gives HTTP answers (its HttpCodeToRpcCodeMap: 503 UNAVAILABLE, 504
// DEADLINE_EXCEEDED, other 5xx INTERNAL or UNKNOWN, 429 RESOURCE_EXHAUSTED).
const UNKNOWN = 2;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const INTERNAL = 13;
const UNAVAILABLE = 14;

/** An answer worth asking again for: a timeout, no answer at all, 408, 5xx, or 429 that is not a quota. */
function worthRetrying(error: unknown): boolean {
  if (isTimedOut(error)) return true;
  const e = error as { code?: unknown; response?: unknown } | null;
  if (e === null || typeof e !== 'object') return false;
  const quota = /quota/i.test(googleMessage(error));
  const status = httpStatusOf(error);
  if (status !== null) return status === 408 || (status === 429 && !quota) || status >= 500;
  // A GoogleError that google-gax decoded itself carries a gRPC code instead.
  if (typeof e.code === 'number') return e.code === RESOURCE_EXHAUSTED ? !quota : [UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE].includes(e.code);
  return e.response === undefined; // a refused or reset connection: no answer at all
}

export interface ComputeAdapterOptions {
  project: string;
  /** Application Default Credentials for Google; a fixed-token client for local stand-ins. */
  authClient: AuthClient;
  /** A root URL such as http://127.0.0.1:8089 replaces Google's (GCP_ENDPOINT). */
  endpoint: string | null;
  clock: Clock;
  /** How long the list of zones offering each GPU is trusted. */
  catalogTtlMs?: number;
  /** Timeout and retries of each call; DEFAULT_REST_POLICY unless given. */
  rest?: Partial<RestPolicy>;
}

interface ComputeClients {
  instances: InstancesClient;
  operations: ZoneOperationsClient;
  acceleratorTypes: AcceleratorTypesClient;
}

export class ComputeAdapter implements ComputePort {
  private readonly policy: Readonly<RestPolicy>;
  private readonly load: () => Promise<ComputeClients>;
  private built: ComputeClients | null = null;
  private readonly offering = new Map<string, { at: number; zones: string[] }>();
  /** Google API calls made, by method (all projects' together): the benchmarks read it. */
  readonly callCounts: Map<string, number>;
  /** The adapters of other projects made from this one (forProject), by project. */
  private readonly others = new Map<string, ComputeAdapter>();

  /** `sharing`: the adapter whose clients, auth and policy this one uses (forProject); none: its own. */
  constructor(
    private readonly options: ComputeAdapterOptions,
    sharing?: ComputeAdapter,
  ) {
    this.policy = sharing?.policy ?? { ...DEFAULT_REST_POLICY, ...options.rest };
    this.callCounts = sharing?.callCounts ?? new Map<string, number>();
    // Built on the first call, never by the constructor: start-up and listeners do not pay for them.
    const policy = this.policy;
    this.load = sharing?.load ?? lazily(async () => (this.built = await buildClients(options, policy)));
  }

  /**
   * The adapter for another project (a team's, domain/team.ts): the same clients, auth client and
   * endpoint, since every Compute method names its project in the request; made on first use and kept.
   */
  forProject(project: string): ComputeAdapter {
    if (project === this.options.project) return this;
    let other = this.others.get(project);
    if (other === undefined) {
      other = new ComputeAdapter({ ...this.options, project }, this);
      this.others.set(project, other);
    }
    return other;
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  /** One call by the policy: retried when it is safe to repeat and the answer says it may help. */
  private call<T>(behaviour: CallBehaviour, run: (clients: ComputeClients) => Promise<T>): Promise<T> {
    return withRetries(this.policy, behaviour, worthRetrying, async () => run(await this.load()));
  }

  /** The same Instances client, policy and retries, for the box agent's adapter (gcp/box-agent.ts). */
  withInstances<T>(behaviour: CallBehaviour, run: (instances: InstancesClient) => Promise<T>): Promise<T> {
    return this.call(behaviour, ({ instances }) => run(instances));
  }

  async listManagedInstances(): Promise<InstanceListing> {
    return this.call(AGAIN, async ({ instances }) => {
      const found: ObservedInstance[] = [];
      const unreachableZones = new Set<string>();
      this.count('instances.aggregatedList');
      // Counted once per listing: the iterator asks for further pages (maxResults each) itself.
      const scopes = instances.aggregatedListAsync(
        { project: this.options.project, filter: 'labels.managed-by = "gpubot"', returnPartialSuccess: true, maxResults: 500 },
        ITERATE,
      );
      for await (const [scope, scoped] of scopes) {
        // A partial listing says which zones it could not read on the zone's own scope (warning
        // UNREACHABLE, cloud.google.com/compute/docs/reference/rest/v1/instances/aggregatedList); their
        // VMs are missing from the page, not deleted.
        if (scoped.warning?.code === 'UNREACHABLE') unreachableZones.add(zoneOfScope(scope));
        for (const instance of scoped.instances ?? []) found.push(observe(instance));
      }
      return { instances: found, unreachableZones };
    });
  }

  async getInstance(zone: string, name: string): Promise<CloudResult<ObservedInstance | null>> {
    this.count('instances.get');
    try {
      const [instance] = await this.call(AGAIN, ({ instances }) => instances.get({ project: this.options.project, zone, instance: name }, NO_GAX_RETRY));
      return { ok: true, value: observe(instance) };
    } catch (error) {
      const failure = classifyThrown(error);
      return failure.kind === 'not-found' ? { ok: true, value: null } : { ok: false, failure };
    }
  }

  async insertInstance(plan: InstancePlan, requestId: string): Promise<CloudResult<IssuedOperation>> {
    this.count('instances.insert');
    return this.operation(plan.zone, async ({ instances }) => {
      const [lro] = await instances.insert(
        { project: this.options.project, zone: plan.zone, requestId, instanceResource: instanceResource(plan, this.options.project) },
        NO_GAX_RETRY,
      );
      return lro.latestResponse;
    });
  }

  async startInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>> {
    this.count('instances.start');
    return this.operation(zone, async ({ instances }) => (await instances.start({ project: this.options.project, zone, instance: name, requestId }, NO_GAX_RETRY))[0].latestResponse);
  }

  async stopInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>> {
    this.count('instances.stop');
    return this.operation(zone, async ({ instances }) => (await instances.stop({ project: this.options.project, zone, instance: name, requestId }, NO_GAX_RETRY))[0].latestResponse);
  }

  async deleteInstance(zone: string, name: string, requestId: string): Promise<CloudResult<IssuedOperation>> {
    this.count('instances.delete');
    return this.operation(zone, async ({ instances }) => (await instances.delete({ project: this.options.project, zone, instance: name, requestId }, NO_GAX_RETRY))[0].latestResponse);
  }

  async getOperation(ref: OperationRef): Promise<CloudResult<OperationState>> {
    this.count('zoneOperations.get');
    try {
      const [op] = await this.call(AGAIN, ({ operations }) => operations.get({ project: this.options.project, zone: ref.zone, operation: ref.name }, NO_GAX_RETRY));
      return { ok: true, value: operationState(op) };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  async zonesOffering(region: string, acceleratorType: string): Promise<CloudResult<string[]>> {
    const now = this.options.clock.now();
    const inRegion = (zones: readonly string[]) => zones.filter((z) => z.startsWith(`${region}-`));
    const cached = this.offering.get(acceleratorType);
    if (cached !== undefined && now - cached.at <= (this.options.catalogTtlMs ?? 3600_000)) return { ok: true, value: inRegion(cached.zones) };
    let listed: { found: string[]; unreachable: string[] };
    try {
      listed = await this.call(AGAIN, async ({ acceleratorTypes }) => {
        const found: string[] = [];
        const unreachable: string[] = [];
        this.count('acceleratorTypes.aggregatedList');
        // With partial success one unreachable zone does not fail the whole listing (without it
        // Compute answers 503 for all of them); the zone's scope then says UNREACHABLE
        // (cloud.google.com/compute/docs/reference/rest/v1/acceleratorTypes/aggregatedList).
        const scopes = acceleratorTypes.aggregatedListAsync({ project: this.options.project, filter: `name = "${acceleratorType}"`, returnPartialSuccess: true }, ITERATE);
        for await (const [key, scoped] of scopes) {
          if (scoped.warning?.code === 'UNREACHABLE') unreachable.push(zoneOfScope(key));
          if ((scoped.acceleratorTypes ?? []).some((a) => a.name === acceleratorType)) found.push(zoneOfScope(key));
        }
        return { found: found.sort(), unreachable };
      });
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
    if (listed.unreachable.length === 0) {
      this.offering.set(acceleratorType, { at: now, zones: listed.found });
      return { ok: true, value: inRegion(listed.found) };
    }
    // An incomplete answer is never cached. For the zones it could not read, the last full answer
    // stands in, however old (a GPU offer changes rarely); without one, a zone of this region left out
    // would read as "does not offer it" and fail a box pinned there, so the caller tries again later.
    const missing = inRegion(listed.unreachable);
    if (missing.length === 0) return { ok: true, value: inRegion(listed.found) };
    if (cached === undefined) {
      return { ok: false, failure: { kind: 'transient', message: `Compute could not list the GPUs of ${missing.join(', ')} just now.` } };
    }
    return { ok: true, value: inRegion([...listed.found, ...cached.zones.filter((z) => missing.includes(z))]).sort() };
  }

  async wasPreempted(zone: string, name: string, sinceMs: number): Promise<CloudResult<boolean>> {
    this.count('zoneOperations.list');
    try {
      // One page: preemptions of this zone are few, and the newest is the one that matters.
      const [ops] = await this.call(AGAIN, ({ operations }) =>
        operations.list({ project: this.options.project, zone, filter: 'operationType = "compute.instances.preempted"' }, { ...NO_GAX_RETRY, autoPaginate: false }),
      );
      const hit = ops.some((op) => (op.targetLink ?? '').endsWith(`/instances/${name}`) && Date.parse(op.insertTime ?? '') >= sinceMs - 60_000);
      return { ok: true, value: hit };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  /** Builds the clients now, rather than on the first call: the worker does so before its first tick. */
  async loadClients(): Promise<void> {
    await this.load();
  }

  /** Closes the clients' connections, if they were ever built. */
  async close(): Promise<void> {
    const clients = this.built;
    if (clients) await Promise.all([clients.instances.close(), clients.operations.close(), clients.acceleratorTypes.close()]);
  }

  private async operation(zone: string, send: (clients: ComputeClients) => Promise<unknown>): Promise<CloudResult<IssuedOperation>> {
    try {
      const data = await this.call(AGAIN, send);
      if (!isOperation(data)) return { ok: false, failure: { kind: 'other', message: 'Compute returned an operation without a name' } };
      // Some failures (quota) come back as an operation that is already DONE with an error.
      const state = operationState(data);
      if (state.done && state.failure !== null) return { ok: false, failure: state.failure };
      return { ok: true, value: { name: data.name, zone, insertedAt: epochMs(data.insertTime) } };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }
}

/**
 * Options for any `@google-cloud/compute` client: the REST transport (`fallback: true`), an auth client
 * that bounds each request, and the endpoint (GCP_ENDPOINT) as the client's `apiEndpoint`, `port` and
 * `protocol`, the client options google-gax documents for a non-default service address.
 */
export function computeClientOptions(project: string, authClient: AuthClient, endpoint: string | null, policy: Readonly<RestPolicy> = DEFAULT_REST_POLICY) {
  let address = {};
  if (endpoint !== null) {
    const url = new URL(endpoint);
    const protocol = url.protocol.replace(/:$/, '');
    address = { apiEndpoint: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
  }
  return { fallback: true, authClient: new TimedAuthClient(authClient, policy.timeoutMs), projectId: project, ...address };
}

/**
 * Builds the three clients, each module imported for its own service only (the package's index loads
 * all of Compute's). One step at a time with a turn of the event loop between them: reading the
 * protobuf description (about 0.5 s here) and building the first client from it (about 1.3 s) each
 * block the process, and requests that came in meanwhile (acks) are served between the steps rather
 * than after all of them.
 */
async function buildClients(options: ComputeAdapterOptions, policy: Readonly<RestPolicy>): Promise<ComputeClients> {
  const clientOptions = computeClientOptions(options.project, options.authClient, options.endpoint, policy);
  const { InstancesClient } = await import('@google-cloud/compute/build/src/v1/instances_client.js');
  await nextTurn();
  const instances = new InstancesClient(clientOptions);
  await nextTurn();
  const { ZoneOperationsClient } = await import('@google-cloud/compute/build/src/v1/zone_operations_client.js');
  const operations = new ZoneOperationsClient(clientOptions);
  await nextTurn();
  const { AcceleratorTypesClient } = await import('@google-cloud/compute/build/src/v1/accelerator_types_client.js');
  return { instances, operations, acceleratorTypes: new AcceleratorTypesClient(clientOptions) };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What an insert, start, stop or delete answers (the LRO wrapper's `latestResponse`): Compute's Operation. */
function isOperation(value: unknown): value is IOperation & { name: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

/** `zones/us-central1-a` -> `us-central1-a`. */
function zoneOfScope(scope: string): string {
  return scope.replace(/^zones\//, '');
}

function lastSegment(url: string | null | undefined): string {
  return (url ?? '').split('/').pop() ?? '';
}

function observe(instance: IInstance): ObservedInstance {
  const labels = instance.labels ?? {};
  const metadata = instance.metadata?.items ?? [];
  const proxy = metadata.find((m) => m.key === 'proxy-url')?.value ?? null;
  return {
    id: String(instance.id ?? ''),
    name: instance.name ?? '',
    zone: lastSegment(instance.zone),
    status: (instance.status ?? 'PROVISIONING') as InstanceStatus,
    boxId: labels['gpubot-id'] ?? null,
    ownerLabel: labels['gpubot-owner'] ?? null,
    spot: instance.scheduling?.provisioningModel === 'SPOT',
    proxyUrl: proxy === null || proxy === '' ? null : proxy.startsWith('http') ? proxy : `https://${proxy}`,
    machineType: lastSegment(instance.machineType),
    lastStartedAt: epochMs(instance.lastStartTimestamp),
    lastStoppedAt: epochMs(instance.lastStopTimestamp),
  };
}

function operationState(op: IOperation): OperationState {
  const done = op.status === 'DONE';
  const first = op.error?.errors?.[0];
  return { done, failure: done && first !== undefined ? classifyOperationError(first.code, first.message) : null, endedAt: done ? epochMs(op.endTime) : null };
}

/** A network as configured: a name in this project, or a path (Shared VPC: `projects/HOST/global/networks/NAME`, or a full URL). */
export function networkLink(network: string): string {
  return network.includes('/') ? network : `global/networks/${network}`;
}

/**
 * A subnetwork as configured: a name (in the box's region of this project) or a path. Compute takes
 * a full or partial URL here, never a bare name (Instance.networkInterfaces[].subnetwork, REST reference).
 */
export function subnetworkLink(subnetwork: string, region: string): string {
  return subnetwork.includes('/') ? subnetwork : `regions/${region}/subnetworks/${subnetwork}`;
}

/**
 * The scheduling block per provisioning model. GPU VMs cannot live-migrate, so every model says
 * TERMINATE. Spot and Flex-start stop (not delete) at their end, so the disk survives and Start
 * brings the box back. Flex-start's fields are those of the REST sample on
 * cloud.google.com/compute/docs/instances/create-flex-start-vm.
 */
function scheduling(plan: InstancePlan): protos.google.cloud.compute.v1.IScheduling {
  switch (plan.provisioning) {
    case 'spot':
      return { onHostMaintenance: 'TERMINATE', automaticRestart: false, provisioningModel: 'SPOT', instanceTerminationAction: 'STOP' };
    case 'flex-start':
      return {
        onHostMaintenance: 'TERMINATE',
        automaticRestart: false,
        provisioningModel: 'FLEX_START',
        instanceTerminationAction: 'STOP',
        maxRunDuration: { seconds: String(plan.maxRunSeconds ?? 0) },
      };
    case 'standard':
      return { onHostMaintenance: 'TERMINATE', automaticRestart: true, provisioningModel: 'STANDARD' };
  }
}

/** The `instances.insert` body for a plan: the one place the bot's box becomes Compute's wire shape. */
export function instanceResource(plan: InstancePlan, project: string): IInstance {
  const zone = plan.zone;
  const region = zone.replace(/-[a-z]$/, '');
  return {
    name: plan.name,
    machineType: `zones/${zone}/machineTypes/${plan.machineType}`,
    // Only N1 takes GPUs this way; A2, A3 and G2 come with theirs and Compute refuses the field there.
    ...(plan.accelerators.length > 0
      ? {
          guestAccelerators: plan.accelerators.map((a) => ({
            acceleratorType: `projects/${project}/zones/${zone}/acceleratorTypes/${a.type}`,
            acceleratorCount: a.count,
          })),
        }
      : {}),
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: `projects/${plan.bootDisk.imageProject}/global/images/family/${plan.bootDisk.imageFamily}`,
          diskSizeGb: String(plan.bootDisk.sizeGb),
          diskType: `zones/${zone}/diskTypes/${plan.bootDisk.type}`,
        },
      },
    ],
    networkInterfaces: [
      {
        network: networkLink(plan.network),
        ...(plan.subnetwork !== null ? { subnetwork: subnetworkLink(plan.subnetwork, region) } : {}),
        ...(plan.gvnic ? { nicType: 'GVNIC' } : {}),
        // Outbound access for the driver, the Ops Agent and pip: an ephemeral external IP, or, where an
        // organization policy forbids those, Cloud NAT on the subnetwork (README). No firewall rule opens
        // Jupyter, which is reached only through the inverting proxy or an IAP tunnel.
        ...(plan.externalIp ? { accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] } : {}),
      },
    ],
    labels: plan.labels,
    metadata: { items: Object.entries(plan.metadata).map(([key, value]) => ({ key, value })) },
    scheduling: scheduling(plan),
    // Flex-start draws from its own pool, never from a reservation (create-flex-start-vm, REST).
    ...(plan.provisioning === 'flex-start' ? { reservationAffinity: { consumeReservationType: 'NO_RESERVATION' } } : {}),
    serviceAccounts: [{ email: plan.serviceAccount ?? 'default', scopes: [...BOX_SCOPES] }],
  };
}
