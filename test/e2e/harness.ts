/**
 * A whole gpubot in the test process: the real Bolt app on a local port, the real Google and Firestore
 * client libraries, against the Compute sandbox, the Firestore emulator and the Slack simulator. The
 * bot's clock is the sandbox's clock, and tests move it; ticks run when a test asks.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { memoryLogger } from '../../src/log.js';
import { startGpubot, type Running } from '../../src/main.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { MonitoringSandbox } from '../../src/sandbox/google/monitoring.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { StorageSandbox } from '../../src/sandbox/google/storage.js';
import { BoxAgentSandbox } from '../../src/sandbox/google/box-agent.js';
import { activitySampler, monitoredInstances, type Activity } from '../../src/sandbox/google/utilization.js';
import { startGoogleSandbox, type GoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';
import { ProjectsSandbox } from '../../src/sandbox/google/projects.js';
import { SlackSimulator, type SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { ManualClock } from '../support/clock.js';
import { emulatorHost, emulatorKind, freshProjectId } from '../support/firestore.js';

export const CHANNEL = 'CTEAM';
export const ALICE = 'UALICE';
export const BOB = 'UBOB';
export const ADMIN = 'UADMIN';
export const STAGING_BUCKET = 'ml-lab-gpubot-staging';

export interface Bot {
  clock: ManualClock;
  compute: ComputeSandbox;
  monitoring: MonitoringSandbox;
  billing: BillingSandbox;
  vertex: VertexSandbox;
  /** The staging bucket (STAGING_BUCKET) and the agent on every VM, for `/train --from-box`. */
  storage: StorageSandbox;
  agent: BoxAgentSandbox;
  /** What each VM (by name) is doing, as Monitoring reports it; unlisted VMs are busy on their GPU. */
  activity: Map<string, Activity>;
  google: GoogleSandbox;
  slack: SlackSimulator;
  gpubot: Running;
  log: ReturnType<typeof memoryLogger>;
  project: string;
  /** The other projects the sandbox serves (`otherProjects`), each with its own stand-ins, by project id. */
  others: Map<string, { compute: ComputeSandbox; monitoring: MonitoringSandbox; vertex: VertexSandbox; agent: BoxAgentSandbox }>;
  config: ReturnType<typeof loadConfig>;
  /** Runs ticks, moving the clock `stepMs` (a second) each, until `done` holds (or fails the test). */
  tickUntil(done: () => boolean, what: string, maxTicks?: number, stepMs?: number): Promise<void>;
  /** A second bot process's worth of gpubot on the same Firestore, cloud and Slack (another replica). */
  startReplica(): Promise<Running>;
  /** The box's card: the top-level bot message in the channel whose text names the box. */
  card(name: string): SimMessage | undefined;
  threadOf(name: string): SimMessage[];
  dmsTo(user: string): SimMessage[];
  stop(): Promise<void>;
}

/** Socket Mode: gpubot gets SLACK_APP_TOKEN and no signing secret, and the simulator talks to it over its connection. */
export const APP_TOKEN = 'xapp-1-A0GPUBOT-1-e2e';

/**
 * A port free on loopback right now. Socket Mode's HTTP server (for /healthz) does not report the port
 * it bound, so with PORT=0 nobody could find it; the test picks one and passes it as PORT instead.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startBot(
  options: {
    env?: Record<string, string>;
    billingFailsWith?: 403 | 503;
    startAt?: number;
    socketMode?: boolean;
    refusedInsertsExpected?: boolean;
    /** Projects served beside the configured one (a team's, `/gpu team`); any other answers 403. */
    otherProjects?: readonly string[];
  } = {},
): Promise<Bot> {
  const clock = new ManualClock(options.startAt);
  const project = freshProjectId('e2e');
  const compute = new ComputeSandbox({
    project,
    now: () => clock.now(),
    timings: { provisioningMs: 2000, stagingMs: 2000, jupyterReadyMs: 4000, stoppingMs: 2000, operationMs: 1000, waitMaxMs: 0 },
  });
  const activity = new Map<string, Activity>();
  const nameOf = (id: string): string => compute.instances().find((i) => i.id === id)?.name ?? '';
  const monitoring = new MonitoringSandbox({
    project,
    now: () => clock.now(),
    instances: monitoredInstances(compute),
    sampler: activitySampler((id) => activity.get(nameOf(id)) ?? 'gpu-busy', clock.now() - 3_600_000),
  });
  const billing = new BillingSandbox({ now: () => clock.now() });
  if (options.billingFailsWith !== undefined) billing.fail(options.billingFailsWith);
  const vertex = new VertexSandbox({ project, now: () => clock.now() });
  const storage = new StorageSandbox({ buckets: [STAGING_BUCKET], now: () => clock.now() });
  const agent = new BoxAgentSandbox({ compute, storage });
  // The agent first: it answers what the last call set before Compute reads it back.
  const others: Bot['others'] = new Map();
  (options.otherProjects ?? []).forEach((other, i) => {
    const c = new ComputeSandbox({ project: other, now: () => clock.now(), timings: { provisioningMs: 2000, stagingMs: 2000, jupyterReadyMs: 4000, stoppingMs: 2000, operationMs: 1000, waitMaxMs: 0 } });
    const cName = (id: string): string => c.instances().find((vm) => vm.id === id)?.name ?? '';
    others.set(other, {
      compute: c,
      monitoring: new MonitoringSandbox({ project: other, now: () => clock.now(), instances: monitoredInstances(c), sampler: activitySampler((id) => activity.get(cName(id)) ?? 'gpu-busy', clock.now() - 3_600_000) }),
      vertex: new VertexSandbox({ project: other, projectNumber: String(223456789012 + i), now: () => clock.now() }),
      agent: new BoxAgentSandbox({ compute: c, storage }),
    });
  });
  // With other projects, each request goes to its project's stand-ins (sandbox/google/projects.ts).
  const served = new Map<string, SandboxHandler[]>([[project, [agent, compute, monitoring, vertex]], ...[...others].map(([p, o]): [string, SandboxHandler[]] => [p, [o.agent, o.compute, o.monitoring, o.vertex]])]);
  const handlers: SandboxHandler[] = others.size === 0 ? [agent, compute, monitoring, billing, vertex, storage] : [new ProjectsSandbox({ projects: served }), billing, storage];
  const google = await startGoogleSandbox({ handlers });
  const signingSecret = 'e2e-signing-secret-0123456789';
  const botToken = 'xoxb-e2e-token';
  const socketMode = options.socketMode === true;
  const slack = new SlackSimulator({ signingSecret, botToken, appToken: APP_TOKEN, channels: { [CHANNEL]: 'ml-team' } });
  await slack.start();
  const log = memoryLogger();
  const config = loadConfig({
    PORT: socketMode ? String(await freePort()) : '0',
    ...(socketMode ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: signingSecret }),
    SLACK_BOT_TOKEN: botToken,
    SLACK_API_URL: slack.apiUrl,
    GOOGLE_CLOUD_PROJECT: project,
    GCP_ENDPOINT: google.url,
    FIRESTORE_EMULATOR_HOST: emulatorHost(),
    GPUBOT_ADMINS: ADMIN,
    GPUBOT_STAGING_BUCKET: STAGING_BUCKET,
    // Ticks happen when the test says, plus the nudges listeners give.
    TICK_INTERVAL: '1h',
    ...options.env,
  });
  // No timer: the test decides when ticks happen, so a background tick can never race its assertions.
  const gpubot = await startGpubot(config, log, clock, { timer: false, firestoreEmulator: emulatorKind() });
  // In Socket Mode there is no /slack/events: the simulator sends over the connection the bot opened.
  if (!socketMode) slack.botUrl = `http://127.0.0.1:${gpubot.port}/slack/events`;

  const replicas: Running[] = [];
  const bot: Bot = {
    clock,
    compute,
    monitoring,
    billing,
    vertex,
    storage,
    agent,
    activity,
    google,
    slack,
    gpubot,
    log,
    project,
    others,
    config,
    async tickUntil(done, what, maxTicks = 40, stepMs = 1000) {
      for (let i = 0; i < maxTicks; i++) {
        await gpubot.worker.tick();
        if (done()) return;
        clock.advance(stepMs);
      }
      assert.fail(`never happened: ${what}\nchannel: ${JSON.stringify(slack.messages(CHANNEL).map((m) => m.text))}`);
    },
    card(name) {
      return slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(name));
    },
    threadOf(name) {
      const card = bot.card(name);
      return card === undefined ? [] : slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts);
    },
    dmsTo(user) {
      return slack.dms(user);
    },
    async startReplica() {
      const replica = await startGpubot(config, memoryLogger(), clock, { timer: false, firestoreEmulator: emulatorKind() });
      replicas.push(replica);
      return replica;
    },
    async stop() {
      for (const replica of replicas) await replica.stop();
      await gpubot.stop();
      // Every e2e test ends here, so this holds across the suite: a box's Jupyter link is its owner's.
      assertNoJupyterLinkInChannels(slack);
      await slack.close();
      await google.close();
      // Whatever a test did, the bot never sent an insert Compute would refuse (a refusal is a person's
      // box failing on the real API); a test about refusals opts out.
      if (options.refusedInsertsExpected !== true) {
        for (const c of [compute, ...[...others.values()].map((o) => o.compute)]) assert.deepEqual(c.refusedInserts(), [], 'the sandbox refused an insert the bot sent');
      }
    },
  };
  return bot;
}

/** Google's notebook proxy, where every Jupyter link of a box points (the sandbox's `proxy-url`s too). */
const JUPYTER_LINK = /notebooks\.googleusercontent\.com/i;

/**
 * No message the bot posted or updated in a channel (an id starting with C or G, as opposed to a DM)
 * carries a Jupyter link: the proxy admits the box's owner alone, and the link goes to them only.
 */
export function assertNoJupyterLinkInChannels(slack: SlackSimulator): void {
  const leaks = slack.calls
    .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
    .filter((c) => /^[CG]/.test(String(c.args.channel ?? '')))
    .filter((c) => JUPYTER_LINK.test(JSON.stringify(c.args)));
  assert.deepEqual(
    leaks.map((c) => `${c.method} to ${String(c.args.channel)}: ${String(c.args.text ?? '')}`),
    [],
    'a Jupyter link was posted in a channel',
  );
}

/** The lines of an admin's `/gpu audit ...` answer (dates and all), one per recorded action. */
export async function auditLines(bot: Bot, args: string): Promise<string[]> {
  const res = await bot.slack.sendCommand({ text: `audit ${args}`, userId: ADMIN, channelId: CHANNEL });
  assert.equal(res.status, 200);
  const blocks = (res.body as { blocks?: { text?: { text?: string } }[] } | null)?.blocks ?? [];
  return blocks.flatMap((b) => (b.text?.text ?? '').split('\n')).filter((l) => l.startsWith('<!date^'));
}

/** The text of an ack or response_url answer. */
/** The value of the `actionId` button on the card of box `name` (the box id the click carries). */
export function buttonValue(bot: Bot, name: string, actionId: string): string {
  const card = bot.card(name);
  assert.ok(card, `card of ${name}`);
  for (const block of card.blocks) {
    for (const el of (block.elements as { action_id?: string; value?: string }[] | undefined) ?? []) {
      if (el.action_id === actionId && el.value !== undefined) return el.value;
    }
  }
  assert.fail(`no ${actionId} button on the card of ${name}: ${JSON.stringify(card.blocks)}`);
}

export function answerText(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'text' in body) return String((body as { text: unknown }).text);
  return typeof body === 'string' ? body : JSON.stringify(body);
}
