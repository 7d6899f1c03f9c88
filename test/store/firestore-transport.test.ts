/**
 * Firestore calls on a connection that stops answering without closing. The client library's defaults
 * wait up to 300 s on such a read with no keepalive to notice; the bot's transport settings
 * (src/store/firestore.ts) must get a read and a transaction through on a new connection instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFirestore, FIRESTORE_TRANSPORT, firestoreTransportSettings } from '../../src/store/firestore.js';
import { startStallingProxy } from '../../scripts/chaos/tcp-proxy.js';
import { emulatorHost, freshProjectId } from '../support/firestore.js';

/** The same settings with short times, so the test waits seconds rather than the production minute. */
const QUICK = { keepaliveTimeMs: 1_000, keepaliveTimeoutMs: 1_000, callTimeoutMs: 3_000, totalTimeoutMs: 20_000 };

/** Resolves to the outcome of `work`, or to 'still waiting' after `ms`: a hung call must not hang the test. */
function within<T>(ms: number, work: Promise<T>): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([work, cap]).finally(() => clearTimeout(timer));
}

test('a read and a transaction get past a wedged Firestore connection on a new one', { timeout: 60_000 }, async (t) => {
  const upstream = emulatorHost();
  const proxy = await startStallingProxy(upstream);
  // The client library prefers FIRESTORE_EMULATOR_HOST over the host it is given: hide it while this
  // client is built, or it would go around the proxy.
  delete process.env.FIRESTORE_EMULATOR_HOST;
  const db = createFirestore({ projectId: freshProjectId(), emulatorHost: proxy.host, transport: QUICK });
  process.env.FIRESTORE_EMULATOR_HOST = upstream;
  t.after(async () => {
    // The proxy first: closing it ends any call still stalled on a wedged connection, so terminate returns.
    await proxy.close();
    await db.terminate().catch(() => undefined);
  });
  const doc = db.collection('transport').doc('a');
  await doc.set({ n: 1 });
  assert.equal((await doc.get()).data()?.n, 1);
  const before = proxy.connections;

  proxy.wedge();
  const read = await within(30_000, doc.get().then((snap) => snap.data()?.n));
  assert.equal(read, 1, 'the read was not retried on a new connection');
  const written = await within(
    30_000,
    db.runTransaction(async (tx) => {
      const snap = await tx.get(doc);
      tx.set(doc, { n: (snap.data()?.n as number) + 1 });
      return 'committed';
    }),
  );
  assert.equal(written, 'committed');
  assert.equal((await doc.get()).data()?.n, 2);
  assert.ok(proxy.connections > before, 'the calls went through a new connection');
});

test('production transport settings bound every call Firestore answers once, and leave the listener streams alone', () => {
  const settings = firestoreTransportSettings(FIRESTORE_TRANSPORT);
  assert.equal(settings['grpc.keepalive_time_ms'], 30_000);
  const service = (settings.clientConfig as { interfaces: Record<string, { methods: Record<string, { timeout_millis: number }> }> }).interfaces['google.firestore.v1.Firestore'];
  assert.ok(service !== undefined);
  for (const method of ['BatchGetDocuments', 'RunQuery', 'Commit', 'BeginTransaction', 'Rollback']) {
    assert.equal(service.methods[method]?.timeout_millis, FIRESTORE_TRANSPORT.callTimeoutMs, method);
  }
  assert.equal(service.methods.Listen, undefined, 'snapshot listeners keep their day-long stream');
  assert.equal(service.methods.Write, undefined);
});
