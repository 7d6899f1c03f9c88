/** The cost reads: which training jobs a period's report reads, and what the read costs in documents. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job } from '../../src/domain/job.js';
import { FirestoreCostStore } from '../../src/store/cost-store.js';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';
import { makeJob } from '../support/jobs.js';

const H = 3_600_000;
const FROM = Date.UTC(2026, 10, 1);

/** Written as the job watcher writes them (the store sets `live` from the status). */
async function seed(jobs: Job[]) {
  const db = testFirestore();
  const clock = new ManualClock(FROM + 20 * 24 * H);
  const store = new FirestoreJobStore(db, clock);
  for (const job of jobs) await store.transact({}, async (tx) => tx.putJob(job));
  return { db, costs: new FirestoreCostStore(db, clock) };
}

const JOBS: Job[] = [
  // Running since before the period: it costs in the period whenever it started.
  makeJob({ id: 'jrun', name: 'run', owner: 'UA', status: 'running', startedAt: FROM - 3 * 24 * H, endedAt: null }),
  // Queued, not started: read (it may start any moment), costs nothing yet.
  makeJob({ id: 'jqueued', name: 'queued', owner: 'UB', status: 'queued', startedAt: null, endedAt: null }),
  // Ended within the period, and exactly at its start.
  makeJob({ id: 'jdone', name: 'done', owner: 'UA', startedAt: FROM + 2 * H, endedAt: FROM + 5 * H }),
  makeJob({ id: 'jedge', name: 'edge', owner: 'UB', startedAt: FROM - 2 * H, endedAt: FROM }),
  // Ended before the period: not read.
  makeJob({ id: 'jold', name: 'old', owner: 'UA', startedAt: FROM - 10 * H, endedAt: FROM - 1 }),
  makeJob({ id: 'jolder', name: 'older', owner: 'UB', status: 'failed', startedAt: null, endedAt: FROM - 40 * 24 * H }),
];

test('jobsSince reads the jobs not over yet and the ones that ended since the start, and counts the documents', async () => {
  const { db, costs } = await seed(JOBS);
  try {
    const read = await costs.jobsSince(FROM, null);
    assert.deepEqual(read.jobs.map((j) => j.id).sort(), ['jdone', 'jedge', 'jqueued', 'jrun']);
    // Two queries: two live jobs, two ended since FROM.
    assert.equal(read.reads, 4);
    // Records come back as the Job shape, without the document's own fields.
    const done = read.jobs.find((j) => j.id === 'jdone');
    assert.ok(done);
    for (const field of ['live', 'cardStale', 'card']) assert.ok(!(field in done), `no ${field}`);
    assert.deepEqual([done.owner, done.region, done.startedAt, done.endedAt], ['UA', 'us-central1', FROM + 2 * H, FROM + 5 * H]);
    assert.deepEqual(done.plan, JOBS[2]?.plan);
  } finally {
    await db.terminate();
  }
});

test('jobsSince with an owner reads only that person’s jobs', async () => {
  const { db, costs } = await seed(JOBS);
  try {
    const read = await costs.jobsSince(FROM, 'UA');
    assert.deepEqual(read.jobs.map((j) => j.id).sort(), ['jdone', 'jrun']);
    assert.equal(read.reads, 2);
    const none = await costs.jobsSince(FROM, 'UNOBODY');
    assert.deepEqual(none.jobs, []);
    assert.equal(none.reads, 2, 'a query that finds nothing is still billed one read');
  } finally {
    await db.terminate();
  }
});
