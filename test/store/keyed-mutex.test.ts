import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedMutex } from '../../src/store/keyed-mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('work on the same key runs one at a time, in arrival order; other keys run alongside', async () => {
  const mutex = new KeyedMutex();
  const log: string[] = [];
  const job = (key: string, name: string) =>
    mutex.run([key], async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
    });
  await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);
  assert.deepEqual(log.filter((l) => l.endsWith('a1') || l.endsWith('a2')), ['start a1', 'end a1', 'start a2', 'end a2']);
  assert.ok(log.indexOf('start b1') < log.indexOf('end a1'), 'b did not wait for a');
});

test('a failing holder releases its keys, and crossed key orders cannot deadlock', async () => {
  const mutex = new KeyedMutex();
  await assert.rejects(mutex.run(['x'], async () => Promise.reject(new Error('boom'))), /boom/);
  const results = await Promise.all([
    mutex.run(['x', 'y'], async () => (await tick(), 1)),
    mutex.run(['y', 'x'], async () => (await tick(), 2)),
  ]);
  assert.deepEqual(results, [1, 2]);
});
