/**
 * The job watcher with a hyperparameter tuning job: it is created, listed, read and cancelled as its own
 * kind of Vertex AI job, and it ends with its best trial, even when reading the trials fails once.
 * The real adapter against the Vertex AI sandbox; the real job store on the Firestore emulator.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { OAuth2Client } from 'google-auth-library';
import type { Job } from '../../src/domain/job.js';
import type { TuningPlan } from '../../src/domain/tuning-plan.js';
import { JobWatcher } from '../../src/app/job-watcher.js';
import { VertexAdapter } from '../../src/gcp/vertex.js';
import { createLogger } from '../../src/log.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { VertexSandbox, vertexError } from '../../src/sandbox/google/vertex.js';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { FirestoreLeaseStore } from '../../src/store/lease-store.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';
import { makeJob } from '../support/jobs.js';

const PROJECT = 'ml-lab';
const STUDY: TuningPlan = {
  metric: 'accuracy',
  goal: 'MAXIMIZE',
  algorithm: 'bayesian',
  maxTrials: 4,
  parallelTrials: 2,
  maxFailedTrials: 0,
  parameters: [{ name: 'lr', kind: 'double', min: 0.001, max: 0.1, scale: 'log' }],
};

async function setUp() {
  const clock = new ManualClock(Date.parse('2026-03-02T09:00:00Z'));
  const sandbox = new VertexSandbox({ project: PROJECT, now: () => clock.now() });
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  after(() => server.close());
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  const training = new VertexAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url });
  const db = testFirestore();
  after(() => db.terminate());
  const store = new FirestoreJobStore(db, clock);
  const logs: string[] = [];
  const inner = new JobWatcher({ training, store, clock, log: createLogger({ level: 'info', write: (l) => logs.push(l) }), project: PROJECT });
  const leases = new FirestoreLeaseStore(db, clock);
  const run = async () => {
    const fence = await leases.acquire('worker', 'test', 90_000);
    assert.ok(fence);
    return inner.run(fence);
  };
  return { clock, sandbox, store, run, logs };
}

function tuningJob(id: string, clock: ManualClock): Job {
  const base = makeJob({ id, name: id, image: 'us-docker.pkg.dev/vertex-ai/training/pytorch-gpu.2-4.py310:latest' });
  const plan = { ...base.plan, labels: { ...base.plan.labels, 'gpubot-id': id }, tuning: STUDY };
  const now = clock.now();
  return makeJob({ id, name: id, plan, status: 'pending', vertexJobId: null, startedAt: null, endedAt: null, createdAt: now, updatedAt: now, rev: 1 });
}

test('a tuning job whose trials cannot be read when it ends is ended next pass, with its best trial, and told once', async () => {
  const { clock, sandbox, store, run, logs } = await setUp();
  // Shown once by the first pass's listing (PENDING), it ends when the second pass's listing shows it.
  sandbox.script('t1', { succeedAfterPolls: 2, bestTrial: 3 });
  await store.transact({}, async (tx) => tx.putJob(tuningJob('t1', clock)));
  await run();
  assert.equal(sandbox.jobs().length, 0, 'no custom job');
  assert.equal(sandbox.count('hyperparameterTuningJobs.create'), 1);
  const created = await store.getJob('t1');
  assert.equal(created?.vertexJobId, sandbox.tuningJob('t1')?.name.split('/').pop());
  assert.equal(created?.status, 'pending');

  // The next listing shows it SUCCEEDED (without trials, as listings do); reading its trials fails.
  sandbox.failNext('hyperparameterTuningJobs.get', vertexError(503, 'UNAVAILABLE', 'try later'), 3);
  clock.advance(30_000);
  await run();
  assert.equal(sandbox.tuningJob('t1')?.state, 'JOB_STATE_SUCCEEDED');
  const waiting = await store.getJob('t1');
  assert.notEqual(waiting?.status, 'succeeded', 'not ended without its trials');
  assert.equal(waiting?.tuning, undefined);
  assert.match(logs.join('\n'), /trials of an ended tuning job could not be read/);

  clock.advance(30_000);
  await run();
  const ended = await store.getJob('t1');
  assert.equal(ended?.status, 'succeeded');
  assert.equal(ended?.tuning?.best?.id, '3');
  assert.equal(ended?.tuning?.trials, 4);
  assert.deepEqual(ended?.tuning?.best?.parameters.map((p) => p.name), ['lr']);
  clock.advance(30_000);
  await run();
  assert.equal((await store.getJob('t1'))?.rev, ended?.rev, 'nothing changes after the end');
});

test('a tuning job asked to be cancelled is cancelled as a tuning job', async () => {
  const { clock, sandbox, store, run } = await setUp();
  sandbox.script('t2', { stayQueued: true });
  await store.transact({}, async (tx) => tx.putJob(tuningJob('t2', clock)));
  await run();
  const job = await store.getJob('t2');
  assert.ok(job);
  await store.transact({}, async (tx) => tx.putJob({ ...job, desired: 'cancelled', rev: job.rev + 1 }));
  for (let i = 0; i < 4 && (await store.getJob('t2'))?.status !== 'cancelled'; i++) {
    clock.advance(30_000);
    await run();
  }
  assert.equal(sandbox.count('hyperparameterTuningJobs.cancel'), 1);
  assert.equal(sandbox.count('customJobs.cancel'), 0);
  const ended = await store.getJob('t2');
  assert.equal(ended?.status, 'cancelled');
  assert.equal(ended?.tuning?.best, null, 'a cancelled study has no best trial');
});
