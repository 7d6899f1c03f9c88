/** The few-seconds cache of the policy and budget reads: shared reads, an age limit, a write that drops it, no kept failures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShortCache } from '../../src/app/short-cache.js';

function reader(values: string[]): { read: () => Promise<string>; reads: () => number } {
  let n = 0;
  return { read: () => Promise.resolve(values[n++] ?? 'none'), reads: () => n };
}

test('readers at the same time share one read, and later ones get it until it is ttl old', async () => {
  let now = 1_000;
  const cache = new ShortCache<string>(5_000, () => now);
  const r = reader(['v1', 'v2']);
  assert.deepEqual(await Promise.all([cache.get('k', r.read), cache.get('k', r.read), cache.get('k', r.read)]), ['v1', 'v1', 'v1']);
  now += 4_999;
  assert.equal(await cache.get('k', r.read), 'v1');
  assert.equal(r.reads(), 1);
  now += 1;
  assert.equal(await cache.get('k', r.read), 'v2', 'read again once the entry is ttl old');
  assert.equal(r.reads(), 2);
});

test('a write through the store drops the entry: the next read goes to the database', async () => {
  const cache = new ShortCache<string>(60_000, () => 0);
  const r = reader(['before', 'after']);
  assert.equal(await cache.get('k', r.read), 'before');
  cache.drop();
  assert.equal(await cache.get('k', r.read), 'after');
});

test('a read in flight when a write drops the cache is not kept for later readers', async () => {
  const cache = new ShortCache<string>(60_000, () => 0);
  let answer: (v: string) => void = () => undefined;
  const slow = cache.get('k', () => new Promise<string>((resolve) => (answer = resolve)));
  cache.drop();
  const r = reader(['after']);
  const fresh = cache.get('k', r.read);
  answer('before');
  assert.equal(await slow, 'before');
  assert.equal(await fresh, 'after');
  assert.equal(await cache.get('k', r.read), 'after', 'the read made after the write is the one kept');
});

test('a failed read is not kept: the next reader tries again', async () => {
  const cache = new ShortCache<string>(60_000, () => 0);
  await assert.rejects(cache.get('k', () => Promise.reject(new Error('UNAVAILABLE'))));
  assert.equal(await cache.get('k', () => Promise.resolve('ok')), 'ok');
});

test('a ttl of 0 reads every time', async () => {
  const cache = new ShortCache<string>(0, () => 0);
  const r = reader(['a', 'b']);
  assert.equal(await cache.get('k', r.read), 'a');
  assert.equal(await cache.get('k', r.read), 'b');
});

test('a clock that went back reads again, and past its most keys every entry is dropped', async () => {
  let now = 10_000;
  const cache = new ShortCache<string>(60_000, () => now, 2);
  const r = reader(['a1', 'a2', 'b1', 'c1', 'a3']);
  assert.equal(await cache.get('a', r.read), 'a1');
  now -= 1;
  assert.equal(await cache.get('a', r.read), 'a2', 'an age it cannot tell is not trusted');
  assert.equal(await cache.get('b', r.read), 'b1');
  assert.equal(await cache.get('c', r.read), 'c1', 'a third key drops the two kept');
  assert.equal(await cache.get('a', r.read), 'a3');
  assert.equal(r.reads(), 5);
});
