import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '../../src/worker/worker.js';
import { memoryLogger } from '../../src/log.js';
import type { Fence, LeaseStore } from '../../src/app/ports.js';

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
