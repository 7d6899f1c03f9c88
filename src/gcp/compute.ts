/**
 * The Compute Engine adapter: the only place that knows the Compute REST API, its resource URLs, its
 * operations and its error shapes.
 *
 * It speaks Compute's REST JSON through googleapis' request core (google-rest.ts) rather than
 * `@google-cloud/compute`, which parses an 11.7 MB protobuf description when a client is built (about
 * 1.2 s of blocked start-up, measured by `npm run bench`), or googleapis' generated `compute_v1`
 * module (1.4 MB of JavaScript to parse for eight methods). The resource types are googleapis'.
 */
import type { compute_v1 } from 'googleapis/build/src/apis/compute/v1.js';
import type { AuthClient } from 'google-auth-library';
import { DEFAULT_REST_POLICY, GoogleRest, type RestPolicy } from './google-rest.js';
import type { InstancePlan } from '../domain/instance-plan.js';
import { BOX_SCOPES } from '../domain/deploy-requirements.js';
import type {
  Clock,
  CloudResult,
  ComputePort,
  InstanceListing,
  InstanceStatus,
  ObservedInstance,
  OperationRef,
  OperationState,
} from '../app/ports.js';
import { classifyOperationError, classifyThrown } from './google-errors.js';

type IInstance = compute_v1.Schema$Instance;
type IOperation = compute_v1.Schema$Operation;

const ZONE = 'compute/v1/projects/{project}/zones/{zone}';

/**
 * Compute's mutating calls carry a requestId ("if you must retry your request, the server will know to
 * ignore the request if it has already been completed", the requestId parameter on each method's
 * reference page, cloud.google.com/compute/docs/reference/rest/v1/instances/insert): a POST that timed
 * out can be sent again.
 */
const IDEMPOTENT = { idempotent: true } as const;

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

export class ComputeAdapter implements ComputePort {
  private readonly api: GoogleRest;
  private readonly offering = new Map<string, { at: number; zones: string[] }>();
  /** Google API calls made, by method: the benchmarks read it. */
  readonly callCounts = new Map<string, number>();

  constructor(private readonly options: ComputeAdapterOptions) {
    this.api = new GoogleRest(options.authClient, options.endpoint ?? 'https://compute.googleapis.com/', { ...DEFAULT_REST_POLICY, ...options.rest });
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  async listManagedInstances(): Promise<InstanceListing> {
    const found: ObservedInstance[] = [];
    const unreachableZones = new Set<string>();
    let pageToken: string | undefined;
    do {
      this.count('instances.aggregatedList');
      const res = await this.api.call<compute_v1.Schema$InstanceAggregatedList>('GET', 'compute/v1/projects/{project}/aggregated/instances', {
        project: this.options.project,
        filter: 'labels.managed-by = "gpubot"',
        returnPartialSuccess: true,
        maxResults: 500,
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
      for (const [scope, scoped] of Object.entries(res.data.items ?? {})) {
        // A partial listing says which zones it could not read, on the zone's own scope (warning
        // UNREACHABLE) and in `unreachables`; their VMs are missing from the page, not deleted.
        if (scoped.warning?.code === 'UNREACHABLE') unreachableZones.add(zoneOfScope(scope));
        for (const instance of scoped.instances ?? []) found.push(observe(instance));
      }
      for (const scope of res.data.unreachables ?? []) unreachableZones.add(zoneOfScope(scope));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken !== undefined && pageToken !== '');
    return { instances: found, unreachableZones };
  }

  async getInstance(zone: string, name: string): Promise<CloudResult<ObservedInstance | null>> {
    this.count('instances.get');
    try {
      const res = await this.api.call<IInstance>('GET', `${ZONE}/instances/{instance}`, { project: this.options.project, zone, instance: name });
      return { ok: true, value: observe(res.data) };
    } catch (error) {
      const failure = classifyThrown(error);
      return failure.kind === 'not-found' ? { ok: true, value: null } : { ok: false, failure };
    }
  }

  async insertInstance(plan: InstancePlan, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.insert');
    return this.operation(plan.zone, () =>
      this.api.call<IOperation>('POST', `${ZONE}/instances`, {
        project: this.options.project,
        zone: plan.zone,
        requestId,
        requestBody: instanceResource(plan, this.options.project),
      }, {}, IDEMPOTENT),
    );
  }

  async startInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.start');
    return this.operation(zone, () => this.api.call<IOperation>('POST', `${ZONE}/instances/{instance}/start`, { project: this.options.project, zone, instance: name, requestId }, {}, IDEMPOTENT));
  }

  async stopInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.stop');
    return this.operation(zone, () => this.api.call<IOperation>('POST', `${ZONE}/instances/{instance}/stop`, { project: this.options.project, zone, instance: name, requestId }, {}, IDEMPOTENT));
  }

  async deleteInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.delete');
    return this.operation(zone, () => this.api.call<IOperation>('DELETE', `${ZONE}/instances/{instance}`, { project: this.options.project, zone, instance: name, requestId }));
  }

  async getOperation(ref: OperationRef): Promise<CloudResult<OperationState>> {
    this.count('zoneOperations.get');
    try {
      const res = await this.api.call<IOperation>('GET', `${ZONE}/operations/{operation}`, { project: this.options.project, zone: ref.zone, operation: ref.name });
      return { ok: true, value: operationState(res.data) };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  async zonesOffering(region: string, acceleratorType: string): Promise<CloudResult<string[]>> {
    const now = this.options.clock.now();
    let cached = this.offering.get(acceleratorType);
    if (cached === undefined || now - cached.at > (this.options.catalogTtlMs ?? 3600_000)) {
      try {
        const zones: string[] = [];
        let pageToken: string | undefined;
        do {
          this.count('acceleratorTypes.aggregatedList');
          const res = await this.api.call<compute_v1.Schema$AcceleratorTypeAggregatedList>('GET', 'compute/v1/projects/{project}/aggregated/acceleratorTypes', {
            project: this.options.project,
            filter: `name = "${acceleratorType}"`,
            ...(pageToken !== undefined ? { pageToken } : {}),
          });
          for (const [key, scoped] of Object.entries(res.data.items ?? {})) {
            if ((scoped.acceleratorTypes ?? []).some((a) => a.name === acceleratorType)) zones.push(key.replace(/^zones\//, ''));
          }
          pageToken = res.data.nextPageToken ?? undefined;
        } while (pageToken !== undefined && pageToken !== '');
        cached = { at: now, zones: zones.sort() };
        this.offering.set(acceleratorType, cached);
      } catch (error) {
        return { ok: false, failure: classifyThrown(error) };
      }
    }
    return { ok: true, value: cached.zones.filter((z) => z.startsWith(`${region}-`)) };
  }

  async wasPreempted(zone: string, name: string, sinceMs: number): Promise<CloudResult<boolean>> {
    this.count('zoneOperations.list');
    try {
      const res = await this.api.call<compute_v1.Schema$OperationList>('GET', `${ZONE}/operations`, {
        project: this.options.project,
        zone,
        filter: 'operationType = "compute.instances.preempted"',
      });
      const hit = (res.data.items ?? []).some(
        (op) => (op.targetLink ?? '').endsWith(`/instances/${name}`) && Date.parse(op.insertTime ?? '') >= sinceMs - 60_000,
      );
      return { ok: true, value: hit };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  /** Nothing to release: the REST client holds no channels. */
  async close(): Promise<void> {}

  private async operation(zone: string, call: () => Promise<{ data: IOperation }>): Promise<CloudResult<OperationRef>> {
    try {
      const { data } = await call();
      if (typeof data.name !== 'string') return { ok: false, failure: { kind: 'other', message: 'Compute returned an operation without a name' } };
      // Some failures (quota) come back as an operation that is already DONE with an error.
      const state = operationState(data);
      if (state.done && state.failure !== null) return { ok: false, failure: state.failure };
      return { ok: true, value: { name: data.name, zone } };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }
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
  };
}

function operationState(op: IOperation): OperationState {
  const done = op.status === 'DONE';
  const first = op.error?.errors?.[0];
  const ended = done && typeof op.endTime === 'string' ? Date.parse(op.endTime) : NaN;
  return { done, failure: done && first !== undefined ? classifyOperationError(first.code, first.message) : null, endedAt: Number.isFinite(ended) ? ended : null };
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
function scheduling(plan: InstancePlan): compute_v1.Schema$Scheduling {
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
