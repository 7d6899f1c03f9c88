/**
 * The stand-ins of a chaos run, started once in the harness's own process: the Google sandbox
 * (Compute, Monitoring, Billing, Vertex AI) with its fault layer, the Slack simulator, and the
 * Firestore emulator (the official one where the Google Cloud CLI is installed) behind a proxy that
 * can stall. The harness reads Firestore directly, past the proxy, so its reads never stall.
 */
import type { Firestore } from '@google-cloud/firestore';
import { HttpFaults } from '../../src/sandbox/http-faults.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { MonitoringSandbox } from '../../src/sandbox/google/monitoring.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { activitySampler, monitoredInstances, type Activity } from '../../src/sandbox/google/utilization.js';
import { startGoogleSandbox, type GoogleSandbox } from '../../src/sandbox/google/server.js';
import { startFirestoreEmulator, type RunningEmulator } from '../../src/sandbox/firestore-emulator.js';
import { SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';
import { createFirestore } from '../../src/store/firestore.js';
import { startStallingProxy, type StallingProxy } from './tcp-proxy.js';

export const CHANNEL = 'CCHAOS';
export const OWNERS = ['UCHAOS1', 'UCHAOS2', 'UCHAOS3', 'UCHAOS4', 'UCHAOS5'] as const;

export interface World {
  project: string;
  compute: ComputeSandbox;
  vertex: VertexSandbox;
  google: GoogleSandbox;
  googleFaults: HttpFaults;
  slack: SlackSimulator;
  emulator: RunningEmulator;
  proxy: StallingProxy;
  /** The harness's own Firestore client, straight to the emulator. */
  db: Firestore;
  /** What each VM (by name) does, as Monitoring reports it; unlisted VMs are busy on their GPU. */
  activity: Map<string, Activity>;
  signingSecret: string;
  botToken: string;
  close(): Promise<void>;
}

export async function startWorld(project: string, note: (line: string) => void): Promise<World> {
  const emulator = await startFirestoreEmulator({ onNote: note });
  note(`Firestore: ${emulator.kind === 'official' ? 'the official emulator' : 'the in-process npm emulator (it does not lock transactions: doubles may be its own)'} at ${emulator.host}`);
  const proxy = await startStallingProxy(emulator.host);
  const compute = new ComputeSandbox({ project });
  const activity = new Map<string, Activity>();
  const nameOf = (id: string): string => compute.instances().find((i) => i.id === id)?.name ?? '';
  const monitoring = new MonitoringSandbox({
    project,
    instances: monitoredInstances(compute),
    // Notebooks untouched for an hour before the run: an idle box is idle on every signal.
    sampler: activitySampler((id) => activity.get(nameOf(id)) ?? 'gpu-busy', Date.now() - 3_600_000),
  });
  // Jobs wait in QUEUED until the workload decides how each ends (succeed, fail) or its owner cancels it.
  const vertex = new VertexSandbox({ project, defaultScript: { stayQueued: true } });
  const googleFaults = new HttpFaults();
  const google = await startGoogleSandbox({ handlers: [compute, monitoring, new BillingSandbox({}), vertex], faults: googleFaults });
  const signingSecret = 'chaos-signing-secret-0123456789abcdef';
  const botToken = 'xoxb-chaos-token';
  const slack = new SlackSimulator({
    signingSecret,
    botToken,
    channels: { [CHANNEL]: 'ml-team' },
    users: OWNERS.map((id, i) => ({ id, name: `researcher${i + 1}` })),
    // Two replicas on two cores with faults: acks are slow at times; that is measured elsewhere.
    ackTimeoutMs: 60_000,
  });
  await slack.start();
  const db = createFirestore({ projectId: project, emulatorHost: emulator.host });
  return {
    project,
    compute,
    vertex,
    google,
    googleFaults,
    slack,
    emulator,
    proxy,
    db,
    activity,
    signingSecret,
    botToken,
    async close() {
      googleFaults.clear();
      slack.faults.clear();
      proxy.resume();
      await db.terminate().catch(() => undefined);
      await slack.close().catch(() => undefined);
      await google.close().catch(() => undefined);
      await proxy.close().catch(() => undefined);
      await emulator.stop().catch(() => undefined);
    },
  };
}
