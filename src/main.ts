/**
 * Composition root: config -> adapters -> use cases -> Slack app + worker. The only module that wires
 * concrete things together (besides the sandbox), and the one that owns the process: signals,
 * unhandled rejections, shutdown.
 */
import { randomBytes } from 'node:crypto';
import type { CustomRoute } from '@slack/bolt';
import { OAuth2Client } from 'google-auth-library';
import { googleAuth } from './gcp/auth.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { Clock } from './app/ports.js';
import type { Box } from './domain/box.js';
import { BoxCommands } from './app/box-commands.js';
import { BoxController } from './app/box-controller.js';
import { SlackGoogleAccounts } from './slack/google-accounts.js';
import { AuditLog } from './app/audit-log.js';
import { FirestoreAuditStore } from './store/audit-store.js';
import { ComputeAdapter } from './gcp/compute.js';
import { MonitoringAdapter } from './gcp/monitoring.js';
import { BillingAdapter } from './gcp/billing.js';
import { PriceBook } from './app/price-book.js';
import { FirestorePriceStore } from './store/price-store.js';
import { IdleController } from './app/idle-controller.js';
import { CostReports } from './app/cost-reports.js';
import { CostWatch } from './app/cost-watch.js';
import { PolicyGate } from './app/policy-gate.js';
import { JobApprovals } from './app/job-approvals.js';
import { StoppedReminders } from './app/stopped-reminders.js';
import { FirestoreStoppedReminderRun } from './store/stopped-reminder-store.js';
import { JobApprovalNotifier } from './slack/job-approval-notifier.js';
import { FirestoreCostStore } from './store/cost-store.js';
import { formatUsd } from './domain/money.js';
import { JobCommands } from './app/job-commands.js';
import { JobWatcher } from './app/job-watcher.js';
import { VertexAdapter } from './gcp/vertex.js';
import { ComputeBoxAgent } from './gcp/box-agent.js';
import { StagingAdapter } from './gcp/staging.js';
import { perProject } from './gcp/projects.js';
import { Teams } from './app/teams.js';
import { TeamBudgetGate } from './app/team-budget.js';
import { FirestoreTeamStore } from './store/team-store.js';
import { BoxJobs } from './app/box-jobs.js';
import { BoxJobController } from './app/box-job-controller.js';
import { DEFAULT_PACKAGE_LIMIT_BYTES } from './domain/box-agent-script.js';
import { FirestoreJobStore } from './store/job-store.js';
import { JobNotifier } from './slack/job-notifier.js';
import { createFirestore } from './store/firestore.js';
import { FirestorePolicyStore } from './store/policy-store.js';
import { FirestoreBoxStore } from './store/box-store.js';
import { FirestoreLeaseStore, WORKER_LEASE } from './store/lease-store.js';
import { FirestoreNoticeStore } from './store/notice-store.js';
import { FirestoreCardClaimStore } from './store/card-claim-store.js';
import { createSlackApp, type SlackApp, type SlackConnection } from './slack/app.js';
import { SlackNotifier } from './slack/box-notifier.js';
import { Worker } from './worker/worker.js';
import { healthRoute } from './worker/health-route.js';
import { tickRoute } from './worker/tick-route.js';
import { firstAnswerOrDelay } from './worker/first-tick.js';
import type { Embedded } from './sandbox/embedded.js';

const REGIONS = ['us-central1', 'us-east1', 'us-west1', 'europe-west4', 'asia-east1'];

export interface Running {
  port: number;
  worker: Worker;
  /** Settles once the first price table is loaded (or has failed over to the bundled one). */
  pricesReady: Promise<void>;
  /** Builds the Google clients the worker uses now; with the timer on, the worker does so before its first tick. */
  loadClients(): Promise<void>;
  stop(): Promise<void>;
}

function newJobId(): string {
  // Lowercase letters and digits only: the id is also the job's `gpubot-id` label value.
  return 'j' + randomBytes(8).toString('hex').slice(0, 11);
}

function newBoxId(): string {
  // Lowercase letters and digits only: the id is also a label value on the VM.
  return 'b' + randomBytes(8).toString('hex').slice(0, 11);
}

/** Starts everything the configuration asks for; returns a handle that stops it all. */
export interface StartOptions {
  /** false: no timer; ticks run only through POST /tasks/tick or `worker.tick()` (tests drive them). */
  timer?: boolean;
  /**
   * Which Firestore emulator FIRESTORE_EMULATOR_HOST names, told by whoever started it (the tests): the
   * in-process npm one (`lite`) ignores preconditions, and the box store must not lean on them there.
   * The embedded default knows its own; unset means Firestore or its official emulator.
   */
  firestoreEmulator?: 'official' | 'lite';
}

export async function startGpubot(
  config: Config,
  log: Logger,
  clock: Clock = { now: () => Date.now() },
  options: StartOptions = {},
): Promise<Running> {
  for (const warning of config.warnings) log.warn(warning);

  let embedded: Embedded | null = null;
  if (config.slack.kind === 'console' || config.cloud.kind === 'sandbox' || config.firestore.kind === 'embedded') {
    const { startEmbedded } = await import('./sandbox/embedded.js');
    embedded = await startEmbedded(config, log, clock);
  }

  const project = config.cloud.project;
  const firestore =
    config.firestore.kind === 'emulator'
      ? createFirestore({ projectId: config.firestore.project, emulatorHost: config.firestore.host })
      : config.firestore.kind === 'real'
        ? createFirestore({ projectId: config.firestore.project, databaseId: config.firestore.databaseId })
        : createFirestore({ projectId: config.firestore.project, emulatorHost: embedded?.firestoreHost ?? '' });

  const endpoint = config.cloud.kind === 'endpoint' ? config.cloud.endpoint : config.cloud.kind === 'sandbox' ? (embedded?.gcpEndpoint ?? null) : null;
  const auth = await googleAuth(config.cloud);
  // Cheap to build: each adapter loads its Google client library on its first call, which the worker
  // makes after /healthz answers (listeners never call Google), so start-up does not parse them.
  const compute = new ComputeAdapter({ project, authClient: auth, endpoint, clock });
  const monitoring = new MonitoringAdapter({ project, authClient: auth, rootUrl: endpoint });
  // A team's project (`/gpu team`) gets the same adapters, on first use: same auth client, same endpoint.
  const monitoringFor = perProject(project, monitoring, (p) => new MonitoringAdapter({ project: p, authClient: auth, rootUrl: endpoint }));
  const priceBook = new PriceBook({
    catalog: new BillingAdapter({ authClient: auth, rootUrl: endpoint }),
    store: new FirestorePriceStore(firestore, clock),
    clock,
    log: log.child({ component: 'prices' }),
    regions: [config.region],
  });
  const prices = (region: string) => priceBook.prices(region);

  const emulatorKind = config.firestore.kind === 'embedded' ? embedded?.firestoreKind : options.firestoreEmulator;
  const boxStore = new FirestoreBoxStore(firestore, clock, { honoursPreconditions: emulatorKind !== 'lite', auditKeepDays: config.auditKeepDays });
  const jobStore = new FirestoreJobStore(firestore, clock, config.auditKeepDays);
  const audit = new AuditLog({ reader: new FirestoreAuditStore(firestore), policy: { isAdmin: (user) => config.admins.has(user) }, clock });
  const training = new VertexAdapter({ project, authClient: auth, rootUrl: endpoint });
  const trainingFor = perProject(project, training, (p) => new VertexAdapter({ project: p, authClient: auth, rootUrl: endpoint }));
  const noticeStore = new FirestoreNoticeStore(firestore, clock);
  const costStore = new FirestoreCostStore(firestore, clock);
  const pricesOrNone = (region: string) => prices(region).catch(() => undefined);
  const costs = new CostReports({ store: costStore, prices: pricesOrNone, clock, isAdmin: (user) => config.admins.has(user) });
  // The policy (and the budget rule in it) gates boxes and jobs alike, inside their use cases.
  const policyGate = new PolicyGate({
    store: new FirestorePolicyStore(firestore, clock, config.auditKeepDays),
    defaults: config.policy,
    boxesOwnedBy: (owner) => boxStore.boxesOwnedBy(owner, { includeEnded: false, limit: 100 }),
    liveJobsOwnedBy: (owner) => jobStore.liveJobsOwnedBy(owner),
    prices,
    budgetStatus: (month) => costStore.budgetStatus(month),
    clock,
    admins: [...config.admins].sort(),
    usd: formatUsd,
  });
  const leases = new FirestoreLeaseStore(firestore, clock);
  // `/gpu team`: a channel bound to a project, a region and a budget; its requests go there, and its
  // budget gates them beside the policy.
  const teams = new Teams({ store: new FirestoreTeamStore(firestore, config.auditKeepDays), clock, isAdmin: (user) => config.admins.has(user), admins: [...config.admins].sort() });
  const gate = new TeamBudgetGate({ gate: policyGate, teams, costs: costStore, prices: pricesOrNone, clock, admins: [...config.admins].sort(), usd: formatUsd });

  let worker: Worker | null = null;
  const boxes = new BoxCommands({
    store: boxStore,
    policy: { isAdmin: (user) => config.admins.has(user) },
    clock,
    nudge: { nudge: () => worker?.nudge() },
    newId: newBoxId,
    defaultRegion: config.region,
    minDiskGb: config.minDiskGb,
    maxDiskGb: config.maxDiskGb,
    gate,
    teams,
    project,
    admins: config.admins,
    idle: {
      defaultWindowMs: config.idleAfterMs,
      maxWindowMs: config.idle.maxWindowMs,
      offAllowed: config.idle.offAllowed,
      maxKeepMs: config.idle.maxKeepMs,
      maxRunningMs: config.idle.maxRunningMs,
    },
  });

  const jobs = new JobCommands({
    store: jobStore,
    policy: { isAdmin: (user) => config.admins.has(user) },
    clock,
    nudge: { nudge: () => worker?.nudge() },
    newId: newJobId,
    gate,
    teams,
    project,
    defaultRegion: config.region,
    resubmitFromBox: (asker, job) => boxJobs.resubmit(asker, job),
  });

  // `/train --from-box`: the box's agent through Compute, the code and outputs in the staging bucket.
  const boxJobs = new BoxJobs({
    jobs: jobStore,
    boxes: boxStore,
    policy: { isAdmin: (user) => config.admins.has(user) },
    gate,
    clock,
    nudge: { nudge: () => worker?.nudge() },
    newId: newJobId,
    bucket: config.stagingBucket,
    teams,
    project,
  });

  const stoppedReminders = new StoppedReminders({
    boxes: boxStore,
    run: new FirestoreStoppedReminderRun(firestore),
    clock,
    log: log.child({ component: 'stopped-reminders' }),
    policy: async () => (await policyGate.current()).policy,
    auth: { isAdmin: (user) => config.admins.has(user) },
    prices: pricesOrNone,
  });
  const jobApprovals = new JobApprovals({ store: jobStore, policy: { isAdmin: (user) => config.admins.has(user) }, clock, nudge: { nudge: () => worker?.nudge() }, admins: config.admins });

  const connection: SlackConnection =
    config.slack.kind === 'http'
      ? config.slack
      : config.slack.kind === 'socket'
        ? { kind: 'socket', appToken: config.slack.appToken, botToken: config.slack.botToken, apiUrl: config.slack.apiUrl }
        : { kind: 'http', ...(embedded?.slack ?? { signingSecret: '', botToken: '', apiUrl: null }) };

  let ready = false;
  const routes: CustomRoute[] = [
    {
      path: '/healthz',
      method: ['GET'],
      handler: healthRoute({ ready: () => ready, leader: () => worker?.isLeader ?? false, stuckStep: () => worker?.stuckStep() ?? null }),
    },
    {
      path: '/tasks/tick',
      method: ['POST'],
      handler: tickRoute(
        {
          secret: config.tickSecret,
          verifyOidc: config.tickOidcAudience === null ? null : oidcVerifier(config.tickOidcAudience, config.tickOidcServiceAccount),
        },
        () => (worker ? worker.tick() : Promise.resolve(null)),
        log,
      ),
    },
  ];

  // `/gpu doctor`: built on first use, after the ack, so neither start-up nor a listener loads its modules.
  let slackClient: SlackApp['app']['client'] | null = null;
  const doctor = {
    isAdmin: (user: string) => config.admins.has(user),
    run: async () => {
      const { createDoctor } = await import('./doctor-cli.js');
      return (await createDoctor(config, { authClient: auth, rootUrl: endpoint, slackClient, teamProjects: () => teams.boundProjects() })).run();
    },
  };
  const { app, drain } = createSlackApp({
    connection,
    port: config.port,
    routes,
    log,
    deps: { boxes, jobs, boxJobs, log, clock, project, region: config.region, regions: [...new Set([config.region, ...REGIONS])], prices, costs, budgets: config.budgets, doctor, audit, policy: policyGate, isAdmin: (user) => config.admins.has(user), jobApprovals, stoppedReminders, teams, teamSpend: (team) => gate.spentThisMonth(team) },
  });
  slackClient = app.client;

  const controller = new BoxController({
    compute,
    store: boxStore,
    clock,
    log: log.child({ component: 'box-controller' }),
    plan: {
      network: config.network,
      subnetwork: config.subnetwork,
      subnetworksByRegion: config.subnetworksByRegion,
      externalIp: config.externalIp,
      serviceAccount: config.boxServiceAccount,
      jupyterAccess: config.jupyterAccess,
    },
    accounts: new SlackGoogleAccounts(app.client, config.googleAccounts),
    project,
    computeFor: (p) => compute.forProject(p),
    boundProjects: () => teams.boundProjects(),
    lease: { holds: (fence) => leases.holds(WORKER_LEASE, fence) },
  });
  const idleController = new IdleController({
    signals: monitoring,
    signalsFor: monitoringFor,
    project,
    store: boxStore,
    clock,
    log: log.child({ component: 'idle' }),
    policy: { gpuBelowPercent: config.idle.gpuBelowPercent, cpuBelowFraction: config.idle.cpuBelowFraction, defaultWindowMs: config.idleAfterMs, maxRunningMs: config.idle.maxRunningMs },
    graceMs: config.idleGraceMs,
    maxKeepMs: config.idle.maxKeepMs,
  });
  const holder = `replica-${randomBytes(4).toString('hex')}`;
  const boxAgent = new ComputeBoxAgent(compute, project);
  const boxJobController = new BoxJobController({
    agent: boxAgent,
    agentFor: perProject(project, boxAgent, (p) => new ComputeBoxAgent(compute.forProject(p), p)),
    project,
    staging: new StagingAdapter({ authClient: auth, rootUrl: endpoint }),
    jobs: jobStore,
    boxes: boxStore,
    clock,
    log: log.child({ component: 'box-jobs' }),
    answerWithinMs: config.agentTimeoutMs,
    maxPackageBytes: DEFAULT_PACKAGE_LIMIT_BYTES,
  });
  const jobWatcher = new JobWatcher({ training, trainingFor, store: jobStore, clock, log: log.child({ component: 'job-watcher' }), project });
  const cardClaims = new FirestoreCardClaimStore(firestore, clock);
  const notifier = new SlackNotifier({
    client: app.client,
    boxes: boxStore,
    notices: noticeStore,
    clock,
    log: log.child({ component: 'notifier' }),
    project,
    admins: config.admins,
    adminChannel: config.adminChannel,
    holder,
    claims: cardClaims,
    prices,
    jobs: new JobNotifier({ client: app.client, jobs: jobStore, notices: noticeStore, clock, log: log.child({ component: 'job-notifier' }), project, holder, claims: cardClaims, prices }),
    jobApprovals: new JobApprovalNotifier({ client: app.client, jobs: jobStore, notices: noticeStore, clock, log: log.child({ component: 'job-approvals' }), holder, admins: config.admins, adminChannel: config.adminChannel, prices }),
  });
  const costWatch = new CostWatch({
    store: costStore,
    prices: pricesOrNone,
    clock,
    log: log.child({ component: 'costs' }),
    digest: config.digest,
    budgets: config.budgets,
  });
  /** The live boxes as this tick's box pass left them, for its idle pass (read once per tick, not twice). */
  let liveAfterBoxPass: Box[] | null = null;
  let liveForReminders: Box[] | null = null;
  worker = new Worker({
    leases,
    holder,
    log: log.child({ component: 'worker' }),
    intervalMs: config.tickIntervalMs,
    busyIntervalMs: Math.min(2000, config.tickIntervalMs),
    steps: [
      {
        name: 'boxes',
        run: async (fence) => {
          liveAfterBoxPass = null;
          liveForReminders = null;
          const report = await controller.reconcileAll(fence);
          liveAfterBoxPass = report.live;
          liveForReminders = report.live;
          return report.inFlight > 0;
        },
      },
      {
        name: 'idle',
        run: async (fence) => {
          // The box pass's snapshot, used once: a tick whose box pass failed reads the boxes itself.
          const live = liveAfterBoxPass ?? undefined;
          liveAfterBoxPass = null;
          return (await idleController.run(fence, live)).stopped > 0;
        },
      },
      // Fast ticks only while a job is about to change; a job running for hours is watched at the usual pace.
      // Before jobs: a box's code packaged this tick is created as a job in the same tick.
      { name: 'box-jobs', run: async (fence) => (await boxJobController.run(fence)).waiting > 0 },
      { name: 'jobs', run: async (fence) => (await jobWatcher.run(fence)).changing > 0 },
      { name: 'costs', run: async (fence) => (await costWatch.run(fence)).digestPosted },
      // Weekly; its notices go out in the notices step of the same tick.
      {
        name: 'stopped-boxes',
        run: async () => {
          // The box pass's snapshot too: a due weekly run read all 1,000 boxes a second time (bench/tick.ts).
          const live = liveForReminders ?? undefined;
          liveForReminders = null;
          return (await stoppedReminders.run(live)) > 0;
        },
      },
      { name: 'notices', run: (fence) => notifier.deliver(fence) },
    ],
  });

  // The first Firestore call opens the gRPC channel (about a second on a cold process); pay it before
  // /healthz says ready rather than inside the first person's 3-second ack.
  await firestore
    .collection('leases')
    .doc('worker')
    .get()
    .catch((error: unknown) => log.warn('Firestore is not reachable yet', { error }));
  let server: unknown;
  try {
    server = await app.start(config.port);
  } catch (error) {
    // Socket Mode starts the routes' HTTP server before it asks Slack for a connection: close what
    // was opened, so the caller can exit rather than run on without Slack.
    await app.stop().catch(() => undefined);
    await compute.close();
    await firestore.terminate().catch(() => undefined);
    await embedded?.stop();
    throw new SlackStartError(error, config.slack.kind);
  }
  // Loaded in the background as soon as requests can come in, so the first /gpu up can quote a price
  // inside its ack; not before, where its Firestore read and catalogue parsing would only delay /healthz.
  const pricesReady = prices(config.region).then(
    () => undefined,
    (error: unknown) => log.warn('prices could not be loaded yet', { error }),
  );
  const address = (server as { address?: () => unknown } | undefined)?.address?.();
  const port = typeof address === 'object' && address !== null && 'port' in address ? Number((address as { port: number }).port) : config.port;
  // Compute's client library is built before the first tick, and both wait for the first answer (or
  // FIRST_TICK_DELAY_MS): building it blocks the process for a second or two (worker/first-tick.ts).
  let stopping = false;
  const loadClients = async (): Promise<void> => {
    await compute.loadClients().catch((error: unknown) => log.warn('the Compute client could not be built yet; the first tick tries again', { error }));
  };
  if (options.timer !== false) {
    void firstAnswerOrDelay(server)
      .then(loadClients)
      .then(() => {
        if (!stopping) worker?.start();
      });
  }
  ready = true;
  log.info('gpubot is up', {
    port,
    slack: config.slack.kind,
    cloud: config.cloud.kind,
    firestore: config.firestore.kind === 'embedded' ? `embedded (${embedded?.firestoreKind ?? '?'})` : config.firestore.kind,
  });
  embedded?.attachConsole(`http://127.0.0.1:${port}/slack/events`);

  const runningWorker = worker;
  return {
    port,
    worker: runningWorker,
    pricesReady,
    loadClients,
    stop: async () => {
      ready = false;
      // A worker not started yet stays so.
      stopping = true;
      // Stop taking requests, let the ones accepted finish, then stop ticking and close the stores.
      await app.stop().catch(() => undefined);
      await drain(8000);
      await runningWorker.stop();
      await pricesReady;
      await compute.close();
      await firestore.terminate().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

/** Slack would not let the app start: the message names the setting to fix where Slack said why. */
export class SlackStartError extends Error {
  constructor(cause: unknown, mode: Config['slack']['kind']) {
    const code = (cause as { data?: { error?: unknown } } | null)?.data?.error;
    const refused = typeof code === 'string' && ['invalid_auth', 'not_authed', 'account_inactive', 'not_allowed_token_type', 'token_revoked'].includes(code);
    const setting = mode === 'socket' ? 'SLACK_APP_TOKEN (an app-level token, xapp-…, with connections:write)' : 'SLACK_BOT_TOKEN';
    super(refused ? `Slack refused ${setting}: ${code}.` : `The Slack app could not start: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'SlackStartError';
  }
}

function oidcVerifier(audience: string, serviceAccount: string | null): (token: string) => Promise<string | null> {
  const client = new OAuth2Client();
  return async (token) => {
    const ticket = await client.verifyIdToken({ idToken: token, audience });
    const payload = ticket.getPayload();
    if (payload?.email === undefined || payload.email_verified !== true) return null;
    if (serviceAccount !== null && payload.email !== serviceAccount) return null;
    return payload.email;
  };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(error.message + '\n');
      process.exit(2);
    }
    throw error;
  }
  // In console mode the terminal belongs to the person: logs go to stderr, warnings and up only.
  const consoleMode = config.slack.kind === 'console';
  const log = createLogger({
    level: consoleMode && config.logLevel === 'info' ? 'warning' : config.logLevel,
    ...(consoleMode ? { write: (line: string) => process.stderr.write(line + '\n') } : {}),
  });
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: reason }));
  process.on('uncaughtException', (error) => {
    log.error('uncaught exception; exiting', { error });
    process.exit(1);
  });
  let running: Running;
  try {
    running = await startGpubot(config, log);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'FIRESTORE_NOT_CONFIGURED') {
      // A missing setting, like a ConfigError: one line saying which, not a stack trace.
      process.stderr.write((error as Error).message + '\n');
      process.exit(2);
    }
    log.error(error instanceof SlackStartError ? error.message : 'gpubot could not start', { error });
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void running.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

const entry = process.argv[1] ?? '';
if (/main\.(ts|js)$/.test(entry)) void main();
