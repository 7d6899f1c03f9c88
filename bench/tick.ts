/**
 * One whole worker tick of gpubot as built, over 1,000 ready boxes and 500 running training jobs, and
 * its resident memory after it (issue 13, item 5: "one worker tick" and "memory").
 *
 * The benchmark hosts what gpubot talks to: Compute (1,000 RUNNING VMs labelled as the boxes' own),
 * Monitoring (half the boxes idle for three hours, half busy on their GPU), Vertex AI (500 running jobs
 * over 3 regions, every 50th just succeeded), the Billing catalog, the Slack simulator and Firestore (a
 * fresh project, seeded with the records as a running bot leaves them: cards shown, nothing pending).
 * gpubot runs as a child process (bench/tick-child.ts, plain JavaScript over dist/) started from the
 * environment without its timer, so each tick is one the benchmark asked for:
 *
 * - tick 1: what changed since the last tick is the idle half (warned: the box and two notices each)
 *   and the 10 jobs that ended (the job and two notices each); the notifier then delivers what it may
 *   in one pass (50 cards, its notices per pass);
 * - tick 2: right after, nothing new in the cloud; the writes are what tick 1 left to deliver.
 *
 * Run alone: `tsx bench/tick.ts` (builds dist/ first unless --no-build; starts its own emulator).
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box } from '../src/domain/box.js';
import { isJobOver, type Job } from '../src/domain/job.js';
import { planJob } from '../src/domain/job-plan.js';
import { customJobBody } from '../src/gcp/vertex-bodies.js';
import { startFirestoreEmulator, type RunningEmulator } from '../src/sandbox/firestore-emulator.js';
import { BillingSandbox } from '../src/sandbox/google/billing.js';
import { ComputeSandbox } from '../src/sandbox/google/compute.js';
import { MonitoringSandbox } from '../src/sandbox/google/monitoring.js';
import { startGoogleSandbox, type GoogleSandbox } from '../src/sandbox/google/server.js';
import { activitySampler } from '../src/sandbox/google/utilization.js';
import { VertexSandbox } from '../src/sandbox/google/vertex.js';
import { SlackSimulator } from '../src/sandbox/slack/web-api-server.js';
import { BOXES } from '../src/store/box-store.js';
import { createFirestore } from '../src/store/firestore.js';
import { JOBS } from '../src/store/job-store.js';
import { makeBox } from '../test/support/boxes.js';
import { trainingRequest } from './jobs.js';
import { killAllNow, runToEnd, stopChild } from './processes.js';
import { table } from './stats.js';
import type { ChildMessage, ParentMessage, TickReport } from './tick-child.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIN = 60_000;
const CHANNEL = 'C0BENCH';
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const BOT_TOKEN = 'xoxb-bench-000000000000-abcdefabcdef';
const REGIONS = ['us-central1', 'europe-west4', 'asia-east1'];
const FINISH_EVERY = 50;
const user = (i: number): string => `U0BENCH${String(i % 20).padStart(2, '0')}`;

/** The targets of issue 13: a tick under 2 s, resident memory after it under 200 MB. */
export const TICK_TARGET_MS = 2_000;
export const RSS_TARGET_MB = 200;

export interface WorkerTickResult {
  boxes: number;
  jobs: number;
  /** Boxes the sampler made idle (the tick must warn each once); jobs that just ended in Vertex AI. */
  idleBoxes: number;
  endedJobs: number;
  ticks: TickReport[];
  /** Resident set of the child once started, before any tick, bytes. */
  rssAtStart: number;
  /** Resident set before the Google clients were built, and the time building them took (once per process, before the first tick). */
  rssBeforeClients: number;
  clientsLoadMs: number;
  /** Firestore documents in the seeded project after each tick, by collection (notices and boxes written). */
  noticesAfter: number[];
}

/** The child, transpiled to plain JavaScript so that no TypeScript loader sits in its memory. */
async function childSource(): Promise<string> {
  const { default: ts } = await import('typescript');
  const source = readFileSync(join(ROOT, 'bench', 'tick-child.ts'), 'utf8');
  return ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

function seedJobs(vertex: VertexSandbox, jobs: number, now: number): { records: Job[]; finishing: number } {
  const request = trainingRequest();
  const records: Job[] = [];
  let finishing = 0;
  for (let i = 0; i < jobs; i++) {
    const id = `benchjob${String(i).padStart(5, '0')}`;
    const region = REGIONS[i % REGIONS.length] ?? 'us-central1';
    const named = { ...request, name: `bench_job_${i}`, region };
    const planned = planJob(named, { owner: user(i), jobId: id, defaultRegion: 'us-central1' });
    const createdAt = now - 10 * MIN;
    const seeded = vertex.seed(region, customJobBody(planned.plan), { createdAt });
    const vertexJobId = seeded.name.slice(seeded.name.lastIndexOf('/') + 1);
    if (i % FINISH_EVERY === FINISH_EVERY - 1) {
      vertex.script(vertexJobId, { succeedAfterPolls: 1 });
      finishing++;
    }
    const startTime = vertex.job(vertexJobId)?.startTime;
    if (startTime === undefined) throw new Error('a sandbox job is not running after ten minutes');
    records.push({
      id,
      name: named.name,
      owner: user(i),
      channel: CHANNEL,
      region,
      request: named,
      plan: planned.plan,
      desired: 'running',
      status: 'running',
      vertexJobId,
      failure: null,
      createdAt: createdAt - MIN,
      startedAt: Date.parse(startTime),
      endedAt: null,
      updatedAt: createdAt + 2 * MIN,
      rev: 3,
    });
  }
  return { records, finishing };
}

/** Posts `n` card messages as the bot (chat.postMessage), 20 at a time; returns their ts in order. */
async function postCards(apiUrl: string, n: number): Promise<string[]> {
  const out: string[] = new Array<string>(n).fill('');
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const res = await fetch(new URL('chat.postMessage', apiUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: CHANNEL, text: `card ${i}` }),
      });
      const body = (await res.json()) as { ok?: boolean; ts?: string; error?: string };
      if (body.ok !== true || body.ts === undefined) throw new Error(`could not post a card: ${body.error ?? res.status}`);
      out[i] = body.ts;
    }
  };
  await Promise.all(Array.from({ length: 20 }, lane));
  return out;
}

export async function benchWorkerTick(options: { boxes?: number; jobs?: number; firestoreHost?: string; log?: (line: string) => void } = {}): Promise<WorkerTickResult> {
  const boxes = options.boxes ?? 1_000;
  const jobs = options.jobs ?? 500;
  const say = options.log ?? (() => undefined);
  const project = `gpubot-tick-${randomBytes(3).toString('hex')}`;
  const open: { emulator?: RunningEmulator; google?: GoogleSandbox; sim?: SlackSimulator; child?: ChildProcess } = {};
  try {
    const host = options.firestoreHost ?? (open.emulator = await startFirestoreEmulator({ onNote: say })).host;
    const now = Date.now();
    const compute = new ComputeSandbox({ project });
    const monitoring = new MonitoringSandbox({ project });
    const vertex = new VertexSandbox({ project, stepMs: MIN, maxPageSize: 100, defaultScript: { succeedAfterPolls: 1_000_000 } });
    const records: Box[] = [];
    const idle = new Set<string>();
    for (let i = 0; i < boxes; i++) {
      const id = `bench${String(i).padStart(5, '0')}`;
      const name = `box-${i}`;
      const zone = 'us-central1-a';
      const vm = compute.consoleCreate({ zone, name, machineType: 'n1-standard-8', acceleratorType: 'nvidia-tesla-t4', labels: { 'managed-by': 'gpubot', 'gpubot-id': id }, createdAt: now - 305 * MIN });
      monitoring.setInstance(vm.id, { name, zone, labels: { 'managed-by': 'gpubot', 'gpubot-id': id } });
      if (i % 2 === 1) idle.add(vm.id);
      const ago = (m: number): number => now - m * MIN;
      records.push(
        makeBox({
          id,
          name,
          owner: user(i),
          channel: CHANNEL,
          instanceId: vm.id,
          zone,
          jupyterUrl: null,
          history: [
            { status: 'requested', at: ago(306) },
            { status: 'creating', at: ago(305), note: zone },
            { status: 'booting', at: ago(304) },
            { status: 'ready', at: ago(300) },
          ],
          createdAt: ago(306),
          updatedAt: ago(300),
        }),
      );
    }
    monitoring.setSampler(activitySampler((id) => (idle.has(id) ? 'idle' : 'gpu-busy'), now - 3 * 60 * MIN));
    const { records: jobRecords, finishing } = seedJobs(vertex, jobs, now);
    open.google = await startGoogleSandbox({ handlers: [compute, monitoring, vertex, new BillingSandbox()] });
    const users = Array.from({ length: 20 }, (_, i) => ({ id: user(i) }));
    open.sim = await new SlackSimulator({ signingSecret: SIGNING_SECRET, botToken: BOT_TOKEN, channels: { [CHANNEL]: 'ml-team' }, users }).start();

    // Firestore as a running bot leaves it: every card shown (its message exists), nothing pending.
    const db = createFirestore({ projectId: project, emulatorHost: host });
    // Each card is a real message in the simulator, so the notices thread under it as they would.
    const cards = await postCards(open.sim.apiUrl, records.length + jobRecords.length);
    const cardOf = (i: number): { channel: string; ts: string } => ({ channel: CHANNEL, ts: cards[i] ?? '' });
    for (let i = 0; i < records.length; i += 400) {
      const batch = db.batch();
      records.slice(i, i + 400).forEach((box, k) => batch.set(db.collection(BOXES).doc(box.id), { ...box, live: true, cardStale: false, card: cardOf(i + k) }));
      await batch.commit();
    }
    for (let i = 0; i < jobRecords.length; i += 400) {
      const batch = db.batch();
      jobRecords.slice(i, i + 400).forEach((job, k) => batch.set(db.collection(JOBS).doc(job.id), { ...job, live: !isJobOver(job), cardStale: false, card: cardOf(records.length + i + k) }));
      await batch.commit();
    }

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      GPUBOT_BENCH_ROOT: ROOT,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: open.sim.apiUrl,
      GOOGLE_CLOUD_PROJECT: project,
      GCP_ENDPOINT: open.google.url,
      FIRESTORE_EMULATOR_HOST: host,
      PORT: '0',
      METADATA_SERVER_DETECTION: 'none',
      ...(process.env.GPUBOT_BENCH_CPU_PROFILE !== undefined ? { GPUBOT_BENCH_CPU_PROFILE: process.env.GPUBOT_BENCH_CPU_PROFILE } : {}),
      ...(process.env.GPUBOT_BENCH_HEAP_SNAPSHOT !== undefined ? { GPUBOT_BENCH_HEAP_SNAPSHOT: process.env.GPUBOT_BENCH_HEAP_SNAPSHOT } : {}),
      // Settings the image may carry, passed on to measure what they do (the process's memory allocator's arenas, node's flags).
      ...(process.env.MALLOC_ARENA_MAX !== undefined ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      ...(process.env.NODE_OPTIONS !== undefined ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
    };
    // GPUBOT_BENCH_NODE_FLAGS: node flags for the gpubot child (as the image's CMD would pass them), to measure what they do.
    const flags = (process.env.GPUBOT_BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', await childSource()], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    open.child = child;
    const next = (): Promise<ChildMessage> =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`the gpubot child exited (${String(code)})`));
        child.once('exit', onExit);
        child.once('message', (message: ChildMessage) => {
          child.off('exit', onExit);
          resolve(message);
        });
      });
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(`gpubot did not start: ${ready.type === 'failed' ? ready.message : ready.type}`);
    const ticks: TickReport[] = [];
    const noticesAfter: number[] = [];
    for (let i = 0; i < 2; i++) {
      child.send({ type: 'tick' } satisfies ParentMessage);
      const report = await next();
      if (report.type !== 'tick') throw new Error(`tick ${i + 1} failed: ${report.type === 'failed' ? report.message : report.type}`);
      ticks.push(report);
      noticesAfter.push((await db.collection('notices').count().get()).data().count);
    }
    await db.terminate();
    return { boxes, jobs, idleBoxes: idle.size, endedJobs: finishing, ticks, rssAtStart: ready.rss, rssBeforeClients: ready.rssBeforeClients, clientsLoadMs: ready.clientsLoadMs, noticesAfter };
  } finally {
    if (open.child !== undefined) {
      if (open.child.connected) open.child.send({ type: 'stop' } satisfies ParentMessage);
      await stopChild(open.child, 10_000);
    }
    await open.sim?.close().catch(() => undefined);
    await open.google?.close().catch(() => undefined);
    await open.emulator?.stop().catch(() => undefined);
  }
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

export const WORKER_TICK_HEADERS = ['tick', 'wall ms', 'cpu ms', 'boxes', 'idle', 'jobs', 'costs', 'notices', 'docs read', 'docs written', 'queries/gets/commits', 'RSS MB', 'heap MB', 'heap total MB', 'external MB', 'errors'];

export function workerTickRows(result: WorkerTickResult): string[][] {
  return result.ticks.map((t, i) => [
    String(i + 1),
    t.wallMs.toFixed(0),
    t.cpuMs.toFixed(0),
    ...['boxes', 'idle', 'jobs', 'costs', 'notices'].map((s) => (t.steps[s] === undefined ? '-' : String(t.steps[s]))),
    String(t.firestore.docsRead),
    String(t.firestore.docsWritten),
    `${t.firestore.queries}/${t.firestore.gets}/${t.firestore.commits}`,
    mb(t.rss),
    mb(t.heapUsed),
    mb(t.heapTotal),
    mb(t.external),
    String(t.errors),
  ]);
}

/** The figures the issue asks for, with their verdicts: tick 1's time, and the resident set after it. */
export function workerTickVerdict(result: WorkerTickResult): { tickMs: number; tickPass: boolean; rssMb: number; rssPass: boolean } {
  const first = result.ticks[0];
  const tickMs = first?.wallMs ?? Number.NaN;
  const rssMb = (first?.rss ?? Number.NaN) / 1024 / 1024;
  return { tickMs, tickPass: tickMs < TICK_TARGET_MS, rssMb, rssPass: rssMb < RSS_TARGET_MB };
}

export function printWorkerTick(result: WorkerTickResult, say: (line: string) => void): void {
  say(
    `Worker tick: gpubot (node dist/, its own wiring) over ${result.boxes.toLocaleString('en-US')} ready boxes (${result.idleBoxes} idle for 3 h, to be warned) and ${result.jobs} running jobs (${result.endedJobs} just ended); step columns in ms; tick 2 follows at once with nothing new in the cloud`,
  );
  say(table(WORKER_TICK_HEADERS, workerTickRows(result)));
  const v = workerTickVerdict(result);
  say(`  before tick 1, as the running bot does after its first answer: Google's clients built in ${result.clientsLoadMs.toFixed(0)} ms, resident set ${mb(result.rssBeforeClients)} -> ${mb(result.rssAtStart)} MB`);
  say(`  tick 1 ${v.tickMs.toFixed(0)} ms, target < ${TICK_TARGET_MS} ms: ${v.tickPass ? 'PASS' : 'FAIL'}; resident set after it ${v.rssMb.toFixed(0)} MB (at start ${mb(result.rssAtStart)} MB), target < ${RSS_TARGET_MB} MB: ${v.rssPass ? 'PASS' : 'FAIL'}`);
  const first = result.ticks[0];
  if (first !== undefined) {
    const controllers = ['boxes', 'idle', 'jobs', 'costs'].reduce((sum, step) => sum + (first.steps[step] ?? 0), 0);
    say(`  of tick 1: the controllers (boxes, idle, jobs, costs) ${controllers} ms, the notice delivery (Slack posts, at most 50 cards and 100 notices a pass) ${first.steps.notices ?? '-'} ms`);
  }
  say(`  notices in Firestore after each tick: ${result.noticesAfter.join(', ')} (tick 1 should add 2 per idle box and 2 per ended job: ${2 * result.idleBoxes + 2 * result.endedJobs})`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.on('exit', killAllNow);
  try {
    if (!process.argv.includes('--no-build')) {
      const built = await runToEnd(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, timeoutMs: 300_000 });
      if (built.code !== 0) throw new Error(`the build failed:\n  ${built.output.slice(-20).join('\n  ')}`);
    }
    const result = await benchWorkerTick({ log: (line) => console.log(line) });
    printWorkerTick(result, (line) => console.log(line));
    process.exit(0);
  } catch (error) {
    console.error(error);
    process.exit(1);
  }
}
