/**
 * The job watcher at scale.
 *
 * `benchJobWatch`: its Google side alone, one `listManagedJobs` pass per region over N jobs in a fresh
 * Vertex AI sandbox, through the real googleapis client, counting Google API calls.
 *
 * `benchJobWatchTick`: one whole `JobWatcher.run()`, as the worker runs it each tick, over N running
 * job records in a fresh Firestore project (the real `FirestoreJobStore`, with the worker lease's fence)
 * and the matching jobs in the Vertex AI sandbox (the real `VertexAdapter`), counting Google API calls
 * and the Firestore documents read and written.
 *
 * The claim both check: calls grow with pages (100 jobs a page), not with jobs.
 *
 * Alone: `npx tsx bench/jobs.ts` prints both at 50 and 500 jobs in 3 regions (the tick on its own
 * emulator). bench/run.ts adds the tick to its tables.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Firestore } from '@google-cloud/firestore';
import { OAuth2Client } from 'google-auth-library';
import { JobWatcher } from '../src/app/job-watcher.js';
import type { Job } from '../src/domain/job.js';
import { planJob } from '../src/domain/job-plan.js';
import { parseTrainCommand, trainDay, type TrainRequest } from '../src/domain/train-command.js';
import { customJobBody } from '../src/gcp/vertex-bodies.js';
import { VertexAdapter } from '../src/gcp/vertex.js';
import { memoryLogger } from '../src/log.js';
import { startFirestoreEmulator, type EmulatorKind, type RunningEmulator } from '../src/sandbox/firestore-emulator.js';
import { startGoogleSandbox, type GoogleSandbox } from '../src/sandbox/google/server.js';
import { VERTEX_METHODS, VertexSandbox } from '../src/sandbox/google/vertex.js';
import { createFirestore } from '../src/store/firestore.js';
import { FirestoreJobStore } from '../src/store/job-store.js';
import { FirestoreLeaseStore } from '../src/store/lease-store.js';
import { countFirestore, withTimeout, type FirestoreCounts } from './firestore-counter.js';
import { table } from './stats.js';

const PROJECT = 'gpubot-bench';
const REGIONS = ['us-central1', 'europe-west4', 'asia-east1', 'us-east4', 'us-west1', 'europe-west1'];
/** Jobs per list page, asked by the adapter and allowed by the sandbox. */
export const JOB_PAGE_SIZE = 100;

export interface JobWatchResult {
  jobs: number;
  regions: number;
  /** Google API calls the pass made (list pages), as the adapter counted them. */
  googleCalls: number;
  /** Wall time of the pass, in ms. */
  wallMs: number;
  /** Jobs the pass saw; equals `jobs` unless something is wrong. */
  jobsSeen: number;
}

export function trainingRequest(): TrainRequest {
  const parsed = parseTrainCommand(
    'submit bench_job --master-machine-type n1-standard-8 --master-accelerator count=1,type=nvidia-tesla-t4 ' +
      '--master-image-uri us-docker.pkg.dev/gpubot-bench/trainers/census:latest',
    // A container of the bench's own: the pass measured does not depend on which prebuilt images are still offered.
    { today: trainDay(Date.now()) },
  );
  if (!parsed.ok || parsed.value.kind !== 'submit' || parsed.value.request === null) throw new Error('the bench job no longer parses');
  return parsed.value.request;
}

function trainingBody(recordId: string) {
  return customJobBody(planJob(trainingRequest(), { owner: 'U0BENCH', jobId: recordId, defaultRegion: 'us-central1' }).plan);
}

/** Seeds `jobs` running jobs round-robin over `regions` regions, then times one list pass per region. */
export async function benchJobWatch(jobs: number, regions: number): Promise<JobWatchResult> {
  if (regions < 1 || regions > REGIONS.length) throw new Error(`regions must be 1 to ${REGIONS.length}`);
  const used = REGIONS.slice(0, regions);
  // Jobs that never end (a million polls away), so the pass sees them all live, as a watcher of running jobs does.
  const sandbox = new VertexSandbox({ project: PROJECT, maxPageSize: JOB_PAGE_SIZE, defaultScript: { succeedAfterPolls: 1_000_000 } });
  for (let i = 0; i < jobs; i++) sandbox.seed(used[i % regions] ?? 'us-central1', trainingBody(`rec-${i}`));
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  try {
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: 'sandbox' });
    const adapter = new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url, pageSize: JOB_PAGE_SIZE });
    const start = performance.now();
    let seen = 0;
    for (const region of used) seen += (await adapter.listManagedJobs(region)).length;
    const wallMs = performance.now() - start;
    if (sandbox.count('customJobs.list') !== adapter.googleCalls) throw new Error('the adapter and the sandbox disagree on the calls made');
    return { jobs, regions, googleCalls: adapter.googleCalls, wallMs, jobsSeen: seen };
  } finally {
    await server.close();
  }
}

// ------------------------------------------------------------------------------------------------ one watcher tick

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
/** Sandbox jobs take one step of their progression per minute of the sandbox clock. */
const STEP_MS = MIN;
/** Every FINISH_EVERY-th job has ended in Vertex AI since the last tick; the tick records its end. */
const FINISH_EVERY = 50;

export interface JobTickOptions {
  /** host:port of a running emulator; unset: one is started for the tick and stopped after it. */
  firestoreHost?: string;
  /** Jobs per list page, asked by the adapter and allowed by the sandbox; unset: the adapter's default (100), as main.ts runs it. */
  pageSize?: number;
  /** The whole bench (seeding included) fails after this long. */
  timeoutMs?: number;
}

export interface JobTickResult {
  jobs: number;
  regions: number;
  pageSize: number;
  /** List pages one listing per region needs: what the Google calls should be. */
  pages: number;
  /** Google API calls of the tick, as the adapter counted them, summed over methods. */
  googleCalls: number;
  /** The same calls, as the Vertex AI sandbox recorded them. */
  sandboxCalls: number;
  /** The sandbox's count by method, where not zero. */
  callsByMethod: Record<string, number>;
  firestore: FirestoreCounts;
  /** Wall time of `JobWatcher.run()`. */
  wallMs: number;
  /** Of which in the store's transactions (one per watched job, one after another). */
  transactMs: number;
  /** Jobs that had ended in Vertex AI before the tick (the rest are running). */
  finishing: number;
  /** Records the tick moved to an end. */
  ended: number;
  /** What the tick reported as still not over. */
  active: number;
  emulator: EmulatorKind | 'given';
}

/**
 * One `JobWatcher.run()` over `jobs` running jobs spread round-robin over `regions` regions: records in
 * a fresh Firestore project (status running, created in Vertex AI, start time known, so an unchanged
 * job needs no write), the same jobs running in a fresh Vertex AI sandbox, except every 50th, which has
 * just succeeded. Wired as main.ts wires it; the tick holds the worker lease and passes its fence.
 */
export async function benchJobWatchTick(jobs: number, regions: number, options: JobTickOptions = {}): Promise<JobTickResult> {
  if (regions < 1 || regions > REGIONS.length) throw new Error(`regions must be 1 to ${REGIONS.length}`);
  const used = REGIONS.slice(0, regions);
  const pageSize = options.pageSize ?? JOB_PAGE_SIZE;
  const timeoutMs = options.timeoutMs ?? 180_000;
  const open: { emulator?: RunningEmulator; server?: GoogleSandbox; db?: Firestore } = {};
  try {
    return await withTimeout(`the job watcher tick over ${jobs} jobs`, timeoutMs, (async () => {
      let host = options.firestoreHost;
      if (host === undefined) {
        open.emulator = await startFirestoreEmulator({ onNote: (line) => console.log(line) });
        host = open.emulator.host;
      }
      const clock = { now: () => NOW };
      const request = trainingRequest();

      // Vertex AI: each job created ten minutes ago, so by the sandbox clock it is RUNNING (one step a
      // minute, never ending); the finishing ones are scripted to end the first time they are shown.
      const sandbox = new VertexSandbox({ project: PROJECT, now: clock.now, stepMs: STEP_MS, maxPageSize: pageSize, defaultScript: { succeedAfterPolls: 1_000_000 } });
      const records: Job[] = [];
      let finishing = 0;
      for (let i = 0; i < jobs; i++) {
        const id = `benchjob${String(i).padStart(5, '0')}`;
        const region = used[i % regions] ?? 'us-central1';
        const named = { ...request, name: `bench_job_${i}`, region };
        const custom = planJob(named, { owner: `U0BENCH${String(i % 20).padStart(2, '0')}`, jobId: id, defaultRegion: 'us-central1' });
        const createdAt = NOW - 10 * MIN;
        const seeded = sandbox.seed(region, customJobBody(custom.plan), { createdAt });
        const vertexJobId = seeded.name.slice(seeded.name.lastIndexOf('/') + 1);
        if (i % FINISH_EVERY === FINISH_EVERY - 1) {
          sandbox.script(vertexJobId, { succeedAfterPolls: 1 });
          finishing++;
        }
        const shown = sandbox.job(vertexJobId);
        const startTime = shown?.startTime;
        records.push({
          id,
          name: named.name,
          owner: `U0BENCH${String(i % 20).padStart(2, '0')}`,
          channel: 'C0BENCH',
          region,
          request: named,
          plan: custom.plan,
          desired: 'running',
          // The last tick saw every job running (the finishing ones end between ticks).
          status: 'running',
          vertexJobId,
          failure: null,
          createdAt: createdAt - MIN,
          startedAt: startTime === undefined ? null : Date.parse(startTime),
          endedAt: null,
          updatedAt: createdAt + 2 * MIN,
          rev: 3,
        });
      }
      if (records.some((r) => r.startedAt === null)) throw new Error('a sandbox job is not running after ten minutes');
      const server = await startGoogleSandbox({ handlers: [sandbox] });
      open.server = server;
      const auth = new OAuth2Client();
      auth.setCredentials({ access_token: 'bench' });
      const training = new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url, ...(options.pageSize !== undefined ? { pageSize } : {}) });

      const db = createFirestore({ projectId: `gpubot-jobs-${randomBytes(4).toString('hex')}`, emulatorHost: host });
      open.db = db;
      const counter = countFirestore(db);
      const store = new FirestoreJobStore(db, clock);
      let transactMs = 0;
      const transact = store.transact.bind(store);
      store.transact = (async (o, work) => {
        const t0 = performance.now();
        try {
          return await transact(o, work);
        } finally {
          transactMs += performance.now() - t0;
        }
      }) as typeof store.transact;
      // Seeding: the store's own transactions, 50 at a time.
      for (let i = 0; i < records.length; i += 50) {
        await Promise.all(records.slice(i, i + 50).map((job) => store.transact({ lockKeys: [job.id] }, async (tx) => tx.putJob(job))));
      }
      const fence = await new FirestoreLeaseStore(db, clock).acquire('worker', 'bench-replica', 3_600_000);
      if (fence === null) throw new Error('could not take the worker lease on a fresh project');
      const watcher = new JobWatcher({ training, store, clock, log: memoryLogger(), project: PROJECT });

      // Warm-up without side effects (connections, JIT, the emulator's indexes), as a running bot has had:
      // one listing (it moves no job: the running ones are capped by the clock, the finishing ones are over).
      await training.listManagedJobs(used[0] ?? 'us-central1');
      await store.activeJobs();
      const adapterBefore = training.googleCalls;
      const sandboxBefore = new Map(VERTEX_METHODS.map((m) => [m, sandbox.count(m)]));
      counter.reset();
      transactMs = 0;
      const started = performance.now();
      const report = await watcher.run(fence);
      const wallMs = performance.now() - started;

      const callsByMethod: Record<string, number> = {};
      let sandboxCalls = 0;
      for (const m of VERTEX_METHODS) {
        const n = sandbox.count(m) - (sandboxBefore.get(m) ?? 0);
        if (n > 0) callsByMethod[m] = n;
        sandboxCalls += n;
      }
      let pages = 0;
      for (let r = 0; r < regions; r++) {
        const inRegion = records.filter((_, i) => i % regions === r).length;
        pages += Math.max(1, Math.ceil(inRegion / pageSize));
      }
      return {
        jobs,
        regions,
        pageSize,
        pages,
        googleCalls: training.googleCalls - adapterBefore,
        sandboxCalls,
        callsByMethod,
        firestore: { ...counter.counts },
        wallMs: Math.round(wallMs * 10) / 10,
        transactMs: Math.round(transactMs * 10) / 10,
        finishing,
        ended: jobs - report.active,
        active: report.active,
        emulator: open.emulator?.kind ?? 'given',
      };
    })());
  } finally {
    await open.db?.terminate().catch(() => undefined);
    await open.server?.close().catch(() => undefined);
    await open.emulator?.stop().catch(() => undefined);
  }
}

export const JOB_TICK_HEADERS = ['jobs', 'regions', 'list pages', 'Google calls', 'sandbox saw', 'Firestore docs read', 'docs written', 'queries/gets/commits', 'wall ms', 'of which tx ms', 'ended/active'];

/** The ticks as table rows (bench/run.ts prints the same). */
export function jobTickRows(rows: readonly JobTickResult[]): string[][] {
  return rows.map((r) => [
    r.jobs.toLocaleString('en-US'),
    String(r.regions),
    String(r.pages),
    String(r.googleCalls),
    String(r.sandboxCalls),
    String(r.firestore.docsRead),
    String(r.firestore.docsWritten),
    `${r.firestore.queries}/${r.firestore.gets}/${r.firestore.commits}`,
    r.wallMs.toFixed(0),
    r.transactMs.toFixed(0),
    `${r.ended}/${r.active}`,
  ]);
}

/** The target: every tick made one call per list page (as the sandbox saw too), and recorded every job that ended. */
export function jobTickPass(rows: readonly JobTickResult[]): { callsPerPage: boolean; endsRecorded: boolean } {
  return {
    // The listing leaves ended jobs out, so the watcher reads each job gone from it once by get
    // (job-watcher.ts, follow): list calls are the pages, gets are the jobs that ended, nothing per running job.
    callsPerPage:
      rows.length > 0 &&
      rows.every((r) => (r.callsByMethod['customJobs.list'] ?? 0) === r.pages && (r.callsByMethod['customJobs.get'] ?? 0) === r.finishing && r.sandboxCalls === r.googleCalls),
    endsRecorded: rows.every((r) => r.ended === r.finishing),
  };
}

export function jobTickTitle(rows: readonly JobTickResult[]): string {
  const regions = rows[0]?.regions ?? 0;
  return (
    `Job watcher tick: one JobWatcher.run() with the lease fence over N running jobs in ${regions} regions (every ${FINISH_EVERY}th just succeeded), ` +
    `fresh Firestore project, ${rows[0]?.pageSize ?? JOB_PAGE_SIZE} jobs a list page; Google calls grow with pages, not jobs`
  );
}

async function main(): Promise<void> {
  // One throwaway pass so module loading and JIT warm-up are not charged to the first row.
  await benchJobWatch(10, 1);
  const rows: JobWatchResult[] = [];
  for (const jobs of [50, 500]) rows.push(await benchJobWatch(jobs, 3));
  console.log(`Job watcher, one pass: listManagedJobs per region, ${JOB_PAGE_SIZE} jobs a page`);
  console.log('jobs  regions  google calls  jobs seen  wall ms');
  for (const r of rows) {
    console.log(
      `${String(r.jobs).padStart(4)}  ${String(r.regions).padStart(7)}  ${String(r.googleCalls).padStart(12)}  ${String(r.jobsSeen).padStart(9)}  ${r.wallMs.toFixed(1).padStart(7)}`,
    );
  }

  const emulator = await startFirestoreEmulator({ onNote: (line) => console.log(line) });
  try {
    // A first, unreported tick warms the emulator's JVM, as bench/run.ts's warm-up does.
    await benchJobWatchTick(20, 3, { firestoreHost: emulator.host });
    const ticks: JobTickResult[] = [];
    for (const jobs of [50, 500]) ticks.push(await benchJobWatchTick(jobs, 3, { firestoreHost: emulator.host }));
    console.log(`\n${jobTickTitle(ticks)}; Firestore: ${emulator.kind} emulator`);
    console.log(table(JOB_TICK_HEADERS, jobTickRows(ticks)));
    const verdict = jobTickPass(ticks);
    console.log(`  Google calls grow with pages, not jobs: ${verdict.callsPerPage ? 'PASS' : 'FAIL'}; every ended job recorded: ${verdict.endsRecorded ? 'PASS' : 'FAIL'}`);
    for (const t of ticks) console.log(`  ${t.jobs} jobs: calls by method ${JSON.stringify(t.callsByMethod)}`);
  } finally {
    await emulator.stop();
  }
}

const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(invoked).href) {
  // Exits when done: an emulator hosted in this process may keep handles open.
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
