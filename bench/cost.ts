/**
 * `/gpu cost --all --month` over N box records and N/10 training-job records: the use case
 * (CostReports, with the Firestore store against an emulator, not HTTP), timed, with the Firestore
 * documents it read. Records are spread over the last 90 days, so about a third of the ended ones fall
 * in the month; live boxes are always read (a stopped box still pays for its disk), and so are jobs not
 * over yet; ended jobs are read only if they ended in the month.
 *
 * Run alone: `tsx bench/cost.ts` prints 1,000 and 10,000 records. Uses FIRESTORE_EMULATOR_HOST when
 * set, else starts an emulator.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { isLive, type Box, type BoxStatus } from '../src/domain/box.js';
import { isJobOver, type Job } from '../src/domain/job.js';
import { bundledPrices } from '../src/domain/prices.js';
import { CostReports } from '../src/app/cost-reports.js';
import { BOXES } from '../src/store/box-store.js';
import { FirestoreCostStore } from '../src/store/cost-store.js';
import { JOBS } from '../src/store/job-store.js';
import { createFirestore } from '../src/store/firestore.js';
import { startFirestoreEmulator, type RunningEmulator } from '../src/sandbox/firestore-emulator.js';

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const H = 3_600_000;
const DAY = 24 * H;
const USERS = Array.from({ length: 20 }, (_, i) => `U0COST${String(i).padStart(2, '0')}`);
const ADMIN = 'U0COSTADMIN';

export interface CostBenchResult {
  /** Box records. */
  records: number;
  /** Boxes the month's report priced (those that touch the month). */
  boxesInReport: number;
  /** Training-job records beside the boxes (one for every ten boxes). */
  jobRecords: number;
  /** Jobs the month's report lists (those that ran in the month). */
  jobsInReport: number;
  /** Firestore documents billed for the report's reads. */
  documentsRead: number;
  wallMs: number;
  total: number;
}

/** A repeatable sequence, so each run seeds the same records. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function records(n: number): Box[] {
  const rnd = prng(n);
  const out: Box[] = [];
  for (let i = 0; i < n; i++) {
    const created = NOW - Math.floor(rnd() * 90 * DAY);
    const ranFor = Math.floor((1 + rnd() * 7) * H);
    const fate = rnd();
    const history: { status: BoxStatus; at: number }[] = [
      { status: 'requested', at: created },
      { status: 'creating', at: created + 10_000 },
      { status: 'booting', at: created + 60_000 },
      { status: 'ready', at: created + 240_000 },
    ];
    // 80% ended (deleted), 10% stopped with their disk, 10% still running.
    if (fate < 0.9) history.push({ status: 'stopped', at: Math.min(NOW, created + ranFor) });
    if (fate < 0.8) history.push({ status: 'deleted', at: Math.min(NOW, created + ranFor + H) });
    const last = history.at(-1);
    out.push({
      id: `bench${String(i).padStart(6, '0')}`,
      name: `box-${i}`,
      owner: USERS[i % USERS.length] ?? ADMIN,
      channel: 'C0BENCH',
      spec: { gpu: 't4', gpuCount: 1, machineType: 'n1-standard-8', region: 'us-central1', zone: null, diskGb: 200, imageFamily: 'common-cu128-ubuntu-2204-nvidia-570', imageProject: 'deeplearning-platform-release', spot: rnd() < 0.2 },
      desired: last?.status === 'deleted' ? 'deleted' : last?.status === 'stopped' ? 'stopped' : 'running',
      status: last?.status ?? 'ready',
      zone: 'us-central1-a',
      zonesTried: [],
      operation: null,
      jupyterUrl: null,
      failure: null,
      history,
      createdAt: created,
      updatedAt: last?.at ?? created,
      rev: history.length,
    });
  }
  return out;
}

/** One job for every ten boxes: 90% ended after 1 to 12 hours, 10% still running; one to four replicas. */
function jobRecords(n: number): Job[] {
  const rnd = prng(n + 1);
  const out: Job[] = [];
  for (let i = 0; i < n; i++) {
    const created = NOW - Math.floor(rnd() * 90 * DAY);
    const startedAt = created + Math.floor(rnd() * 10 * 60_000);
    const running = rnd() >= 0.9 && NOW - startedAt < 3 * DAY;
    const endedAt = running ? null : Math.min(NOW, startedAt + Math.floor((1 + rnd() * 11) * H));
    const name = `job_${i}`;
    const replicaCount = 1 + Math.floor(rnd() * 4);
    out.push({
      id: `benchjob${String(i).padStart(6, '0')}`,
      name,
      owner: USERS[i % USERS.length] ?? ADMIN,
      channel: 'C0BENCH',
      region: 'us-central1',
      request: { name, region: 'us-central1', pools: [], jobDir: null, labels: {}, from: 'vertex', notes: [] },
      plan: {
        displayName: name,
        labels: {},
        pools: [
          {
            role: 'chief',
            machineType: 'n1-standard-8',
            accelerator: { type: 'NVIDIA_TESLA_T4', count: 1 },
            replicaCount,
            disk: null,
            task: { kind: 'python', executorImageUri: 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-11:latest', packageUris: ['gs://bench/t.tar.gz'], pythonModule: 'trainer.task', args: [] },
          },
        ],
        outputUriPrefix: null,
      },
      desired: 'running',
      status: running ? 'running' : 'succeeded',
      vertexJobId: String(1_000_000 + i),
      failure: null,
      createdAt: created,
      startedAt,
      endedAt,
      updatedAt: endedAt ?? startedAt,
      rev: 3,
    });
  }
  return out;
}

export async function benchCostCommand(n: number, options: { firestoreHost?: string } = {}): Promise<CostBenchResult> {
  let emulator: RunningEmulator | null = null;
  const host = options.firestoreHost ?? process.env.FIRESTORE_EMULATOR_HOST ?? (emulator = await startFirestoreEmulator()).host;
  const db = createFirestore({ projectId: `bench-cost-${randomBytes(4).toString('hex')}`, emulatorHost: host });
  try {
    const boxes = records(n);
    for (let i = 0; i < boxes.length; i += 500) {
      const batch = db.batch();
      for (const box of boxes.slice(i, i + 500)) batch.set(db.collection(BOXES).doc(box.id), { ...box, live: isLive(box), cardStale: false, card: null });
      await batch.commit();
    }
    const jobs = jobRecords(Math.round(n / 10));
    for (let i = 0; i < jobs.length; i += 500) {
      const batch = db.batch();
      for (const job of jobs.slice(i, i + 500)) batch.set(db.collection(JOBS).doc(job.id), { ...job, live: !isJobOver(job), cardStale: false, card: null });
      await batch.commit();
    }
    const prices = bundledPrices('us-central1');
    const reports = new CostReports({
      store: new FirestoreCostStore(db, { now: () => NOW }),
      prices: () => Promise.resolve(prices),
      clock: { now: () => NOW },
      isAdmin: (user) => user === ADMIN,
    });
    // One unmeasured run opens the gRPC channel and warms the emulator.
    await reports.report(ADMIN, { kind: 'month' }, { kind: 'all' });
    const started = performance.now();
    const result = await reports.report(ADMIN, { kind: 'month' }, { kind: 'all' });
    const wallMs = performance.now() - started;
    if (!result.ok) throw new Error(result.error.message);
    const { report, reads } = result.value;
    return {
      records: n,
      boxesInReport: report.byBox.length,
      jobRecords: jobs.length,
      jobsInReport: report.byJob.length,
      documentsRead: reads,
      wallMs: Math.round(wallMs * 10) / 10,
      total: Math.round(report.total * 100) / 100,
    };
  } finally {
    await db.terminate();
    await emulator?.stop();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  let emulator: RunningEmulator | null = null;
  const host = process.env.FIRESTORE_EMULATOR_HOST ?? (emulator = await startFirestoreEmulator({ onNote: (line) => console.log(line) })).host;
  try {
    const rows: CostBenchResult[] = [];
    for (const n of [1_000, 10_000]) rows.push(await benchCostCommand(n, { firestoreHost: host }));
    console.log(`/gpu cost --all --month (the use case, no HTTP); Firestore: ${emulator?.kind ?? 'emulator at FIRESTORE_EMULATOR_HOST'}`);
    console.table(
      rows.map((r) => ({
        'box records': r.records,
        'boxes in month': r.boxesInReport,
        'job records': r.jobRecords,
        'jobs in month': r.jobsInReport,
        'documents read': r.documentsRead,
        'wall ms': r.wallMs,
        'total $': r.total,
      })),
    );
  } finally {
    await emulator?.stop();
  }
  process.exit(0);
}
