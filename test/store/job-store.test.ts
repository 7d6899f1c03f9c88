import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QuerySnapshot, Timestamp, type Firestore } from '@google-cloud/firestore';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { ManualClock } from '../support/clock.js';
import { needsOfficialEmulator, testFirestore } from '../support/firestore.js';
import { makeJob } from '../support/jobs.js';
import { customJobBody } from '../../src/gcp/vertex-bodies.js';

test('a job written again reads back whole: its dashed labels, its failure, and the card stays', async () => {
  // The job watcher finds Vertex AI jobs by the `managed-by` label; a record that lost it would never
  // be seen running. A dropped label must go, a failure must replace null, and the card the notifier
  // wrote meanwhile must stay.
  const db = testFirestore();
  const store = new FirestoreJobStore(db, new ManualClock());
  const first = makeJob({ status: 'running', endedAt: null, failure: null });
  first.plan.labels = { 'managed-by': 'gpubot', 'gpubot-id': first.id, 'team-x': 'a' };
  await store.transact({}, async (tx) => tx.putJob(first));
  assert.deepEqual((await store.getJob(first.id))?.plan.labels, first.plan.labels);

  const card = { channel: 'C1', ts: '1.000100' };
  await store.markCardShown(first.id, first.rev, card);
  const failure = { code: 'VERTEX_FAILED', message: 'exit 1', logLines: ['Traceback'] };
  const second = { ...first, status: 'failed' as const, failure, rev: first.rev + 1, plan: { ...first.plan, labels: { 'managed-by': 'gpubot', 'gpubot-id': first.id } } };
  await store.transact({}, async (tx) => tx.putJob(second));

  assert.deepEqual(await store.getJob(first.id), second);
  assert.deepEqual(await store.cardOf(first.id), card);
  assert.deepEqual((await store.jobsWithStaleCards(10)).map((j) => j.id), [first.id]);
  await db.terminate();
});

/**
 * The real Firestore client, observed: every query's `get()` adds the number of documents it read.
 * Nothing is replaced; the calls go to the emulator as they are.
 */
function counting(db: Firestore): { db: Firestore; read: () => number } {
  let docs = 0;
  const wrapQuery = (q: object): object =>
    new Proxy(q, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop === 'get') {
          return async () => {
            const snap = (await (value as () => Promise<QuerySnapshot>).call(target)) as QuerySnapshot | { docs?: unknown };
            if (snap instanceof QuerySnapshot) docs += snap.size;
            return snap;
          };
        }
        if (prop === 'where' || prop === 'orderBy' || prop === 'limit') return (...args: unknown[]) => wrapQuery((value as (...a: unknown[]) => object).apply(target, args));
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  const proxy = new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'collection') return (name: string) => wrapQuery(target.collection(name));
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, read: () => docs };
}

test('a job recorded before plans, with the CustomJob body it was created with, reads back as that plan', async () => {
  // Records written by earlier versions carry `body` and no `plan`; the watcher and the cost reports
  // read `plan`, so without the conversion those jobs would stop being watched and costed.
  const db = testFirestore();
  const store = new FirestoreJobStore(db, new ManualClock());
  const { plan: _plan, ...rest } = makeJob({ id: 'jlegacy1', status: 'running', endedAt: null });
  const body = {
    displayName: 'census_1',
    labels: { 'managed-by': 'gpubot', 'gpubot-id': 'jlegacy1' },
    jobSpec: {
      workerPoolSpecs: [
        {
          machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
          replicaCount: '1',
          diskSpec: { bootDiskType: 'pd-ssd', bootDiskSizeGb: 200 },
          containerSpec: { imageUri: 'us-docker.pkg.dev/p/r/t:1', command: ['python', 'train.py'], args: ['--steps=10'] },
        },
        {},
        { machineSpec: { machineType: 'n1-highmem-4' }, replicaCount: '2', pythonPackageSpec: { executorImageUri: 'img', packageUris: ['gs://b/t.tar.gz'], pythonModule: 't.task', args: [] } },
      ],
      baseOutputDirectory: { outputUriPrefix: 'gs://b/out' },
    },
  };
  await db.collection('jobs').doc('jlegacy1').set({ ...rest, body, live: true, cardStale: false, card: null });
  const read = await store.getJob('jlegacy1');
  assert.ok(read);
  assert.ok(!('body' in read), 'the old field is not passed on');
  assert.deepEqual(read.plan, {
    displayName: 'census_1',
    labels: { 'managed-by': 'gpubot', 'gpubot-id': 'jlegacy1' },
    pools: [
      {
        role: 'chief',
        machineType: 'n1-standard-8',
        accelerator: { type: 'NVIDIA_TESLA_T4', count: 1 },
        replicaCount: 1,
        disk: { type: 'pd-ssd', sizeGb: 200 },
        task: { kind: 'container', imageUri: 'us-docker.pkg.dev/p/r/t:1', command: ['python', 'train.py'], args: ['--steps=10'] },
      },
      {
        role: 'parameter-servers',
        machineType: 'n1-highmem-4',
        accelerator: null,
        replicaCount: 2,
        disk: null,
        task: { kind: 'python', executorImageUri: 'img', packageUris: ['gs://b/t.tar.gz'], pythonModule: 't.task', args: [] },
      },
    ],
    outputUriPrefix: 'gs://b/out',
  });
  // The same body again, written from the plan: the job Vertex AI is asked for does not change.
  assert.deepEqual(customJobBody(read.plan), body);
  assert.deepEqual((await store.activeJobs()).map((j) => j.plan.pools.length), [2]);
  await db.terminate();
});

test("a person's jobs and the recent jobs are read with a limit, not the whole collection", async (t) => {
  if (!needsOfficialEmulator(t, 'ordered queries')) return;
  const db = testFirestore();
  const clock = new ManualClock();
  const store = new FirestoreJobStore(db, clock);
  for (let i = 0; i < 120; i++) {
    const job = makeJob({ id: `j${i}`, name: `run_${i}`, owner: i % 4 === 0 ? 'UBOB' : 'UALICE', createdAt: 1_000 + i });
    await store.transact({}, async (tx) => tx.putJob(job));
  }
  const seen = counting(db);
  const observed = new FirestoreJobStore(seen.db, clock);
  const alice = await observed.jobsOwnedBy('UALICE', 20);
  assert.deepEqual(
    alice.map((j) => j.id),
    Array.from({ length: 120 }, (_, i) => i)
      .filter((i) => i % 4 !== 0)
      .reverse()
      .slice(0, 20)
      .map((i) => `j${i}`),
  );
  assert.ok(seen.read() > 0 && seen.read() <= 20, `read ${seen.read()} documents for 20 jobs`);
  const recent = await observed.recentJobs(10);
  assert.deepEqual(recent.map((j) => j.id), ['j119', 'j118', 'j117', 'j116', 'j115', 'j114', 'j113', 'j112', 'j111', 'j110']);
  assert.ok(seen.read() <= 30, `read ${seen.read()} documents for 20 + 10 jobs`);
  await db.terminate();
});

test("a person's live jobs are all found, however many newer ones have ended: what the policy counts", async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const store = new FirestoreJobStore(db, clock);
  // The oldest job still runs; 60 newer ones ended. The newest 50 (what the policy read before) miss it.
  await store.transact({}, async (tx) => tx.putJob(makeJob({ id: 'jlong', name: 'long_run', owner: 'UALICE', status: 'running', endedAt: null, createdAt: 1_000 })));
  for (let i = 0; i < 60; i++) {
    await store.transact({}, async (tx) => tx.putJob(makeJob({ id: `jdone${i}`, name: `done_${i}`, owner: 'UALICE', createdAt: 2_000 + i })));
  }
  await store.transact({}, async (tx) => tx.putJob(makeJob({ id: 'jbob', name: 'bob_run', owner: 'UBOB', status: 'running', endedAt: null, createdAt: 3_000 })));
  assert.deepEqual((await store.liveJobsOwnedBy('UALICE')).map((j) => j.id), ['jlong']);
  assert.deepEqual((await store.liveJobsOwnedBy('UBOB')).map((j) => j.id), ['jbob']);
  assert.ok(!(await store.jobsOwnedBy('UALICE', 50)).some((j) => j.id === 'jlong'), 'the newest 50 leave the running job out');
  await db.terminate();
});

test('a request key past its expiry is not replayed: the request runs again', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const store = new FirestoreJobStore(db, clock);
  let runs = 0;
  const work = async () => ++runs;
  assert.equal(await store.transact({ requestKey: 'view:V1:abc' }, work), 1);
  assert.equal(await store.transact({ requestKey: 'view:V1:abc' }, work), 1, 'a retry within the day replays');
  const doc = (await db.collection('requests').get()).docs[0];
  assert.ok(doc?.get('expiresAt') instanceof Timestamp, 'the key carries the time its TTL policy deletes it after');
  clock.advance(25 * 3600_000);
  assert.equal(await store.transact({ requestKey: 'view:V1:abc' }, work), 2, 'expired, though the TTL policy has not deleted it yet');
  await db.terminate();
});
