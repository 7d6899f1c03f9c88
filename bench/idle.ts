/**
 * One idle pass over N running boxes: the Monitoring reads for every box (through the real `googleapis`
 * client, against a fresh Monitoring sandbox on a local port) and the decision for each box. Counts the
 * Google API calls, which must grow with pages, not with boxes.
 *
 * `benchIdlePass` measures the whole pass as the leader runs it each tick (`IdleController.run()`): the
 * live boxes read from Firestore, the Monitoring reads, and a transaction per box it warns; it counts
 * the Google API calls and the Firestore documents read and written.
 *
 * Run alone: `tsx bench/idle.ts` prints the Monitoring reads at 100 and 1,000 boxes, with the API's page
 * size and with small pages, then the whole pass at 100 and 1,000 boxes (on its own emulator).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Firestore } from '@google-cloud/firestore';
import { OAuth2Client } from 'google-auth-library';
import { IdleController } from '../src/app/idle-controller.js';
import type { BoxTx, TransactOptions } from '../src/app/ports.js';
import type { Box } from '../src/domain/box.js';
import { DEFAULT_IDLE_THRESHOLDS, judgeIdle, type IdleVerdict } from '../src/domain/idle.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../src/domain/notebook-activity-script.js';
import { MonitoringAdapter } from '../src/gcp/monitoring.js';
import { memoryLogger } from '../src/log.js';
import { startFirestoreEmulator, type EmulatorKind, type RunningEmulator } from '../src/sandbox/firestore-emulator.js';
import { CPU_UTILIZATION_METRIC, GPU_UTILIZATION_METRIC, MonitoringSandbox } from '../src/sandbox/google/monitoring.js';
import { startGoogleSandbox, type GoogleSandbox } from '../src/sandbox/google/server.js';
import { activitySampler } from '../src/sandbox/google/utilization.js';
import { FirestoreBoxStore } from '../src/store/box-store.js';
import { createFirestore } from '../src/store/firestore.js';
import { FirestoreLeaseStore } from '../src/store/lease-store.js';
import { makeBox } from '../test/support/boxes.js';
import { countFirestore, withTimeout, type FirestoreCounts } from './firestore-counter.js';
import { table } from './stats.js';

export type { FirestoreCounts } from './firestore-counter.js';

const PROJECT = 'gpubot-bench';
const MIN = 60_000;
const WINDOW_MS = 60 * MIN;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

export interface IdleBenchOptions {
  /** Points per page; unset: the API's default (100,000). */
  pageSize?: number;
}

export interface IdleBenchResult {
  boxes: number;
  /** Google API calls of the measured pass (one per page). */
  googleCalls: number;
  /** Wall time of the measured pass: the reads and the decision for every box. */
  wallMs: number;
  /** Of which reading Monitoring. */
  readMs: number;
  pageSize: number | null;
  verdicts: Record<IdleVerdict, number>;
}

/**
 * Four kinds of box, in turn: busy GPU, idle, busy kernel, no GPU agent (judged by CPU and notebook).
 * Every box reports its notebook once a minute.
 */
function script(sandbox: MonitoringSandbox, boxes: number): void {
  for (let i = 0; i < boxes; i++) {
    const id = String(5_000_000_000 + i);
    sandbox.setInstance(id, { name: `box-${i}`, zone: i % 2 === 0 ? 'us-central1-a' : 'europe-west4-a', labels: { 'managed-by': 'gpubot', 'gpubot-id': `b${i}` } });
    const busyKernels = i % 4 === 2 ? 1 : 0;
    const reports = [4, 3, 2, 1, 0].map((ago) => NOW - ago * MIN - 10_000);
    sandbox.setSeries(id, BUSY_KERNELS_METRIC, reports.map((at) => ({ at, value: busyKernels })));
    sandbox.setSeries(id, NOTEBOOK_IDLE_SECONDS_METRIC, reports.map((at) => ({ at, value: busyKernels > 0 ? 0 : 3 * 3600 + (at - NOW) / 1000 })));
  }
  sandbox.setSampler((id, metric, at) => {
    const kind = Number(id) % 4;
    if (metric === GPU_UTILIZATION_METRIC) return kind === 3 ? null : kind === 0 ? 60 + ((at / MIN) % 30) : 1;
    if (metric === CPU_UTILIZATION_METRIC) return 0.01;
    return null;
  });
}

export async function benchIdle(boxes: number, options: IdleBenchOptions = {}): Promise<IdleBenchResult> {
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => NOW });
  script(sandbox, boxes);
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'bench' });
  const adapter = new MonitoringAdapter({
    project: PROJECT,
    authClient: auth,
    rootUrl: server.url,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  const policy = { ...DEFAULT_IDLE_THRESHOLDS, windowMs: WINDOW_MS };
  const box = { runningSinceMs: NOW - 5 * 60 * MIN, idleWindowMs: WINDOW_MS };
  try {
    // A warm-up pass (connections, JIT), as a running bot has had; the next pass is measured.
    await adapter.idleSignals(WINDOW_MS, NOW);
    const callsBefore = sandbox.count('timeSeries.list');
    const started = performance.now();
    const signals = await adapter.idleSignals(WINDOW_MS, NOW);
    const readMs = performance.now() - started;
    const verdicts: Record<IdleVerdict, number> = { busy: 0, idle: 0, unknown: 0, exempt: 0 };
    for (let i = 0; i < boxes; i++) verdicts[judgeIdle(signals.get(String(5_000_000_000 + i)) ?? null, policy, box, NOW).state]++;
    const wallMs = performance.now() - started;
    return {
      boxes,
      googleCalls: sandbox.count('timeSeries.list') - callsBefore,
      wallMs: Math.round(wallMs * 10) / 10,
      readMs: Math.round(readMs * 10) / 10,
      pageSize: options.pageSize ?? null,
      verdicts,
    };
  } finally {
    await server.close();
  }
}

// ------------------------------------------------------------------------------------------------ the whole pass

export interface IdlePassOptions {
  /** host:port of a running emulator; unset: one is started for the pass and stopped after it. */
  firestoreHost?: string;
  /** Points per Monitoring page; unset: the API's default (100,000). */
  pageSize?: number;
  /** The pass (seeding included) fails after this long. */
  timeoutMs?: number;
}

export interface IdlePassResult {
  boxes: number;
  pageSize: number | null;
  /** Google API calls of the pass, as the adapter counted them (one per page). */
  googleCalls: number;
  /** The same calls, as the Monitoring sandbox recorded them. */
  sandboxCalls: number;
  firestore: FirestoreCounts;
  /** Wall time of `IdleController.run()`: reads, decisions, and a transaction per box that changed. */
  wallMs: number;
  /** Of which in the store's transactions (one per warned box, one after another). */
  transactMs: number;
  judged: number;
  warned: number;
  stopped: number;
  /** How many boxes the sampler made idle (the rest are busy on their GPU). */
  scriptedIdle: number;
  emulator: EmulatorKind | 'given';
}

/** A ready, running box on its instance, started five hours before NOW. */
function readyBox(i: number, instanceId: string): Box {
  const ago = (m: number): number => NOW - m * MIN;
  return makeBox({
    id: `bench${String(i).padStart(5, '0')}`,
    name: `box-${i}`,
    owner: `U0BENCH${String(i % 20).padStart(2, '0')}`,
    instanceId,
    history: [
      { status: 'requested', at: ago(306) },
      { status: 'creating', at: ago(305), note: 'us-central1-a' },
      { status: 'booting', at: ago(304) },
      { status: 'ready', at: ago(300) },
    ],
    createdAt: ago(306),
    updatedAt: ago(300),
  });
}

/**
 * One `IdleController.run()` over `boxes` ready boxes, as the leader runs it each tick: the real
 * Monitoring adapter against the Monitoring sandbox (half the boxes idle for three hours, half busy on
 * their GPU), the real Firestore box store on a fresh emulator project, with the worker lease's fence.
 */
export async function benchIdlePass(boxes: number, options: IdlePassOptions = {}): Promise<IdlePassResult> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const open: { emulator?: RunningEmulator; server?: GoogleSandbox; db?: Firestore } = {};
  try {
    return await withTimeout(`the idle pass over ${boxes} boxes`, timeoutMs, (async () => {
      let host = options.firestoreHost;
      if (host === undefined) {
        open.emulator = await startFirestoreEmulator({ onNote: (line) => console.log(line) });
        host = open.emulator.host;
      }
      const clock = { now: () => NOW };
      const ids = Array.from({ length: boxes }, (_, i) => String(7_000_000_000 + i));
      const idle = new Set(ids.filter((_, i) => i % 2 === 1));
      const sandbox = new MonitoringSandbox({ project: PROJECT, now: clock.now });
      ids.forEach((id, i) => sandbox.setInstance(id, { name: `box-${i}`, zone: 'us-central1-a', labels: { 'managed-by': 'gpubot', 'gpubot-id': `bench${i}` } }));
      sandbox.setSampler(activitySampler((id) => (idle.has(id) ? 'idle' : 'gpu-busy'), NOW - 3 * 60 * MIN));
      const server = await startGoogleSandbox({ handlers: [sandbox] });
      open.server = server;
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: 'bench' });
      const adapter = new MonitoringAdapter({
        project: PROJECT,
        authClient: auth,
        rootUrl: server.url,
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      });

      const db = createFirestore({ projectId: `gpubot-idle-${randomBytes(4).toString('hex')}`, emulatorHost: host });
      open.db = db;
      const counter = countFirestore(db);
      const store = new FirestoreBoxStore(db, clock);
      let transactMs = 0;
      const transact = store.transact.bind(store);
      store.transact = (async (o: TransactOptions, work: (tx: BoxTx) => Promise<unknown>) => {
        const t0 = performance.now();
        try {
          return await transact(o, work);
        } finally {
          transactMs += performance.now() - t0;
        }
      }) as typeof store.transact;
      // Seeding: the store's own transactions, 50 at a time.
      for (let i = 0; i < boxes; i += 50) {
        await Promise.all(
          ids.slice(i, i + 50).map((id, k) => {
            const box = readyBox(i + k, id);
            return store.transact({ lockKeys: [box.id] }, async (tx) => tx.putBox(box));
          }),
        );
      }
      const fence = await new FirestoreLeaseStore(db, clock).acquire('worker', 'bench-replica', 3_600_000);
      if (fence === null) throw new Error('could not take the worker lease on a fresh project');
      const controller = new IdleController({
        signals: adapter,
        store,
        clock,
        log: memoryLogger(),
        policy: { gpuBelowPercent: DEFAULT_IDLE_THRESHOLDS.gpuBelowPercent, cpuBelowFraction: DEFAULT_IDLE_THRESHOLDS.cpuBelowFraction, defaultWindowMs: WINDOW_MS },
        graceMs: 15 * MIN,
        maxKeepMs: 8 * 60 * MIN,
      });

      // Warm-up without side effects (connections, JIT, the emulator's indexes), as a running bot has had.
      await adapter.idleSignals(WINDOW_MS, NOW);
      await store.liveBoxes();
      const adapterCalls = (): number => [...adapter.callCounts.values()].reduce((a, b) => a + b, 0);
      const adapterBefore = adapterCalls();
      const sandboxBefore = sandbox.count();
      counter.reset();
      transactMs = 0;
      const started = performance.now();
      const report = await controller.run(fence);
      const wallMs = performance.now() - started;
      return {
        boxes,
        pageSize: options.pageSize ?? null,
        googleCalls: adapterCalls() - adapterBefore,
        sandboxCalls: sandbox.count() - sandboxBefore,
        firestore: { ...counter.counts },
        wallMs: Math.round(wallMs * 10) / 10,
        transactMs: Math.round(transactMs * 10) / 10,
        judged: report.judged,
        warned: report.warned,
        stopped: report.stopped,
        scriptedIdle: idle.size,
        emulator: open.emulator?.kind ?? 'given',
      };
    })());
  } finally {
    await open.db?.terminate().catch(() => undefined);
    await open.server?.close().catch(() => undefined);
    await open.emulator?.stop().catch(() => undefined);
  }
}

/** The pass as table rows (bench/run.ts prints the same). */
export function idlePassRows(rows: readonly IdlePassResult[]): string[][] {
  return rows.map((r) => [
    r.boxes.toLocaleString('en-US'),
    r.pageSize === null ? 'API default' : r.pageSize.toLocaleString('en-US'),
    String(r.googleCalls),
    String(r.sandboxCalls),
    String(r.firestore.docsRead),
    String(r.firestore.docsWritten),
    `${r.firestore.queries}/${r.firestore.gets}/${r.firestore.commits}`,
    r.wallMs.toFixed(0),
    r.transactMs.toFixed(0),
    `${r.judged}/${r.warned}/${r.stopped}`,
  ]);
}

export const IDLE_PASS_HEADERS = ['boxes', 'page (points)', 'Google calls', 'sandbox saw', 'Firestore docs read', 'docs written', 'queries/gets/commits', 'wall ms', 'of which tx ms', 'judged/warned/stopped'];

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows: IdleBenchResult[] = [];
  for (const pageSize of [undefined, 5_000]) {
    for (const boxes of [100, 1_000]) rows.push(await benchIdle(boxes, pageSize === undefined ? {} : { pageSize }));
  }
  console.log('idle pass: one read per metric (GPU, CPU, busy kernels, notebook idle), paged; the decision for every box');
  console.table(
    rows.map((r) => ({
      boxes: r.boxes,
      'page size (points)': r.pageSize ?? 'API default',
      'Google calls': r.googleCalls,
      'wall ms': r.wallMs,
      'read ms': r.readMs,
      busy: r.verdicts.busy,
      idle: r.verdicts.idle,
      unknown: r.verdicts.unknown,
    })),
  );
  const emulator = await startFirestoreEmulator({ onNote: (line) => console.log(line) });
  try {
    // A first, unreported pass warms the emulator's JVM, as bench/run.ts's warm-up does.
    await benchIdlePass(100, { firestoreHost: emulator.host });
    const passes: IdlePassResult[] = [];
    for (const [boxes, pageSize] of [[100, undefined], [1_000, undefined], [1_000, 5_000]] as const) {
      passes.push(await benchIdlePass(boxes, { firestoreHost: emulator.host, ...(pageSize !== undefined ? { pageSize } : {}) }));
    }
    console.log(`\nidle pass, whole: IdleController.run() with the lease's fence; half the boxes idle 3 h, half busy; Firestore: ${emulator.kind} emulator`);
    console.log(table(IDLE_PASS_HEADERS, idlePassRows(passes)));
  } finally {
    await emulator.stop();
  }
  process.exit(0);
}
