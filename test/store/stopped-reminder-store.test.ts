/** The weekly stopped-box run: recorded with its notices in one transaction, so two replicas send one week's reminders once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOTICES } from '../../src/store/box-store.js';
import { FirestoreStoppedReminderRun } from '../../src/store/stopped-reminder-store.js';
import type { NoticeDraft } from '../../src/domain/notice.js';
import { needsOfficialEmulator, testFirestore } from '../support/firestore.js';

const WEEK = 7 * 24 * 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 9);
const BOX = { id: 'b1', owner: 'UALICE', channel: 'CTEAM' };
const cost = { boxId: 'b1', name: 'parked', owner: 'UALICE', stoppedSince: T0 - 8 * 24 * 3_600_000, diskGb: 200, diskSoFar: 4, diskPerMonth: 16 };
const DRAFT: NoticeDraft = { to: 'dm', event: { type: 'box-stopped-reminder', cost } };

test('a run is due when none was recorded or a week has passed; one not due writes no notice', async () => {
  const db = testFirestore();
  try {
    const run = new FirestoreStoppedReminderRun(db);
    assert.equal(await run.lastRun(), null);
    assert.equal(await run.recordRun(T0, WEEK, [{ box: BOX, draft: DRAFT }]), true);
    assert.equal(await run.lastRun(), T0);
    // Another replica a minute later, and again six days on: not due, nothing written.
    assert.equal(await new FirestoreStoppedReminderRun(db).recordRun(T0 + 60_000, WEEK, [{ box: BOX, draft: DRAFT }]), false);
    assert.equal(await run.recordRun(T0 + 6 * 24 * 3_600_000, WEEK, [{ box: BOX, draft: DRAFT }]), false);
    assert.equal((await db.collection(NOTICES).get()).size, 1);
    assert.equal(await run.recordRun(T0 + WEEK, WEEK, [{ box: BOX, draft: DRAFT }]), true);
    const notices = (await db.collection(NOTICES).get()).docs.map((d) => d.data());
    assert.equal(notices.length, 2);
    assert.deepEqual(notices.map((n) => [n.boxId, n.owner, n.to, (n.event as { type: string }).type]), [
      ['b1', 'UALICE', 'dm', 'box-stopped-reminder'],
      ['b1', 'UALICE', 'dm', 'box-stopped-reminder'],
    ]);
  } finally {
    await db.terminate();
  }
});

test('two replicas recording the same week at once: one wins, one set of notices', async (t) => {
  if (!needsOfficialEmulator(t, 'transaction locking')) return;
  const db = testFirestore();
  try {
    const results = await Promise.all([0, 1].map(() => new FirestoreStoppedReminderRun(db).recordRun(T0, WEEK, [{ box: BOX, draft: DRAFT }])));
    assert.deepEqual(results.sort(), [false, true]);
    assert.equal((await db.collection(NOTICES).get()).size, 1);
  } finally {
    await db.terminate();
  }
});
