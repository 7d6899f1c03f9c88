/** The policy document: what an admin saved is what every replica reads; a document that no longer passes the checks is ignored. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy } from '../../src/domain/policy.js';
import { FirestorePolicyStore, SETTINGS } from '../../src/store/policy-store.js';
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
