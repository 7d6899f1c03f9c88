/**
 * What an idle pass writes to Firestore, counted at the client against the emulator: the boxes whose
 * step changed (and their notices) and nothing else, in a few transactions rather than one per box;
 * a second pass over the same signals writes nothing. Also: a box a person changed meanwhile keeps
 * their change while the rest of its transaction goes through.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { IdleController } from '../../src/app/idle-controller.js';
import type { Box } from '../../src/domain/box.js';
import { DEFAULT_IDLE_THRESHOLDS } from '../../src/domain/idle.js';
import { MonitoringAdapter } from '../../src/gcp/monitoring.js';
import { memoryLogger } from '../../src/log.js';
import { MonitoringSandbox } from '../../src/sandbox/google/monitoring.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { activitySampler } from '../../src/sandbox/google/utilization.js';
import { FirestoreBoxStore, NOTICES } from '../../src/store/box-store.js';
import { FirestoreLeaseStore } from '../../src/store/lease-store.js';
import { countFirestore } from '../../bench/firestore-counter.js';
import { makeBox, MIN } from '../support/boxes.js';
import { testFirestore } from '../support/firestore.js';

const PROJECT = 'gpubot-test';
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const WINDOW_MS = 60 * MIN;

async function setUp(boxes: number) {
  const clock = { now: () => NOW };
  const ids = Array.from({ length: boxes }, (_, i) => String(7_100_000_000 + i));
  // Odd boxes idle for three hours (longer than the window), even ones busy on their GPU.
  const idle = new Set(ids.filter((_, i) => i % 2 === 1));
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: clock.now });
  ids.forEach((id, i) => sandbox.setInstance(id, { name: `box-${i}`, zone: 'us-central1-a', labels: { 'managed-by': 'gpubot', 'gpubot-id': `b${i}` } }));
  sandbox.setSampler(activitySampler((id) => (idle.has(id) ? 'idle' : 'gpu-busy'), NOW - 3 * 60 * MIN));
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, clock);
  const records: Box[] = ids.map((instanceId, i) =>
    makeBox({
      id: `b${String(i).padStart(4, '0')}`,
      name: `box-${i}`,
      instanceId,
      history: [
        { status: 'requested', at: NOW - 306 * MIN },
        { status: 'booting', at: NOW - 304 * MIN },
        { status: 'ready', at: NOW - 300 * MIN },
      ],
      createdAt: NOW - 306 * MIN,
      updatedAt: NOW - 300 * MIN,
    }),
  );
  for (let i = 0; i < records.length; i += 40) {
    await Promise.all(records.slice(i, i + 40).map((box) => store.transact({ lockKeys: [box.id] }, async (tx) => tx.putBox(box))));
  }
  const fence = await new FirestoreLeaseStore(db, clock).acquire('worker', 'test-replica', 3_600_000);
  assert.ok(fence !== null, 'a fresh project has a free worker lease');
  const controller = new IdleController({
    signals: new MonitoringAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url }),
    store,
    clock,
    log: memoryLogger(),
    policy: { gpuBelowPercent: DEFAULT_IDLE_THRESHOLDS.gpuBelowPercent, cpuBelowFraction: DEFAULT_IDLE_THRESHOLDS.cpuBelowFraction, defaultWindowMs: WINDOW_MS },
    graceMs: 15 * MIN,
    maxKeepMs: 8 * 60 * MIN,
  });
  const counter = countFirestore(db);
  return {
    db,
    store,
    fence,
    controller,
    counter,
    idleBoxes: records.filter((b) => idle.has(b.instanceId ?? '')),
    busyBoxes: records.filter((b) => !idle.has(b.instanceId ?? '')),
    close: async () => {
      await db.terminate();
      await server.close();
    },
  };
}

test('an idle pass writes only the boxes it warns (and their notices), a few transactions for many boxes; the next pass writes nothing', async () => {
  const s = await setUp(240);
  try {
    const busyBefore = await Promise.all(s.busyBoxes.map((b) => s.db.collection('boxes').doc(b.id).get()));
    s.counter.reset();
    const report = await s.controller.run(s.fence);
    assert.equal(report.warned, s.idleBoxes.length);
    // Each warned box: the box and two notices (thread and DM). A busy box: nothing.
    assert.equal(s.counter.counts.docsWritten, 3 * s.idleBoxes.length);
    // 120 warned boxes in transactions of up to 100: two commits, not one per box.
    assert.equal(s.counter.counts.commits, Math.ceil(s.idleBoxes.length / 100));
    const busyAfter = await Promise.all(s.busyBoxes.map((b) => s.db.collection('boxes').doc(b.id).get()));
    busyAfter.forEach((snap, i) => assert.ok(snap.updateTime?.isEqual(busyBefore[i]?.updateTime ?? snap.updateTime) && snap.updateTime !== undefined, `${snap.id} was rewritten`));
    for (const box of s.idleBoxes) assert.equal((await s.store.getBox(box.id))?.idle?.warnedAt, NOW, `${box.id} was not warned`);
    assert.equal((await s.db.collection(NOTICES).count().get()).data().count, 2 * s.idleBoxes.length);

    // Nothing changed since: no box moves a step, so nothing is written and no transaction opened.
    s.counter.reset();
    const again = await s.controller.run(s.fence);
    assert.equal(again.warned, 0);
    assert.equal(s.counter.counts.docsWritten, 0);
    assert.equal(s.counter.counts.commits, 0);
  } finally {
    await s.close();
  }
});

test('a box someone changed since the pass read it keeps their change; the others in its transaction are warned', async () => {
  const s = await setUp(6);
  try {
    const [kept, ...others] = s.idleBoxes;
    assert.ok(kept !== undefined);
    // The pass reads the live boxes first; a person's Keep lands between that read and the commit.
    const liveBoxes = s.store.liveBoxes.bind(s.store);
    s.store.liveBoxes = async () => {
      const seen = await liveBoxes();
      await s.store.transact({ lockKeys: [kept.id] }, async (tx) => {
        const box = await tx.getBox(kept.id);
        if (box !== null) tx.putBox({ ...box, rev: box.rev + 1, updatedAt: NOW });
      });
      return seen;
    };
    const report = await s.controller.run(s.fence);
    assert.equal(report.warned, s.idleBoxes.length);
    assert.equal((await s.store.getBox(kept.id))?.idle?.warnedAt ?? null, null, 'the box changed meanwhile was overwritten');
    for (const box of others) assert.equal((await s.store.getBox(box.id))?.idle?.warnedAt, NOW);
    assert.equal((await s.db.collection(NOTICES).count().get()).data().count, 2 * others.length);
  } finally {
    await s.close();
  }
});

test('an idle pass given the box pass\'s live boxes reads none of them again: only the lease and the boxes it warns, in its transactions', async () => {
  const s = await setUp(40);
  try {
    const live = await s.store.liveBoxes();
    s.counter.reset();
    const report = await s.controller.run(s.fence, live);
    assert.equal(report.warned, s.idleBoxes.length);
    assert.equal(s.counter.counts.queries, 0, 'no query for the live boxes');
    // One transaction (20 warned boxes): the lease for the fence, then the warned boxes for their revisions.
    assert.equal(s.counter.counts.docsRead, 1 + s.idleBoxes.length);
    assert.equal(s.counter.counts.docsWritten, 3 * s.idleBoxes.length);
  } finally {
    await s.close();
  }
});
