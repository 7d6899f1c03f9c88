/** The weekly stopped-box run takes the live boxes the tick's box pass already read, instead of reading them all again. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoppedReminders } from '../../src/app/stopped-reminders.js';
import { defaultPolicy } from '../../src/domain/policy.js';
import type { Box } from '../../src/domain/box.js';
import type { NoticeDraft } from '../../src/domain/notice.js';
import { createLogger } from '../../src/log.js';
import { makeBox } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';

const DAY = 24 * 3_600_000;

test("a due run reminds about the box pass's boxes without reading the live boxes again", async () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1));
  const stoppedAt = clock.now() - 20 * DAY;
  const stopped = makeBox({ id: 'b1', name: 'old', status: 'stopped', desired: 'stopped', history: [{ at: stoppedAt, status: 'stopped' }], updatedAt: stoppedAt });
  let liveReads = 0;
  const recorded: { box: Pick<Box, 'id'> | null; draft: NoticeDraft }[] = [];
  const reminders = new StoppedReminders({
    boxes: {
      liveBoxes: () => {
        liveReads++;
        return Promise.resolve([stopped]);
      },
      getBox: () => Promise.resolve(null),
      transact: () => Promise.reject(new Error('not used here')),
    },
    run: {
      lastRun: () => Promise.resolve(null),
      recordRun: (_now, _every, notices) => {
        recorded.push(...notices);
        return Promise.resolve(true);
      },
    },
    clock,
    log: createLogger({ level: 'error', write: () => undefined }),
    policy: () => Promise.resolve(defaultPolicy({ idleOffAllowed: true, maxRunningMs: 72 * 3_600_000, pastBudget: 'approve' })),
    auth: { isAdmin: () => false },
    prices: () => Promise.resolve(undefined),
  });
  assert.equal(await reminders.run([stopped]), 1, 'the owner of the box stopped 20 days is reminded');
  assert.equal(liveReads, 0, 'no second read of the live boxes');
  assert.deepEqual(recorded.map((n) => n.box?.id ?? 'admins'), ['b1', 'admins']);
});
