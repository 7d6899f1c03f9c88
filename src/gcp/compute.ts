/**
 * The Compute Engine adapter: the only place that knows the client library, its resource URLs, its
 * operations and its error shapes. Only the clients the bot uses are imported (the package's index
 * loads every Compute client and costs seconds at start-up).
 */
import { InstancesClient } from '@google-cloud/compute/build/src/v1/instances_client.js';
import { ZoneOperationsClient } from '@google-cloud/compute/build/src/v1/zone_operations_client.js';
import { AcceleratorTypesClient } from '@google-cloud/compute/build/src/v1/accelerator_types_client.js';
import type { google } from '@google-cloud/compute/build/protos/protos.js';
import type { AuthClient } from 'google-auth-library';
import type { InstancePlan } from '../domain/instance-plan.js';
import type {
  Clock,
  CloudResult,
  ComputePort,
  InstanceStatus,
  ObservedInstance,
  OperationRef,
  OperationState,
} from '../app/ports.js';
import { classifyOperationError, classifyThrown } from './google-errors.js';

type IInstance = google.cloud.compute.v1.IInstance;
type IOperation = google.cloud.compute.v1.IOperation;

export interface ComputeAdapterOptions {
  project: string;
  authClient: AuthClient;
  /** A root URL such as http://127.0.0.1:8089 replaces Google's (GCP_ENDPOINT). */
  endpoint: string | null;
  clock: Clock;
  /** How long the list of zones offering each GPU is trusted. */
  catalogTtlMs?: number;
}

export class ComputeAdapter implements ComputePort {
  private readonly instances: InstancesClient;
  private readonly operations: ZoneOperationsClient;
  private readonly accelerators: AcceleratorTypesClient;
  private readonly offering = new Map<string, { at: number; zones: string[] }>();
  /** Google API calls made, by method: the benchmarks read it. */
  readonly callCounts = new Map<string, number>();

  constructor(private readonly options: ComputeAdapterOptions) {
    const clientOptions = { ...clientEndpoint(options.endpoint), authClient: options.authClient, fallback: true as const };
    this.instances = new InstancesClient(clientOptions);
    this.operations = new ZoneOperationsClient(clientOptions);
    this.accelerators = new AcceleratorTypesClient(clientOptions);
  }

  private count(method: string): void {
    this.callCounts.set(method, (this.callCounts.get(method) ?? 0) + 1);
  }

  async listManagedInstances(): Promise<ObservedInstance[]> {
    const found: ObservedInstance[] = [];
    this.count('instances.aggregatedList');
    const pages = this.instances.aggregatedListAsync({
      project: this.options.project,
      filter: 'labels.managed-by = "gpubot"',
      returnPartialSuccess: true,
      maxResults: 500,
    }, { autoPaginate: false });
    for await (const [, scoped] of pages) {
      for (const instance of scoped.instances ?? []) found.push(observe(instance));
    }
    return found;
  }

  async getInstance(zone: string, name: string): Promise<CloudResult<ObservedInstance | null>> {
    this.count('instances.get');
    try {
      const [instance] = await this.instances.get({ project: this.options.project, zone, instance: name });
      return { ok: true, value: observe(instance) };
    } catch (error) {
      const failure = classifyThrown(error);
      return failure.kind === 'not-found' ? { ok: true, value: null } : { ok: false, failure };
    }
  }

  async insertInstance(plan: InstancePlan, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.insert');
    return this.operation(plan.zone, () =>
      this.instances.insert({ project: this.options.project, zone: plan.zone, requestId, instanceResource: instanceResource(plan, this.options.project) }),
    );
  }

  async startInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.start');
    return this.operation(zone, () => this.instances.start({ project: this.options.project, zone, instance: name, requestId }));
  }

  async stopInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.stop');
    return this.operation(zone, () => this.instances.stop({ project: this.options.project, zone, instance: name, requestId }));
  }

  async deleteInstance(zone: string, name: string, requestId: string): Promise<CloudResult<OperationRef>> {
    this.count('instances.delete');
    return this.operation(zone, () => this.instances.delete({ project: this.options.project, zone, instance: name, requestId }));
  }

  async getOperation(ref: OperationRef): Promise<CloudResult<OperationState>> {
    this.count('zoneOperations.get');
    try {
      const [op] = await this.operations.get({ project: this.options.project, zone: ref.zone, operation: ref.name });
      return { ok: true, value: operationState(op) };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  async zonesOffering(region: string, acceleratorType: string): Promise<CloudResult<string[]>> {
    const now = this.options.clock.now();
    let cached = this.offering.get(acceleratorType);
    if (cached === undefined || now - cached.at > (this.options.catalogTtlMs ?? 3600_000)) {
      try {
        this.count('acceleratorTypes.aggregatedList');
        const zones: string[] = [];
        const pages = this.accelerators.aggregatedListAsync({ project: this.options.project, filter: `name = "${acceleratorType}"` }, { autoPaginate: false });
        for await (const [key, scoped] of pages) {
          if ((scoped.acceleratorTypes ?? []).some((a) => a.name === acceleratorType)) zones.push(key.replace(/^zones\//, ''));
        }
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
      const [ops] = await this.operations.list({
        project: this.options.project,
        zone,
        filter: 'operationType = "compute.instances.preempted"',
      });
      const hit = ops.some(
        (op) => (op.targetLink ?? '').endsWith(`/instances/${name}`) && Date.parse(op.insertTime ?? '') >= sinceMs - 60_000,
      );
      return { ok: true, value: hit };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.instances.close(), this.operations.close(), this.accelerators.close()]);
  }

  private async operation(
    zone: string,
    call: () => Promise<[{ latestResponse?: unknown; name?: string | null }, ...unknown[]]>,
  ): Promise<CloudResult<OperationRef>> {
    try {
      const [op] = await call();
      const latest = (op.latestResponse ?? op) as IOperation;
      const name = latest.name ?? op.name;
      if (typeof name !== 'string') return { ok: false, failure: { kind: 'other', message: 'Compute returned an operation without a name' } };
      // Some failures (quota) come back as an operation that is already DONE with an error.
      const state = operationState(latest);
      if (state.done && state.failure !== null) return { ok: false, failure: state.failure };
      return { ok: true, value: { name, zone } };
    } catch (error) {
      return { ok: false, failure: classifyThrown(error) };
    }
  }
}

function clientEndpoint(endpoint: string | null): { apiEndpoint?: string; port?: number; protocol?: string } {
  if (endpoint === null) return {};
  const url = new URL(endpoint);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { apiEndpoint: url.hostname, port, protocol: url.protocol.replace(':', '') };
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
  return { done, failure: done && first !== undefined ? classifyOperationError(first.code, first.message) : null };
}

function instanceResource(plan: InstancePlan, project: string): IInstance {
  const zone = plan.zone;
  return {
    name: plan.name,
    machineType: `zones/${zone}/machineTypes/${plan.machineType}`,
    guestAccelerators: plan.accelerators.map((a) => ({
      acceleratorType: `projects/${project}/zones/${zone}/acceleratorTypes/${a.type}`,
      acceleratorCount: a.count,
    })),
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
        network: `global/networks/${plan.network}`,
        ...(plan.subnetwork !== null ? { subnetwork: plan.subnetwork } : {}),
        // Outbound access for drivers and packages; no firewall rule opens Jupyter, which is reached
        // only through the inverting proxy or an IAP tunnel.
        accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }],
      },
    ],
    labels: plan.labels,
    metadata: { items: Object.entries(plan.metadata).map(([key, value]) => ({ key, value })) },
    scheduling: plan.spot
      ? { onHostMaintenance: 'TERMINATE', automaticRestart: false, provisioningModel: 'SPOT', instanceTerminationAction: 'STOP' }
      : { onHostMaintenance: 'TERMINATE', automaticRestart: true, provisioningModel: 'STANDARD' },
    serviceAccounts: [{ email: plan.serviceAccount ?? 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
  };
}
