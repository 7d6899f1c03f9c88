/**
 * The job watcher against faults Vertex AI really has: a listing that misses a job, a create whose
 * answer and record write are lost while the label search lags, and years of finished jobs.
 * The real adapter against the Vertex AI sandbox; the real job store on the Firestore emulator.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import type { Job } from '../../src/domain/job.js';
import type { ListJobsOptions, ObservedJob, TrainingPort } from '../../src/app/ports/training.js';
import { CREATE_SETTLE_MS, JobWatcher } from '../../src/app/job-watcher.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { createLogger } from '../../src/log.js';
import { startGoogleSandbox, type SandboxHandler } from '../../src/sandbox/google/server.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { FirestoreLeaseStore } from '../../src/store/lease-store.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';
import { makeJob } from '../support/jobs.js';

const PROJECT = 'ml-lab';

let current: VertexSandbox | null = null;
const forward: SandboxHandler = { handle: (req) => current?.handle(req) ?? null };
const server = startGoogleSandbox({ handlers: [forward] });
after(async () => (await server).close());

/** The adapter, with a listing that can be told to leave jobs out (a listing that lags behind). */
class LaggingListing implements TrainingPort {
  hide = new Set<string>();
  lists: ListJobsOptions[] = [];
  constructor(private readonly inner: VertexAdapter) {}
  createJob: TrainingPort['createJob'] = (...a) => this.inner.createJob(...a);
  async listManagedJobs(region: string, options?: ListJobsOptions): Promise<ObservedJob[]> {
    this.lists.push(options ?? {});
    return (await this.inner.listManagedJobs(region, options)).filter((j) => !this.hide.has(j.recordId ?? ''));
  }
  jobForRecord: TrainingPort['jobForRecord'] = async (region, recordId) => (this.hide.has(recordId) ? { ok: true, value: null } : this.inner.jobForRecord(region, recordId));
  getJob: TrainingPort['getJob'] = (...a) => this.inner.getJob(...a);
  cancelJob: TrainingPort['cancelJob'] = (...a) => this.inner.cancelJob(...a);
  failureLog: TrainingPort['failureLog'] = (...a) => this.inner.failureLog(...a);
}

async function setUp() {
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
  current = new VertexSandbox({ project: PROJECT, now: () => clock.now() });
  const sandbox = current;
  const { url } = await server;
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  const training = new LaggingListing(new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: url }));
  const db = testFirestore();
  const store = new FirestoreJobStore(db, clock);
  const logs: string[] = [];
  const inner = new JobWatcher({ training, store, clock, log: createLogger({ level: 'info', write: (l) => logs.push(l) }), project: PROJECT });
  const leases = new FirestoreLeaseStore(db, clock);
  // One pass as the worker runs it: under the lease, taken (or renewed) first.
  const watcher = {
    run: async () => {
      const fence = await leases.acquire('worker', 'test', 90_000);
      assert.ok(fence);
      return inner.run(fence);
    },
  };
  return { clock, sandbox, training, db, store, watcher, logs };
}

function waiting(id: string, clock: ManualClock, overrides: Partial<Job> = {}): Job {
  const now = clock.now();
  // The plan carries the record id as its `gpubot-id` label, as /train builds it, and runs a prebuilt
  // image Vertex AI still offered on this test's day (the sandbox refuses one past its end of availability).
  const base = makeJob({ id, name: id, image: 'us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest' });
  const plan = { ...base.plan, labels: { ...base.plan.labels, 'gpubot-id': id } };
  return makeJob({ id, name: id, plan, status: 'pending', vertexJobId: null, startedAt: null, endedAt: null, createdAt: now, updatedAt: now, rev: 1, ...overrides });
}

async function put(store: FirestoreJobStore, job: Job): Promise<void> {
  await store.transact({}, async (tx) => tx.putJob(job));
}

test('a running job missing from one listing is not given up: a direct get finds it', async () => {
  const { clock, sandbox, training, db, store, watcher } = await setUp();
  await put(store, waiting('j1', clock));
  await watcher.run();
  const created = await store.getJob('j1');
  assert.ok(created?.vertexJobId != null, 'created and recorded');
  training.hide.add('j1');
  clock.advance(60_000);
  await watcher.run();
  const after1 = await store.getJob('j1');
  assert.notEqual(after1?.status, 'failed', 'not ended on a listing that missed it');
  assert.equal(sandbox.jobs().length, 1);
  assert.ok(sandbox.count('customJobs.get') > 0, 'the watcher asked Vertex AI directly');
  await db.terminate();
});

test('a create whose answer and record write were lost, with a lagging label search, makes one job', async () => {
  const { clock, sandbox, training, db, store, watcher, logs } = await setUp();
  await put(store, waiting('j2', clock));
  await watcher.run();
  assert.equal(sandbox.jobs().length, 1);
  // The record write after the create is lost (the replica died), and the label search does not see it yet.
  const recorded = await store.getJob('j2');
  assert.ok(recorded);
  await put(store, { ...recorded, vertexJobId: null, status: 'pending' });
  training.hide.add('j2');
  clock.advance(30_000);
  await watcher.run();
  assert.equal(sandbox.jobs().length, 1, 'no second job while the search may lag');
  // The search catches up: the first job is found and recorded.
  training.hide.delete('j2');
  clock.advance(30_000);
  await watcher.run();
  assert.equal(sandbox.jobs().length, 1);
  assert.equal((await store.getJob('j2'))?.vertexJobId, sandbox.jobs()[0]?.name.split('/').pop(), logs.join('\n'));
  await db.terminate();
});

test('a create that is never listed is tried again after the settle time', async () => {
  const { clock, sandbox, training, db, store, watcher } = await setUp();
  await put(store, waiting('j3', clock, { createTriedAt: clock.now() }));
  training.hide.add('j3');
  await watcher.run();
  assert.equal(sandbox.jobs().length, 0, 'waits inside the settle time');
  clock.advance(CREATE_SETTLE_MS);
  await watcher.run();
  assert.equal(sandbox.jobs().length, 1, 'creates once the search is trusted');
  await db.terminate();
});

test('a job running for an hour does not ask for fast ticks, and the listing leaves finished jobs out', async () => {
  const { clock, sandbox, training, db, store, watcher } = await setUp();
  sandbox.setDefaultScript({ succeedAfterPolls: 1000 });
  await put(store, waiting('j4', clock));
  const first = await watcher.run();
  assert.ok(first.changing > 0, 'a job being created is changing');
  for (let i = 0; i < 6; i++) {
    clock.advance(10 * 60_000);
    await watcher.run();
  }
  const later = await watcher.run();
  assert.equal(later.active, 1);
  assert.equal(later.changing, 0, 'a long-running job is watched at the usual pace');
  const last = training.lists.at(-1);
  assert.equal(last?.activeOnly, true, 'finished jobs are not listed');
  assert.ok(last?.createdSince !== undefined, 'nor jobs older than the watched ones');
  await db.terminate();
});
