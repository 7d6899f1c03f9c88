/**
 * The embedded default: whatever the configuration leaves unset runs here, in-process or as a child —
 * the sandbox Google Cloud, a Firestore emulator, and a Slack simulator driven from the terminal.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { Clock, Logger } from '../app/ports.js';
import { ComputeSandbox } from './google/compute.js';
import { MonitoringSandbox } from './google/monitoring.js';
import { BillingSandbox } from './google/billing.js';
import { VertexSandbox } from './google/vertex.js';
import { StorageSandbox } from './google/storage.js';
import { BoxAgentSandbox } from './google/box-agent.js';
import { activitySampler, monitoredInstances } from './google/utilization.js';
import { startGoogleSandbox, type GoogleSandbox, type SandboxHandler } from './google/server.js';
import { ProjectsSandbox } from './google/projects.js';
import { startFirestoreEmulator, type RunningEmulator } from './firestore-emulator.js';
import { SlackSimulator } from './slack/web-api-server.js';
import { runConsole } from './console/console.js';
import { ServiceUsageSandbox } from './google/service-usage.js';
import { IamPoliciesSandbox } from './google/iam-policies.js';
import { OrgPolicySandbox } from './google/org-policy.js';
import { ComputeProjectSandbox } from './google/compute-project.js';
import { manifestBotScopes } from './slack/manifest.js';

export interface Embedded {
  gcpEndpoint: string | null;
  firestoreHost: string | null;
  firestoreKind: 'official' | 'lite' | null;
  slack: { signingSecret: string; botToken: string; apiUrl: string } | null;
  /** Points the simulator at the bot and hands the terminal to the person. */
  attachConsole(botUrl: string): void;
  stop(): Promise<void>;
}

const DEMO_USER = 'U0DEMO';
/** What a demo box's home directory holds: `/train submit demo --from-box BOX --dir census --entry train.py` works on it. */
const DEMO_PROJECT = {
  'census/train.py': 'import os\nprint("training; outputs to", os.environ.get("AIP_MODEL_DIR"))\n',
  'census/requirements.txt': 'pandas\n',
  'census/.gitignore': 'data/\n*.ckpt\n',
  'census/data/adult.csv': { size: 3_800_000 },
  'census/.venv/pyvenv.cfg': 'home = /usr/bin\n',
  'census/.venv/lib/site.py': '',
};
const DEMO_CHANNEL = 'C0DEMO';

export async function startEmbedded(config: Config, log: Logger, clock: Clock): Promise<Embedded> {
  let google: GoogleSandbox | null = null;
  let emulator: RunningEmulator | null = null;
  let simulator: SlackSimulator | null = null;
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };

  if (config.cloud.kind === 'sandbox') {
    const compute = new ComputeSandbox({ project: config.cloud.project, now: () => clock.now() });
    // Demo boxes sit idle (GPU 0 %, no kernel running), so a short IDLE_AFTER shows the warning and stop.
    const monitoring = new MonitoringSandbox({
      project: config.cloud.project,
      now: () => clock.now(),
      instances: monitoredInstances(compute),
      sampler: activitySampler(() => 'idle', clock.now()),
    });
    // The project as the deploy guide leaves it, for `/gpu doctor` (their paths never meet the others').
    const project = config.cloud.project;
    const setUp = [new ServiceUsageSandbox({ project }), new IamPoliciesSandbox({ project }), new OrgPolicySandbox({ project }), new ComputeProjectSandbox(compute)];
    // `/train --from-box` in the console: every box starts with a small project, and its agent answers.
    const storage = new StorageSandbox({ buckets: config.stagingBucket === null ? [] : [config.stagingBucket], now: () => clock.now() });
    const agent = new BoxAgentSandbox({ compute, storage, defaultFiles: DEMO_PROJECT });
    const vertex = new VertexSandbox({ project: config.cloud.project, now: () => clock.now(), stepMs: 20_000 });
    // Teams' projects (GPUBOT_SANDBOX_PROJECTS), each with its own Compute, Monitoring and Vertex AI;
    // a project not listed answers as one the caller may not use (projects.ts).
    const served = new Map<string, SandboxHandler[]>([[project, [agent, ...setUp, compute, monitoring, vertex]]]);
    config.sandboxProjects.forEach((other, i) => {
      if (served.has(other)) return;
      const otherCompute = new ComputeSandbox({ project: other, now: () => clock.now() });
      const otherMonitoring = new MonitoringSandbox({ project: other, now: () => clock.now(), instances: monitoredInstances(otherCompute), sampler: activitySampler(() => 'idle', clock.now()) });
      const otherVertex = new VertexSandbox({ project: other, projectNumber: String(223456789012 + i), now: () => clock.now(), stepMs: 20_000 });
      served.set(other, [new BoxAgentSandbox({ compute: otherCompute, storage, defaultFiles: DEMO_PROJECT }), otherCompute, otherMonitoring, otherVertex]);
    });
    google = await startGoogleSandbox({ handlers: [new ProjectsSandbox({ projects: served }), storage, new BillingSandbox({ now: () => clock.now() })], onError: (error) => log.error('sandbox handler failed', { error }) });
  }
  if (config.firestore.kind === 'embedded') {
    emulator = await startFirestoreEmulator({ onNote: say });
  }
  let slack: Embedded['slack'] = null;
  if (config.slack.kind === 'console') {
    const signingSecret = randomBytes(16).toString('hex');
    const botToken = `xoxb-sandbox-${randomBytes(6).toString('hex')}`;
    simulator = new SlackSimulator({
      signingSecret,
      botToken,
      channels: { [DEMO_CHANNEL]: 'ml-team' },
      users: [{ id: DEMO_USER, name: 'you' }],
      // The app as installed from the manifest, so the token carries exactly its scopes.
      ...(await installedScopes()),
    });
    await simulator.start();
    slack = { signingSecret, botToken, apiUrl: simulator.apiUrl };
  }

  return {
    gcpEndpoint: google?.url ?? null,
    firestoreHost: emulator?.host ?? null,
    firestoreKind: emulator?.kind ?? null,
    slack,
    attachConsole(botUrl) {
      if (simulator === null) return;
      simulator.botUrl = botUrl;
      const parts = [
        google ? 'sandbox Google Cloud' : 'real Google Cloud',
        emulator ? `embedded Firestore (${emulator.kind === 'official' ? 'official emulator' : 'npm emulator'})` : 'configured Firestore',
      ];
      say(`gpubot console: ${parts.join(', ')}. You are <@${DEMO_USER}> in #ml-team.`);
      void runConsole({
        simulator,
        input: process.stdin,
        output: process.stdout,
        userId: DEMO_USER,
        channelId: DEMO_CHANNEL,
        onExit: () => process.kill(process.pid, 'SIGTERM'),
      });
    },
    async stop() {
      await simulator?.close().catch(() => undefined);
      await google?.close().catch(() => undefined);
      await emulator?.stop().catch(() => undefined);
    },
  };
}

/** The manifest's bot scopes, when the manifest is there to read (it is beside package.json in a clone). */
async function installedScopes(): Promise<{ grantedScopes?: string[] }> {
  try {
    return { grantedScopes: manifestBotScopes(await readFile(new URL('../../manifest.yml', import.meta.url), 'utf8')) };
  } catch {
    return {};
  }
}
