import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BillingAdapter } from '../../src/gcp/billing.js';
import { BILLING_SERVICES, type PriceTable } from '../../src/domain/prices.js';
import { parseSkus } from '../../src/domain/price-skus.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { sandboxAuth } from '../support/cloud.js';

const COMPUTE = BILLING_SERVICES.compute;
const VERTEX = BILLING_SERVICES.vertex;

let sandbox = new BillingSandbox({ now: () => Date.parse('2026-11-27T09:00:00Z') });
const server = await startGoogleSandbox({ handlers: [{ handle: (req) => sandbox.handle(req) }] });
after(() => server.close());

function setup(options: { pageSize?: number; retries?: number } = {}): { sandbox: BillingSandbox; adapter: BillingAdapter } {
  sandbox = new BillingSandbox({ now: () => Date.parse('2026-11-27T09:00:00Z') });
  return { sandbox, adapter: new BillingAdapter({ authClient: sandboxAuth(), rootUrl: server.url, ...options }) };
}

test('listSkus pages through the whole catalogue: one call per page, every SKU once', async () => {
  const { sandbox: sb, adapter } = setup({ pageSize: 20 });
  const expected = sb.skus(COMPUTE);
  const result = await adapter.listSkus(COMPUTE, 'USD');
  assert.ok(result.ok, JSON.stringify(result));
  const pages = Math.ceil(expected.length / 20);
  assert.ok(pages > 3, 'small pages force several calls');
  assert.equal(sb.count(COMPUTE), pages);
  assert.equal(adapter.callCounts.get('services.skus.list'), pages);
  assert.deepEqual(sb.calls.map((c) => c.pageSize), Array.from({ length: pages }, () => 20));
  assert.deepEqual(sb.calls.map((c) => c.pageToken === null), [true, ...Array.from({ length: pages - 1 }, () => false)]);
  assert.deepEqual(JSON.parse(JSON.stringify(result.value)), expected);
});

test('with the default page size the catalogue takes one call per service', async () => {
  const { sandbox: sb, adapter } = setup();
  const compute = await adapter.listSkus(COMPUTE, 'USD');
  const vertex = await adapter.listSkus(VERTEX, 'USD');
  assert.ok(compute.ok && vertex.ok);
  assert.equal(sb.count(COMPUTE), 1);
  assert.equal(sb.count(VERTEX), 1);
  assert.equal(sb.calls[0]?.pageSize, 5000);
  assert.equal(vertex.value.length, sb.skus(VERTEX).length);
});

test('prices come in the currency asked for', async () => {
  const { sandbox: sb, adapter } = setup();
  const result = await adapter.listSkus(COMPUTE, 'EUR');
  assert.ok(result.ok);
  assert.equal(sb.calls[0]?.currencyCode, 'EUR');
  const table = parseSkus(result.value, 'us-central1', { asOf: '2026-11-27' });
  assert.equal(table.currency, 'EUR');
  assert.ok(Math.abs((table.gpus.t4?.onDemand ?? 0) - 0.322) < 1e-9, `0.35 USD = 0.322 EUR, got ${table.gpus.t4?.onDemand}`);
});

// The reference's sample us-central1 list prices (REFERENCE.md "Prices") and what follows from them:
// Spot 60% off, Vertex training 15% above Compute, disks per GiB-month of 31 days.
const US_CENTRAL1: PriceTable = {
  region: 'us-central1',
  currency: 'USD',
  gpus: {
    t4: { onDemand: 0.35, spot: 0.14 },
    l4: { onDemand: 0.56, spot: 0.224 },
    v100: { onDemand: 2.48, spot: 0.992 },
    p100: { onDemand: 1.46, spot: 0.584 },
    a100: { onDemand: 2.93, spot: 1.172 },
    'a100-80gb': { onDemand: 3.93, spot: 1.572 },
    h100: { onDemand: 9.166656, spot: 3.666662 },
  },
  families: {
    n1: { vcpu: { onDemand: 0.031611, spot: 0.012644 }, ramGib: { onDemand: 0.004237, spot: 0.001695 } },
    'n1-custom': { vcpu: { onDemand: 0.033174, spot: 0.01327 }, ramGib: { onDemand: 0.004446, spot: 0.001778 } },
    a2: { vcpu: { onDemand: 0.031611, spot: 0.012644 }, ramGib: { onDemand: 0.004237, spot: 0.001695 } },
    'a2-ultra': { vcpu: { onDemand: 0.031611, spot: 0.012644 }, ramGib: { onDemand: 0.004237, spot: 0.001695 } },
    g2: { vcpu: { onDemand: 0.024988, spot: 0.009995 }, ramGib: { onDemand: 0.002927, spot: 0.001171 } },
    a3: { vcpu: { onDemand: 0.031611, spot: 0.012644 }, ramGib: { onDemand: 0.004237, spot: 0.001695 } },
  },
  disks: {
    'pd-balanced': { perGibMonth: 0.1, hoursPerMonth: 744 },
    'pd-standard': { perGibMonth: 0.04, hoursPerMonth: 744 },
    'pd-ssd': { perGibMonth: 0.17, hoursPerMonth: 744 },
  },
  training: {
    gpus: { t4: 0.4025, l4: 0.644, v100: 2.852, p100: 1.679, a100: 3.3695, 'a100-80gb': 4.5195, h100: 10.541654 },
    families: {
      n1: { vcpu: 0.036353, ramGib: 0.004873 },
      a2: { vcpu: 0.036353, ramGib: 0.004873 },
      'a2-ultra': { vcpu: 0.036353, ramGib: 0.004873 },
      g2: { vcpu: 0.028736, ramGib: 0.003366 },
      a3: { vcpu: 0.036353, ramGib: 0.004873 },
    },
  },
  source: { kind: 'catalog', asOf: '2026-11-27' },
};

test('what the real client reads, parsed for us-central1, is the sample list prices', async () => {
  const { adapter } = setup({ pageSize: 40 });
  const compute = await adapter.listSkus(COMPUTE, 'USD');
  const vertex = await adapter.listSkus(VERTEX, 'USD');
  assert.ok(compute.ok && vertex.ok);
  assert.deepEqual(parseSkus([...vertex.value, ...compute.value], 'us-central1', { asOf: '2026-11-27' }), US_CENTRAL1);
});

test('a disabled or forbidden API is a permission failure, after one call', async () => {
  const { sandbox: sb, adapter } = setup();
  sb.fail(403);
  const result = await adapter.listSkus(COMPUTE, 'USD');
  assert.equal(result.ok, false);
  assert.equal(result.ok ? null : result.failure.kind, 'permission');
  assert.match(result.ok ? '' : result.failure.message, /Cloud Billing API has not been used/);
  assert.equal(sb.count(), 1);
});

test('an outage is a transient failure; the client library retries it as many times as configured', async () => {
  const once = setup({ retries: 0 });
  once.sandbox.fail(503);
  const result = await once.adapter.listSkus(COMPUTE, 'USD');
  assert.equal(result.ok ? null : result.failure.kind, 'transient');
  assert.equal(once.sandbox.count(), 1);

  const twice = setup({ retries: 2 });
  twice.sandbox.fail(503);
  assert.equal((await twice.adapter.listSkus(COMPUTE, 'USD')).ok, false);
  assert.equal(twice.sandbox.count(), 3, 'one call and two retries');
  assert.equal(twice.adapter.callCounts.get('services.skus.list'), 1, 'one page asked for');
});

test('a server that cannot be reached is a transient failure', async () => {
  const adapter = new BillingAdapter({ authClient: sandboxAuth(), rootUrl: 'http://127.0.0.1:9', retries: 0 });
  const result = await adapter.listSkus(COMPUTE, 'USD');
  assert.equal(result.ok ? null : result.failure.kind, 'transient');
});
