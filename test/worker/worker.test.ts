import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '../../src/worker/worker.js';
import { memoryLogger } from '../../src/log.js';
import type { Fence, LeaseStore } from '../../src/app/ports.js';
import { FirestoreLeaseStore, WORKER_LEASE } from '../../src/store/lease-store.js';
import { ManualClock } from '../support/clock.js';
import { testFirestore } from '../support/firestore.js';

/** A lease that is always granted: this test is about the timer, not about leadership. */
const alwaysLeader: LeaseStore = {
  acquire: async (_name, holder) => ({ holder, fence: 1 }),
  release: async () => undefined,
};

test('a nudge that arrives while a tick runs gets another tick right after it, not one interval later', async () => {
  let runs = 0;
  let releaseFirst: () => void = () => undefined;
  const firstTickHeld = new Promise<void>((resolve) => {
    releaseFirst = resolve;
  });
  const worker = new Worker({
    leases: alwaysLeader,
    log: memoryLogger(),
    intervalMs: 60 * 60_000,
    steps: [
      {
        name: 'count',
        run: async (_fence: Fence) => {
          runs++;
          if (runs === 1) await firstTickHeld;
          return false;
        },
      },
    ],
  });
  worker.start();
  try {
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(runs, 1, 'the first tick is running');
    worker.nudge(); // a listener recorded something the running tick may have missed
    releaseFirst();
    const deadline = Date.now() + 2000;
    while (runs < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(runs, 2, 'a second tick followed within two seconds, though the interval is an hour');
  } finally {
    await worker.stop();
  }
});

// ---------------------------------------------------------------- the lease during long ticks

/** Waits in real time (the renewal runs on a real timer) until `done`, at most `ms`. */
async function within(ms: number, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return done();
}

test('a tick that outlasts the lease renews it, so no other replica takes over while it acts', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const leases = new FirestoreLeaseStore(db, clock);
  const seen: { rival: Fence | null; held: boolean } = { rival: null, held: false };
  const worker = new Worker({
    leases,
    log: memoryLogger(),
    // A 2 s lease, renewed every two thirds of a second while the tick runs.
    intervalMs: 400,
    leaseFloorMs: 2000,
    holder: 'replica-a',
    steps: [
      {
        name: 'slow',
        run: async (fence) => {
          clock.advance(1500);
          const renewed = await within(3000, async () => {
            const doc = (await db.collection('leases').doc(WORKER_LEASE).get()).data() as { expiresAt: number } | undefined;
            return (doc?.expiresAt ?? 0) > clock.now() + 1000;
          });
          assert.ok(renewed, 'the lease was renewed during the tick');
          // Past the lease's first expiry: without the renewal, this replica would have lost it.
          clock.advance(1500);
          seen.rival = await leases.acquire(WORKER_LEASE, 'replica-b', 2000);
          seen.held = await leases.holds(WORKER_LEASE, fence);
          return false;
        },
      },
    ],
  });
  try {
    const result = await worker.tick();
    assert.equal(result.leader, true);
    assert.equal(result.errors, 0);
    assert.equal(seen.rival, null, 'the other replica did not get the lease');
    assert.equal(seen.held, true, 'the tick still held it with its own fence');
  } finally {
    await worker.stop();
    await db.terminate();
  }
});

test('a tick whose lease passed to another replica stops before its next step', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const leases = new FirestoreLeaseStore(db, clock);
  const ran: string[] = [];
  const worker = new Worker({
    leases,
    log: memoryLogger(),
    intervalMs: 400,
    leaseFloorMs: 2000,
    holder: 'replica-a',
    steps: [
      {
        name: 'paused',
        run: async () => {
          ran.push('paused');
          // The process stalls past its lease and another replica takes over meanwhile.
          clock.advance(3000);
          assert.ok(await leases.acquire(WORKER_LEASE, 'replica-b', 60_000));
          // Long enough for a renewal to find out.
          await new Promise((r) => setTimeout(r, 1000));
          return false;
        },
      },
      {
        name: 'cloud',
        run: async () => {
          ran.push('cloud');
          return false;
        },
      },
    ],
  });
  try {
    await worker.tick();
    assert.deepEqual(ran, ['paused'], 'the step after the loss did not run');
  } finally {
    await worker.stop();
    await db.terminate();
  }
});

test('a step stuck past the renewal limit stops renewing the lease, so another replica takes over', async () => {
  const db = testFirestore();
  const clock = new ManualClock();
  const leases = new FirestoreLeaseStore(db, clock);
  const log = memoryLogger();
  let release: () => void = () => undefined;
  const stuck = new Promise<void>((r) => (release = r));
  const worker = new Worker({
    leases,
    log,
    intervalMs: 400,
    leaseFloorMs: 2000,
    // Renewals come every two thirds of a second; the step is given up on after 1.5 s of real time.
    stepRenewLimitMs: 1500,
    holder: 'replica-a',
    steps: [
      {
        name: 'stuck',
        run: async () => {
          await stuck;
          return false;
        },
      },
    ],
  });
  try {
    const tick = worker.tick();
    const gaveUp = await within(5000, async () => log.entries.some((e) => /a tick step is stuck/.test(String(e.message))));
    assert.ok(gaveUp, 'the stuck step was noticed');
    assert.equal(worker.stuckStep()?.step, 'stuck', '/healthz can report it');
    // Once the lease's time is up, the other replica gets it; before the limit it would have been renewed.
    clock.advance(2500);
    const rival = await leases.acquire(WORKER_LEASE, 'replica-b', 2000);
    assert.notEqual(rival, null, 'another replica took the lease');
    release();
    const result = await tick;
    assert.equal(result.leader, true);
    assert.equal(worker.stuckStep(), null, 'nothing is stuck once the step returned');
  } finally {
    await worker.stop();
    await db.terminate();
  }
});
