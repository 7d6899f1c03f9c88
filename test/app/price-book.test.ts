import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PriceBook } from '../../src/app/price-book.js';
import { BUNDLED_AS_OF, BUNDLED_PRICES, BILLING_SERVICES } from '../../src/domain/prices.js';
import { BillingAdapter } from '../../src/gcp/billing.js';
import { createLogger } from '../../src/log.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { FirestorePriceStore, PRICES } from '../../src/store/price-store.js';
import { ManualClock } from '../support/clock.js';
import { sandboxAuth } from '../support/cloud.js';
import { testFirestore } from '../support/firestore.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

let current: BillingSandbox = new BillingSandbox();
const server = await startGoogleSandbox({ handlers: [{ handle: (req) => current.handle(req) }] });
after(() => server.close());

/** A fresh Firestore project, catalogue and clock (2026-11-27 09:00 UTC); `book()` builds one replica's price book. */
function world(regions: readonly string[] = []) {
  const clock = new ManualClock();
  const sandbox = new BillingSandbox({ now: () => clock.now() });
  current = sandbox;
  const db = testFirestore();
  const store = new FirestorePriceStore(db, clock);
  const warnings: string[] = [];
  const log = createLogger({ write: (line) => warnings.push(line) });
  const book = () =>
    new PriceBook({
      catalog: new BillingAdapter({ authClient: sandboxAuth(), rootUrl: server.url, retries: 0 }),
      store,
      clock,
      log,
      regions,
    });
  return { clock, sandbox, db, store, book, warnings };
}

test('prices are read from the catalogue once, kept in Firestore, and shared with another replica', async () => {
  const w = world();
  const first = w.book();
  const table = await first.prices('us-central1');
  assert.deepEqual(table.source, { kind: 'catalog', asOf: '2026-11-27' });
  assert.equal(table.gpus.t4?.onDemand, 0.35);
  // One page of Compute Engine SKUs and one of Vertex AI's.
  assert.equal(w.sandbox.count(BILLING_SERVICES.compute), 1);
  assert.equal(w.sandbox.count(BILLING_SERVICES.vertex), 1);

  assert.deepEqual(await first.prices('us-central1'), table);
  assert.equal(w.sandbox.count(), 2, 'the second ask is answered from memory');

  const doc = await w.db.collection(PRICES).doc('compute-us-central1').get();
  assert.ok(doc.exists);
  assert.equal(doc.get('fetchedAt'), w.clock.now());

  const replica = w.book();
  assert.deepEqual(await replica.prices('us-central1'), table);
  assert.equal(w.sandbox.count(), 2, 'another replica reads Firestore, not the catalogue');
  await w.db.terminate();
});

test('prices are read again after a day, and a price change shows then', async () => {
  const w = world();
  const book = w.book();
  await book.prices('us-central1');
  w.sandbox.setPrice('Nvidia Tesla T4 GPU running in Americas', 0.37);

  w.clock.advance(DAY - 1);
  assert.equal((await book.prices('us-central1')).gpus.t4?.onDemand, 0.35, 'still the day-old table');
  assert.equal(w.sandbox.count(), 2);

  w.clock.advance(1);
  const next = await book.prices('us-central1');
  assert.equal(next.gpus.t4?.onDemand, 0.37);
  assert.deepEqual(next.source, { kind: 'catalog', asOf: '2026-11-28' });
  assert.equal(w.sandbox.count(), 4);
  assert.equal((await w.store.get('us-central1'))?.table.gpus.t4?.onDemand, 0.37, 'the new table is stored for the others');
  await w.db.terminate();
});

test('with the API failing and nothing read before, the bundled table is used, with its date and why', async () => {
  const w = world();
  w.sandbox.fail(403);
  const book = w.book();
  const table = await book.prices('us-central1');
  assert.equal(table.source.kind, 'bundled');
  assert.equal(table.source.asOf, BUNDLED_AS_OF);
  assert.match(table.source.note ?? '', /list prices of 2026-01-01/);
  assert.match(table.source.note ?? '', /not enabled or not permitted/);
  assert.deepEqual(table.gpus, BUNDLED_PRICES['us-central1']?.gpus);
  assert.equal(w.sandbox.count(), 2);
  assert.ok(w.warnings.some((line) => /could not read the Cloud Billing Catalog/.test(line)));

  // The catalogue is not asked again at every message, only after an hour.
  await book.prices('us-central1');
  assert.equal(w.sandbox.count(), 2);
  w.sandbox.fail(null);
  w.clock.advance(HOUR);
  assert.deepEqual((await book.prices('us-central1')).source, { kind: 'catalog', asOf: '2026-11-27' });
  assert.equal(w.sandbox.count(), 4);
  await w.db.terminate();
});

test('with the API down after a good read, the last table read is used, saying from when', async () => {
  const w = world();
  const book = w.book();
  await book.prices('us-central1');
  w.sandbox.fail(503);
  w.clock.advance(DAY + HOUR);
  const table = await book.prices('us-central1');
  assert.equal(table.source.kind, 'catalog');
  assert.equal(table.source.asOf, '2026-11-27');
  assert.equal(table.source.note, 'the Cloud Billing API could not be reached; prices as read on 2026-11-27');
  assert.equal(table.gpus.t4?.onDemand, 0.35);

  // A replica that starts now finds the old table in Firestore and does the same.
  const replica = w.book();
  const seen = await replica.prices('us-central1');
  assert.equal(seen.source.asOf, '2026-11-27');
  assert.match(seen.source.note ?? '', /could not be reached/);
  await w.db.terminate();
});

test('one read of the catalogue serves every region asked for, and concurrent asks share it', async () => {
  const w = world(['europe-west4']);
  const book = w.book();
  const [a, b, c] = await Promise.all([book.prices('us-central1'), book.prices('us-central1'), book.prices('europe-west4')]);
  assert.equal(a.region, 'us-central1');
  assert.deepEqual(a, b);
  assert.equal(c.region, 'europe-west4');
  assert.equal(c.gpus.t4?.onDemand, 0.385);
  assert.equal(w.sandbox.count(), 2);
  assert.equal((await w.store.get('europe-west4'))?.table.region, 'europe-west4');
  await w.db.terminate();
});

test('a region the catalogue has no prices for gets the bundled us-central1 table, saying so', async () => {
  const w = world();
  const table = await w.book().prices('me-central2');
  assert.equal(table.source.kind, 'bundled');
  assert.equal(table.region, 'me-central2');
  assert.match(table.source.note ?? '', /lists no Compute Engine prices for me-central2/);
  assert.match(table.source.note ?? '', /no bundled prices for me-central2, so us-central1's are shown/);
  await w.db.terminate();
});

test('the store keeps the newest table when two replicas write, and ignores documents of another shape', async () => {
  const w = world();
  const table = BUNDLED_PRICES['us-central1'];
  assert.ok(table);
  const newer = { table: { ...table, source: { kind: 'catalog' as const, asOf: '2026-11-27' } }, fetchedAt: w.clock.now() };
  await w.store.put('us-central1', newer);
  await w.store.put('us-central1', { table, fetchedAt: w.clock.now() - HOUR });
  assert.deepEqual(await w.store.get('us-central1'), newer);
  await w.db.collection(PRICES).doc('compute-us-central1').update({ schema: 0 });
  assert.equal(await w.store.get('us-central1'), null);
  assert.equal(await w.store.get('us-east1'), null);
  await w.db.terminate();
});

test('a catalogue price off by orders of magnitude is rejected with a warning; the last good or bundled one is used', async () => {
  const w = world();
  // A SKU whose unit conversion was misread: a T4 at hundreds of millions of dollars an hour.
  w.sandbox.setPrice('Nvidia Tesla T4 GPU running in Americas', 350_000_000);
  const first = await w.book().prices('us-central1');
  assert.equal(first.gpus.t4?.onDemand, BUNDLED_PRICES['us-central1']?.gpus.t4?.onDemand, 'nothing read before: the bundled price');
  assert.ok(w.warnings.some((l) => l.includes('implausible') && l.includes('gpus.t4.onDemand=350000000')), 'a warning names the rate');
  assert.equal(first.gpus.l4?.onDemand, 0.56, 'the plausible prices of the same read are kept');

  const w2 = world();
  const book = w2.book();
  await book.prices('us-central1');
  w2.sandbox.setPrice('Nvidia Tesla T4 GPU running in Americas', 0.37);
  w2.clock.advance(DAY);
  assert.equal((await book.prices('us-central1')).gpus.t4?.onDemand, 0.37, 'a real price change is taken');
  w2.sandbox.setPrice('Nvidia Tesla T4 GPU running in Americas', 370_000);
  w2.clock.advance(DAY);
  assert.equal((await book.prices('us-central1')).gpus.t4?.onDemand, 0.37, 'the last good price, not the implausible one');
  await w.db.terminate();
  await w2.db.terminate();
});

test('a region-shaped string that is no Google Cloud region gets no catalogue read and no stored entry', async () => {
  const w = world();
  const book = w.book();
  for (let i = 0; i < 20; i++) await book.prices(`xx-fake${i}`);
  assert.equal(w.sandbox.count(), 0, 'the catalogue was not read for them');
  assert.equal((await w.db.collection(PRICES).get()).size, 0, 'nothing stored for them');
  const table = await book.prices('xx-fake1');
  assert.match(table.source.note ?? '', /xx-fake1 is not a Google Cloud region/);
  await w.db.terminate();
});
