import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirestoreBoxStore } from '../../src/store/box-store.js';
import { FirestoreLeaseStore } from '../../src/store/lease-store.js';
import { FirestoreNoticeStore } from '../../src/store/notice-store.js';
import { LostLeaseError } from '../../src/app/ports.js';
import type { Box } from '../../src/domain/box.js';
import { makeBox } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { needsOfficialEmulator, testFirestore } from '../support/firestore.js';
import { countFirestore } from '../../bench/firestore-counter.js';

function box(id: string, name: string, overrides: Partial<Box> = {}): Box {
  return makeBox({ id, name, owner: 'U1', channel: 'C1', status: 'requested', ...overrides });
}

test('a request key makes the second run return the first result without running the work again', async () => {
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock());
  let runs = 0;
  const work = async (tx: Parameters<Parameters<typeof store.transact>[1]>[0]) => {
    runs++;
    tx.putBox(box(`b${runs}`, 'exp42'));
    return { id: `b${runs}` };
  };
  const first = await store.transact({ requestKey: 'cmd:T1:trigger-1' }, work);
  const second = await store.transact({ requestKey: 'cmd:T1:trigger-1' }, work);
  assert.deepEqual(second, first);
  assert.equal(runs, 1);
  assert.equal((await store.liveBoxes()).length, 1);
  await db.terminate();
});

test('a claimed name finds its live box, and a released one finds nothing', async () => {
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock());
  await store.transact({}, async (tx) => {
    tx.putBox(box('b1', 'exp42'));
    tx.claimName('exp42', 'b1');
  });
  assert.equal((await store.transact({}, (tx) => tx.liveBoxNamed('exp42')))?.id, 'b1');
  await store.transact({}, async (tx) => {
    tx.putBox(box('b1', 'exp42', { status: 'deleted' }));
    tx.releaseName('exp42');
  });
  assert.equal(await store.transact({}, (tx) => tx.liveBoxNamed('exp42')), null);
  assert.equal((await store.liveBoxes()).length, 0);
  await db.terminate();
});

test('two concurrent requests for the same name create one box', async (t) => {
  if (!needsOfficialEmulator(t, 'transaction locking')) return;
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock());
  const attempt = (id: string) =>
    store.transact({ requestKey: `k-${id}` }, async (tx) => {
      if ((await tx.liveBoxNamed('exp42')) !== null) return 'taken';
      tx.putBox(box(id, 'exp42'));
      tx.claimName('exp42', id);
      return 'created';
    });
  const results = await Promise.all([attempt('b1'), attempt('b2'), attempt('b3')]);
  assert.deepEqual(results.filter((r) => r === 'created').length, 1);
  assert.equal((await store.liveBoxes()).length, 1);
  await db.terminate();
});

test('the lease goes to one holder, moves on after it expires with a higher fence, and fences out the old holder', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const leases = new FirestoreLeaseStore(db, clock);
  const store = new FirestoreBoxStore(db, clock);
  const a = await leases.acquire('worker', 'a', 30_000);
  assert.ok(a);
  assert.equal(await leases.acquire('worker', 'b', 30_000), null);
  assert.deepEqual(await leases.acquire('worker', 'a', 30_000), a, 'renewing keeps the fence');
  clock.advance(31_000);
  const b = await leases.acquire('worker', 'b', 30_000);
  assert.ok(b);
  assert.ok(b.fence > a.fence);
  await assert.rejects(
    store.transact({ fence: a }, async (tx) => tx.putBox(box('b1', 'x'))),
    (error: unknown) => error instanceof LostLeaseError,
  );
  await store.transact({ fence: b }, async (tx) => tx.putBox(box('b1', 'x')));
  assert.equal((await store.liveBoxes()).length, 1);
  await db.terminate();
});

test('a notice is claimed by one sender, and one whose sender died is offered again after its claim', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const store = new FirestoreBoxStore(db, clock);
  const notices = new FirestoreNoticeStore(db, clock);
  await store.transact({}, async (tx) => tx.notify(box('b1', 'x'), [{ to: 'dm', event: { type: 'box-started' } }]));
  const [pending] = await notices.pending(10);
  assert.ok(pending);
  assert.equal(pending.owner, 'U1');
  assert.equal(await notices.claim(pending.id, 'a', clock.now() + 60_000), true);
  assert.equal(await notices.claim(pending.id, 'b', clock.now() + 60_000), false);
  assert.equal((await notices.pending(10)).length, 0);
  clock.advance(61_000);
  assert.equal((await notices.pending(10)).length, 1);
  await notices.markSent(pending.id, { channel: 'D1', ts: '1.2' });
  assert.equal((await notices.pending(10)).length, 0);
  await db.terminate();
});

test('a box written again reads back whole: a failure replaces null and the card stays', async () => {
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock());
  const first = box('b1', 'exp42', { status: 'creating', failure: null });
  await store.transact({}, async (tx) => tx.putBox(first));
  const card = { channel: 'C1', ts: '1.000200' };
  await store.markCardShown(first.id, first.rev, card);
  const failed = { ...first, status: 'failed' as const, failure: { code: 'STOCKOUT', message: 'no T4 left', hint: 'try another region' }, rev: first.rev + 1 };
  await store.transact({}, async (tx) => tx.putBox(failed));

  assert.deepEqual(await store.transact({}, (tx) => tx.getBox(first.id)), failed);
  assert.deepEqual(await store.cardOf(first.id), card);
  await db.terminate();
});

test('a box written with only its changes reads back as a whole write leaves it, keeps its card, and sends the changed fields alone', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const store = new FirestoreBoxStore(db, clock);
  const stored = box('b1', 'exp42', { status: 'ready', instanceId: '4242' });
  await store.transact({}, async (tx) => tx.putBox(stored));
  const card = { channel: 'C1', ts: '1.000300' };
  await store.markCardShown(stored.id, stored.rev, card);
  // What the idle pass changes when it warns: the idle record, the time and the revision.
  const warned: Box = { ...stored, idle: { warnedAt: 1_000, keepUntil: null, stopAt: 1_000 + 3_600_000, cause: 'idle' }, updatedAt: stored.updatedAt + 60_000, rev: stored.rev + 1 };
  const counter = countFirestore(db);
  await store.transact({}, async (tx) => {
    assert.equal((await tx.revisionsOf([stored.id])).get(stored.id), stored.rev);
    tx.putBoxChanges(stored, warned);
  });
  assert.equal(counter.counts.docsWritten, 1);
  // idle, updatedAt and rev, with the two fields the store keeps beside every record (live, cardStale).
  assert.equal(counter.counts.fieldsWritten, 5);
  assert.deepEqual(await store.getBox(stored.id), warned);
  assert.deepEqual(await store.cardOf(stored.id), card, 'the card the notifier recorded stays');
  assert.deepEqual((await store.staleCards(10)).map((c) => c.box.id), [stored.id], 'and is marked behind the record, to be drawn again');

  // The same change written whole sends every field of the record: what the idle pass did before.
  counter.reset();
  const again: Box = { ...warned, updatedAt: warned.updatedAt + 60_000, rev: warned.rev + 1 };
  await store.transact({}, async (tx) => tx.putBox(again));
  assert.ok(counter.counts.fieldsWritten >= Object.keys(again).length, `a whole write sent ${counter.counts.fieldsWritten} fields`);
  await db.terminate();
});

test('a new box takes one batch where the database honours preconditions, and a second box of that name is refused', async (t) => {
  if (!needsOfficialEmulator(t, 'preconditions')) return;
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock(), { honoursPreconditions: true });
  assert.equal(await store.tryCreateBox(box('b1', 'exp42'), 'cmd:T1:trigger-1', { id: 'b1' }), true);
  assert.equal((await store.getBox('b1'))?.name, 'exp42');
  assert.equal(await store.tryCreateBox(box('b2', 'exp42'), 'cmd:T1:trigger-2', { id: 'b2' }), false, 'the name is taken');
  assert.equal(await store.getBox('b2'), null);
  await db.terminate();
});

test('told its database ignores preconditions, the store leaves the one-batch create to the transaction and writes nothing', async () => {
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock(), { honoursPreconditions: false });
  assert.equal(await store.tryCreateBox(box('b1', 'exp42'), 'cmd:T1:trigger-1', { id: 'b1' }), false);
  // Against the official emulator the store once found out for itself, and took the batch here.
  assert.equal(await store.getBox('b1'), null);
  await db.terminate();
});

test('the first tryCreateBox is one commit of three creates and nothing else: no probe of the backend', async (t) => {
  if (!needsOfficialEmulator(t, 'preconditions')) return;
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, new ManualClock(), { honoursPreconditions: true });
  const counter = countFirestore(db);
  assert.equal(await store.tryCreateBox(box('b1', 'exp42'), 'cmd:T1:trigger-1', { ok: true }), true);
  // The request key, the name claim and the box: one round trip, no probe of the backend left to do.
  assert.deepEqual({ commits: counter.counts.commits, written: counter.counts.docsWritten, gets: counter.counts.gets, queries: counter.counts.queries }, { commits: 1, written: 3, gets: 0, queries: 0 });
  assert.equal((await store.getBox('b1'))?.name, 'exp42');
  await db.terminate();
});
