/** Channels' team bindings: one document per channel, written with its audit entry once per request, read by every replica. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirestoreTeamStore, TEAMS } from '../../src/store/team-store.js';
import { FirestoreAuditStore } from '../../src/store/audit-store.js';
import { Teams } from '../../src/app/teams.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';

const asker = (requestKey: string, userId = 'UADMIN', channelId = 'CVISION') => ({ userId, channelId, requestKey });

test('a binding set by an admin reads back on another store, is audited once per request, and clear removes it', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const teams = new Teams({ store: new FirestoreTeamStore(db), clock, isAdmin: (u) => u === 'UADMIN', admins: ['UADMIN'] });
    assert.equal(await teams.teamOf('CVISION'), null);
    const set = await teams.set(asker('cmd:T:1'), { action: 'set', project: 'vision-lab', region: 'europe-west4', budgetUsd: 500 });
    assert.ok(set.ok);
    const expected = { channel: 'CVISION', project: 'vision-lab', region: 'europe-west4', budgetUsd: 500, updatedBy: 'UADMIN', updatedAt: clock.now() };
    assert.deepEqual(set.value.team, expected);
    assert.deepEqual(await new FirestoreTeamStore(db).get('CVISION'), expected);
    // Slack retries the same request: the binding and the trail stay as the first one left them.
    clock.advance(1000);
    assert.ok((await teams.set(asker('cmd:T:1'), { action: 'set', budgetUsd: 900 })).ok);
    assert.equal((await new FirestoreTeamStore(db).get('CVISION'))?.budgetUsd, 500);
    // A new request changes only what it names.
    assert.ok((await teams.set(asker('cmd:T:2'), { action: 'set', budgetUsd: 900 })).ok);
    assert.deepEqual(await new FirestoreTeamStore(db).get('CVISION'), { ...expected, budgetUsd: 900, updatedAt: clock.now() });
    assert.deepEqual((await new FirestoreTeamStore(db).all()).map((t) => t.channel), ['CVISION']);
    const cleared = await teams.clear(asker('cmd:T:3'));
    assert.ok(cleared.ok && cleared.value.cleared?.project === 'vision-lab');
    assert.equal(await new FirestoreTeamStore(db).get('CVISION'), null);
    const trail = await new FirestoreAuditStore(db).entries({ sinceMs: 0, limit: 10 });
    assert.deepEqual(trail.map((e) => e.action).sort(), ['team-bind', 'team-bind', 'team-clear']);
    assert.ok(trail.every((e) => e.targetKind === 'team' && e.targetId === 'CVISION' && e.who === 'UADMIN' && e.via === 'command'));
  } finally {
    await db.terminate();
  }
});

test('only admins bind, only channels are teams, and a document broken by hand binds nothing', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const store = new FirestoreTeamStore(db);
    const teams = new Teams({ store, clock, isAdmin: (u) => u === 'UADMIN', admins: ['UADMIN'] });
    const refused = await teams.set(asker('cmd:T:9', 'UALICE'), { action: 'set', project: 'vision-lab' });
    assert.ok(!refused.ok && refused.error.code === 'NOT_ADMIN' && refused.error.message.includes('<@UADMIN>'));
    const clear = await teams.clear(asker('cmd:T:10', 'UALICE'));
    assert.ok(!clear.ok && clear.error.code === 'NOT_ADMIN');
    const dm = await teams.set(asker('cmd:T:11', 'UADMIN', 'D0123'), { action: 'set', project: 'vision-lab' });
    assert.ok(!dm.ok && dm.error.code === 'NOT_A_CHANNEL');
    assert.equal(await teams.teamOf('D0123'), null);
    assert.equal(await store.get('CVISION'), null);
    await db.collection(TEAMS).doc('CBROKEN').set({ project: 'Not A Project', region: null, budgetUsd: -1 });
    assert.equal(await store.get('CBROKEN'), null);
    assert.deepEqual(await store.all(), []);
  } finally {
    await db.terminate();
  }
});

test('the bound projects are read once a minute, again at once after a change here, and a failed read is not kept', async () => {
  const db = testFirestore();
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  try {
    const store = new FirestoreTeamStore(db);
    let reads = 0;
    let failNext = false;
    const counted = {
      get: (c: string) => store.get(c),
      put: (...a: Parameters<FirestoreTeamStore['put']>) => store.put(...a),
      all: () => {
        reads++;
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('firestore unavailable'));
        }
        return store.all();
      },
    };
    const teams = new Teams({ store: counted, clock, isAdmin: (u) => u === 'UADMIN', admins: ['UADMIN'] });
    assert.deepEqual(await teams.boundProjects(), []);
    assert.ok((await teams.set(asker('cmd:B:1'), { action: 'set', project: 'vision-lab' })).ok);
    // A binding with no project of its own keeps the configured one: it names no project to list.
    assert.ok((await teams.set(asker('cmd:B:2', 'UADMIN', 'CBUDGET'), { action: 'set', budgetUsd: 100 })).ok);
    assert.deepEqual(await teams.boundProjects(), ['vision-lab']);
    const before = reads;
    // Another replica binds a channel: seen once the minute is over, not before.
    const entry = { key: 'other:1', at: clock.now(), who: 'UADMIN', action: 'team-bind' as const, targetKind: 'team' as const, targetId: 'CAUDIO', targetName: 'CAUDIO', via: 'command' as const, channel: 'CAUDIO', detail: null };
    await store.put('CAUDIO', { channel: 'CAUDIO', project: 'audio-lab', region: null, budgetUsd: null, updatedBy: 'UADMIN', updatedAt: clock.now() }, entry);
    clock.advance(59_000);
    assert.deepEqual(await teams.boundProjects(), ['vision-lab']);
    assert.equal(reads, before, 'no read inside the minute');
    clock.advance(1_000);
    assert.deepEqual(await teams.boundProjects(), ['audio-lab', 'vision-lab']);
    assert.equal(reads, before + 1);
    // A failed read throws to the caller and is read again on the next call.
    clock.advance(60_000);
    failNext = true;
    await assert.rejects(teams.boundProjects(), /firestore unavailable/);
    assert.deepEqual(await teams.boundProjects(), ['audio-lab', 'vision-lab']);
  } finally {
    await db.terminate();
  }
});
