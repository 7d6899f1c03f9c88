// inLanes: the controllers' bounded concurrency. A hanging step must hold up its own lane only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inLanes } from '../../src/app/lanes.js';

test('every item is stepped once, never more than the lanes at a time, and a slow one does not hold up the rest', async () => {
  let running = 0;
  let most = 0;
  const done: number[] = [];
  let release: () => void = () => undefined;
  const slow = new Promise<void>((r) => (release = r));
  const items = Array.from({ length: 20 }, (_, i) => i);
  const all = inLanes(items, 3, async (i) => {
    running++;
    most = Math.max(most, running);
    if (i === 0) await slow;
    else await new Promise((r) => setImmediate(r));
    running--;
    done.push(i);
  });
  // Item 0 hangs in its lane; the other two lanes finish everything else meanwhile.
  while (done.length < 19) await new Promise((r) => setImmediate(r));
  assert.deepEqual([...done].sort((a, b) => a - b), items.slice(1));
  release();
  await all;
  assert.deepEqual([...done].sort((a, b) => a - b), items);
  assert.equal(most, 3);
});

test('a step that throws stops the lanes taking more items, and its error is thrown once all are done', async () => {
  const started: number[] = [];
  await assert.rejects(
    inLanes([1, 2, 3, 4, 5, 6], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setImmediate(r));
      if (i === 2) throw new Error('lost the lease');
    }),
    /lost the lease/,
  );
  assert.ok(started.length < 6, `stopped early: ${started.join(', ')}`);
});

test('with keepGoing, a step that throws stops nothing: every item is stepped, then the first error is thrown', async () => {
  const started: number[] = [];
  await assert.rejects(
    inLanes(
      [1, 2, 3, 4, 5, 6],
      2,
      async (i) => {
        started.push(i);
        await new Promise((r) => setImmediate(r));
        if (i === 2 || i === 5) throw new Error(`chunk ${i} failed`);
      },
      { keepGoing: true },
    ),
    /chunk 2 failed/,
  );
  assert.deepEqual([...started].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6]);
});

test('no items, no steps', async () => {
  let steps = 0;
  await inLanes([], 4, async () => {
    steps++;
  });
  assert.equal(steps, 0);
});
