/** Starts a ComputeSandbox behind the Google sandbox server and builds the real client libraries for it. */
import {
  AcceleratorTypesClient,
  ImagesClient,
  InstancesClient,
  MachineTypesClient,
  RegionsClient,
  ZoneOperationsClient,
  ZonesClient,
} from '@google-cloud/compute';
import { OAuth2Client } from 'google-auth-library';
import { ComputeSandbox, type ComputeTimings } from '../../src/sandbox/google/compute.js';
import { startGoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';

export const PROJECT = 'gpu-lab';

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public time = Date.parse('2026-03-02T09:00:00Z')) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface ComputeHarness {
  /** The sandbox behind the server now; `reset` swaps in a fresh one. */
  compute: ComputeSandbox;
  clock: ManualClock;
  url: string;
  instances: InstancesClient;
  operations: ZoneOperationsClient;
  acceleratorTypes: AcceleratorTypesClient;
  machineTypes: MachineTypesClient;
  images: ImagesClient;
  zones: ZonesClient;
  regions: RegionsClient;
  /** A fresh sandbox and clock behind the same server and clients (building clients is the slow part). */
  reset(timings?: Partial<ComputeTimings>): void;
  close(): Promise<void>;
}

export interface HarnessOptions {
  timings?: Partial<ComputeTimings>;
  /** Wraps the compute handler, e.g. to record raw responses. */
  wrap?: (compute: ComputeSandbox) => SandboxHandler;
}

/** Short, fixed timings: tests move the clock instead of sleeping; waits return at once. */
export const TEST_TIMINGS: ComputeTimings = {
  provisioningMs: 1_000,
  stagingMs: 2_000,
  jupyterReadyMs: 5_000,
  stoppingMs: 3_000,
  operationMs: 500,
  waitMaxMs: 0,
};

export async function startComputeHarness(options: HarnessOptions = {}): Promise<ComputeHarness> {
  const build = (timings?: Partial<ComputeTimings>) => {
    const clock = new ManualClock();
    const compute = new ComputeSandbox({ project: PROJECT, now: clock.now, timings: { ...TEST_TIMINGS, ...timings } });
    return { clock, compute, handler: options.wrap ? options.wrap(compute) : compute };
  };
  let current = build(options.timings);
  const sandbox = await startGoogleSandbox({ handlers: [{ handle: (req) => current.handler.handle(req) }] });
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'sandbox' });
  const clientOptions = { apiEndpoint: '127.0.0.1', port: sandbox.port, protocol: 'http', fallback: true, authClient } as const;
  const clients = {
    instances: new InstancesClient(clientOptions),
    operations: new ZoneOperationsClient(clientOptions),
    acceleratorTypes: new AcceleratorTypesClient(clientOptions),
    machineTypes: new MachineTypesClient(clientOptions),
    images: new ImagesClient(clientOptions),
    zones: new ZonesClient(clientOptions),
    regions: new RegionsClient(clientOptions),
  };
  const harness: ComputeHarness = {
    ...clients,
    compute: current.compute,
    clock: current.clock,
    url: sandbox.url,
    reset(timings) {
      current = build(timings);
      harness.compute = current.compute;
      harness.clock = current.clock;
    },
    async close() {
      await Promise.all(Object.values(clients).map((c) => c.close()));
      await sandbox.close();
    },
  };
  return harness;
}

/** A realistic GPU notebook insert body, as the bot would send it. */
export function notebookInstance(name: string, zone: string, extra: { gpu?: string; count?: number; machineType?: string; labels?: Record<string, string>; spot?: boolean; metadata?: Record<string, string> } = {}) {
  const machineType = extra.machineType ?? 'n1-standard-8';
  const gpu = extra.gpu ?? (machineType.startsWith('n1-') ? 'nvidia-tesla-t4' : undefined);
  const metadata = { 'install-nvidia-driver': 'True', 'proxy-mode': 'project_editors', 'enable-guest-attributes': 'TRUE', ...extra.metadata };
  return {
    name,
    machineType: `zones/${zone}/machineTypes/${machineType}`,
    labels: { 'managed-by': 'gpubot', 'gpubot-owner': 'u123', 'gpubot-id': name, ...extra.labels },
    metadata: { items: Object.entries(metadata).map(([key, value]) => ({ key, value })) },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: 'projects/deeplearning-platform-release/global/images/family/common-cu128-ubuntu-2204-nvidia-570',
          diskSizeGb: '150',
        },
      },
    ],
    networkInterfaces: [{ network: 'global/networks/default', accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] }],
    serviceAccounts: [{ email: 'default', scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    scheduling: extra.spot
      ? { provisioningModel: 'SPOT', instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE' }
      : { onHostMaintenance: 'TERMINATE', automaticRestart: true },
    ...(gpu && machineType.startsWith('n1-')
      ? { guestAccelerators: [{ acceleratorType: `zones/${zone}/acceleratorTypes/${gpu}`, acceleratorCount: extra.count ?? 1 }] }
      : {}),
  };
}
