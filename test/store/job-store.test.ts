import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirestoreJobStore } from '../../src/store/job-store.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';
import { makeJob } from '../support/jobs.js';

test('a job written again reads back whole: its dashed labels, its failure, and the card stays', async () => {
  // The job watcher finds Vertex AI jobs by the `managed-by` label; a record that lost it would never
  // be seen running. A dropped label must go, a failure must replace null, and the card the notifier
  // wrote meanwhile must stay.
  const db = testFirestore();
  const store = new FirestoreJobStore(db, new ManualClock());
  const first = makeJob({ status: 'running', endedAt: null, failure: null });
  first.body.labels = { 'managed-by': 'gpubot', 'gpubot-id': first.id, 'team-x': 'a' };
  await store.transact({}, async (tx) => tx.putJob(first));
  assert.deepEqual((await store.getJob(first.id))?.body.labels, first.body.labels);

  const card = { channel: 'C1', ts: '1.000100' };
  await store.markCardShown(first.id, first.rev, card);
  const failure = { code: 'VERTEX_FAILED', message: 'exit 1', logLines: ['Traceback'] };
  const second = { ...first, status: 'failed' as const, failure, rev: first.rev + 1, body: { ...first.body, labels: { 'managed-by': 'gpubot', 'gpubot-id': first.id } } };
  await store.transact({}, async (tx) => tx.putJob(second));

  assert.deepEqual(await store.getJob(first.id), second);
  assert.deepEqual(await store.cardOf(first.id), card);
  assert.deepEqual((await store.jobsWithStaleCards(10)).map((j) => j.id), [first.id]);
  await db.terminate();
});
