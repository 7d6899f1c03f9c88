/** The policy document: what an admin saved is what every replica reads; a document that no longer passes the checks is ignored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy } from '../../src/domain/policy.js';
import { FirestorePolicyStore, POLICY_CACHE_MS, SETTINGS } from '../../src/store/policy-store.js';
import { countFirestore } from '../../bench/firestore-counter.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';

const DEFAULTS = defaultPolicy({ idleOffAllowed: true, maxRunningMs: 72 * 3_600_000, pastBudget: 'approve' });

test('nothing saved reads as null; a saved policy reads back with who saved it, on another store too', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const store = new FirestorePolicyStore(db, clock);
    assert.equal(await store.get(DEFAULTS), null);
    const changed = { ...DEFAULTS, maxGpusPerPerson: 2, channelGpus: { CTEAM: ['l4' as const] }, defaultRunningMs: null };
    await store.put(changed, 'UADMIN');
    const other = new FirestorePolicyStore(db, clock);
    assert.deepEqual(await other.get(DEFAULTS), { policy: changed, updatedBy: 'UADMIN', updatedAt: clock.now() });
  } finally {
    await db.terminate();
  }
});

test('a stored policy broken by hand is ignored, so the defaults hold rather than a broken rule', async () => {
  const db = testFirestore();
  try {
    await db.collection(SETTINGS).doc('policy').set({ policy: { maxGpusPerPerson: 'many' }, updatedBy: 'UADMIN', updatedAt: 1 });
    assert.equal(await new FirestorePolicyStore(db, new ManualClock()).get(DEFAULTS), null);
  } finally {
    await db.terminate();
  }
});

test('a replica reads the policy once for many requests, and sees its own save at once', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const store = new FirestorePolicyStore(db, clock);
    const counter = countFirestore(db);
    await Promise.all(Array.from({ length: 20 }, () => store.get(DEFAULTS)));
    await store.get(DEFAULTS);
    assert.equal(counter.counts.gets, 1, 'one read of the policy document for 21 asks');
    const changed = { ...DEFAULTS, maxGpusPerPerson: 1 };
    await store.put(changed, 'UADMIN');
    assert.equal((await store.get(DEFAULTS))?.policy.maxGpusPerPerson, 1, 'the saving replica holds the new rule at once');
  } finally {
    await db.terminate();
  }
});

test('another replica\'s save holds here once the cached read is POLICY_CACHE_MS old (here a cache of 0 ms: at once)', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const here = new FirestorePolicyStore(db, clock, undefined, 0);
    assert.equal(await here.get(DEFAULTS), null);
    await new FirestorePolicyStore(db, clock).put({ ...DEFAULTS, maxGpusPerPerson: 1 }, 'UADMIN');
    assert.equal((await here.get(DEFAULTS))?.policy.maxGpusPerPerson, 1);
    assert.ok(POLICY_CACHE_MS <= 10_000, 'a change on another replica holds within seconds');
  } finally {
    await db.terminate();
  }
});
