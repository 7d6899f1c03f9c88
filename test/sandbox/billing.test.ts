import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BUNDLED_PRICES } from '../../src/domain/prices.js';
import { parseSkus } from '../../src/domain/price-skus.js';
import {
  BillingSandbox,
  COMPUTE_SERVICE_ID,
  VERTEX_SERVICE_ID,
  toMoney,
  type BillingSku,
  type ListSkusResponse,
} from '../../src/sandbox/google/billing.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';

let now = Date.parse('2026-11-27T09:00:00Z');
let sandbox = new BillingSandbox({ now: () => now });
const server = await startGoogleSandbox({ handlers: [{ handle: (req) => sandbox.handle(req) }] });
after(() => server.close());

function fresh(): BillingSandbox {
  now = Date.parse('2026-11-27T09:00:00Z');
  sandbox = new BillingSandbox({ now: () => now });
  return sandbox;
}

interface Answer {
  status: number;
  body: Partial<ListSkusResponse> & { error?: { code: number; status: string; message: string; details?: { reason?: string }[] } };
}

async function list(service: string, query: Record<string, string> = {}, auth = true): Promise<Answer> {
  const qs = new URLSearchParams(query).toString();
  const response = await fetch(`${server.url}/v1/services/${service}/skus${qs === '' ? '' : `?${qs}`}`, {
    headers: auth ? { authorization: 'Bearer sandbox-token' } : {},
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

async function allPages(service: string, query: Record<string, string>): Promise<{ skus: BillingSku[]; pages: number }> {
  const skus: BillingSku[] = [];
  let pages = 0;
  let token = '';
  do {
    const answer = await list(service, token === '' ? query : { ...query, pageToken: token });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    pages++;
    skus.push(...(answer.body.skus ?? []));
    token = answer.body.nextPageToken ?? '';
  } while (token !== '');
  return { skus, pages };
}

const price = (sku: BillingSku): number => {
  const unit = sku.pricingInfo[0]?.pricingExpression.tieredRates[0]?.unitPrice;
  assert.ok(unit);
  return (Number(unit.units) * 1e9 + unit.nanos) / 1e9;
};

test('the whole catalogue comes in pages of pageSize, one call per page, in the same order every time', async () => {
  const sb = fresh();
  const everything = sb.skus(COMPUTE_SERVICE_ID);
  assert.ok(everything.length > 100, `a realistic catalogue has many SKUs, got ${everything.length}`);
  const { skus, pages } = await allPages(COMPUTE_SERVICE_ID, { pageSize: '25' });
  assert.equal(pages, Math.ceil(everything.length / 25));
  assert.equal(sb.count(COMPUTE_SERVICE_ID), pages);
  assert.deepEqual(sb.calls.map((c) => c.status), Array.from({ length: pages }, () => 200));
  assert.deepEqual(skus.map((s) => s.skuId), everything.map((s) => s.skuId));
  assert.equal(new Set(skus.map((s) => s.skuId)).size, skus.length, 'no SKU twice');
  for (const sku of skus) {
    assert.match(sku.skuId, /^[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    assert.equal(sku.name, `services/${COMPUTE_SERVICE_ID}/skus/${sku.skuId}`);
  }
});

test('without pageSize a page holds up to 5000 SKUs, so the catalogue comes in one call; more than 5000 is capped', async () => {
  const sb = fresh();
  const one = await list(COMPUTE_SERVICE_ID);
  assert.equal(one.status, 200);
  assert.equal(one.body.skus?.length, sb.skus(COMPUTE_SERVICE_ID).length);
  assert.equal(one.body.nextPageToken, '');
  assert.equal((await list(COMPUTE_SERVICE_ID, { pageSize: '9000' })).body.skus?.length, sb.skus(COMPUTE_SERVICE_ID).length);
  assert.equal((await list(COMPUTE_SERVICE_ID, { pageSize: '-1' })).status, 400);
});

test('a page token only works for the listing it came from', async () => {
  fresh();
  const first = await list(COMPUTE_SERVICE_ID, { pageSize: '10', currencyCode: 'USD' });
  const token = first.body.nextPageToken ?? '';
  assert.notEqual(token, '');
  assert.equal((await list(COMPUTE_SERVICE_ID, { pageSize: '10', currencyCode: 'USD', pageToken: token })).status, 200);
  assert.equal((await list(COMPUTE_SERVICE_ID, { pageSize: '10', currencyCode: 'EUR', pageToken: token })).status, 400);
  assert.equal((await list(VERTEX_SERVICE_ID, { pageSize: '10', pageToken: token })).status, 400);
  const garbage = await list(COMPUTE_SERVICE_ID, { pageToken: 'not-a-token' });
  assert.equal(garbage.status, 400);
  assert.equal(garbage.body.error?.status, 'INVALID_ARGUMENT');
});

test('prices come in the currency asked for, with the conversion rate used', async () => {
  fresh();
  const usd = (await list(COMPUTE_SERVICE_ID)).body.skus ?? [];
  const eur = (await list(COMPUTE_SERVICE_ID, { currencyCode: 'EUR' })).body.skus ?? [];
  const t4 = (skus: BillingSku[]) => skus.find((s) => s.description === 'Nvidia Tesla T4 GPU running in Americas');
  const usdT4 = t4(usd);
  const eurT4 = t4(eur);
  assert.ok(usdT4 && eurT4);
  assert.equal(price(usdT4), 0.35);
  assert.equal(eurT4.pricingInfo[0]?.currencyConversionRate, 0.92);
  assert.equal(eurT4.pricingInfo[0]?.pricingExpression.tieredRates[0]?.unitPrice.currencyCode, 'EUR');
  assert.ok(Math.abs(price(eurT4) - 0.35 * 0.92) < 1e-9, `0.35 USD is 0.322 EUR, got ${price(eurT4)}`);
  const bad = await list(COMPUTE_SERVICE_ID, { currencyCode: 'XYZ' });
  assert.equal(bad.status, 400);
});

test('Money is written as Google writes it: units as a decimal string, nanos of the same sign', () => {
  assert.deepEqual(toMoney(0.35, 'USD'), { currencyCode: 'USD', units: '0', nanos: 350_000_000 });
  assert.deepEqual(toMoney(2.93, 'USD'), { currencyCode: 'USD', units: '2', nanos: 930_000_000 });
  assert.deepEqual(toMoney(52.92, 'JPY'), { currencyCode: 'JPY', units: '52', nanos: 920_000_000 });
  assert.deepEqual(toMoney(-1.75, 'USD'), { currencyCode: 'USD', units: '-1', nanos: -750_000_000 });
  assert.deepEqual(toMoney(0.9999999999, 'USD'), { currencyCode: 'USD', units: '1', nanos: 0 });
});

test('the sandbox\'s us-central1 prices are the reference\'s sample list prices', async () => {
  fresh();
  const compute = await allPages(COMPUTE_SERVICE_ID, { pageSize: '50' });
  const vertex = await allPages(VERTEX_SERVICE_ID, { pageSize: '50' });
  const table = parseSkus([...compute.skus, ...vertex.skus], 'us-central1', { asOf: '2026-11-27' });
  assert.equal(table.gpus.t4?.onDemand, 0.35);
  assert.equal(table.gpus.l4?.onDemand, 0.56);
  assert.equal(table.gpus.a100?.onDemand, 2.93);
  assert.equal(table.families.n1?.vcpu.onDemand, 0.031611);
  assert.equal(table.families.n1?.ramGib.onDemand, 0.004237);
  assert.equal(table.families.a2?.vcpu.onDemand, 0.031611);
  assert.equal(table.families.g2?.vcpu.onDemand, 0.024988);
  assert.equal(table.families.g2?.ramGib.onDemand, 0.002927);
  assert.equal(table.disks['pd-balanced']?.perGibMonth, 0.1);
  // The bundled fallback carries the same sample prices, so the two agree wherever both have them.
  const bundled = BUNDLED_PRICES['us-central1'];
  assert.ok(bundled);
  assert.deepEqual({ ...table, source: null }, { ...bundled, source: null });
});

test('a region sees only its own SKUs, and only GPUs a zone of it offers', async () => {
  const sb = fresh();
  const skus = [...sb.skus(COMPUTE_SERVICE_ID), ...sb.skus(VERTEX_SERVICE_ID)];
  const east = parseSkus(skus, 'us-east1');
  assert.deepEqual(Object.keys(east.gpus).sort(), ['h100', 'l4', 'p100', 't4', 'v100']);
  const europe = parseSkus(skus, 'europe-west4');
  assert.equal(europe.gpus.t4?.onDemand, 0.385);
  assert.equal(europe.disks['pd-balanced']?.perGibMonth, 0.11);
  assert.deepEqual(parseSkus(skus, 'mars-north1').gpus, {});
});

test('a price change shows in the next listing', async () => {
  const sb = fresh();
  sb.setPrice('Nvidia Tesla T4 GPU running in Americas', 0.37);
  const skus = (await list(COMPUTE_SERVICE_ID)).body.skus ?? [];
  assert.equal(parseSkus(skus, 'us-central1').gpus.t4?.onDemand, 0.37);
  assert.throws(() => sb.setPrice('Nvidia Tesla K80 GPU running in Americas', 0.45), /no SKU/);
});

test('a time range dates the prices from its start; future times and half ranges are refused', async () => {
  fresh();
  const ranged = await list(COMPUTE_SERVICE_ID, { startTime: '2026-11-01T00:00:00Z', endTime: '2026-11-02T00:00:00Z' });
  assert.equal(ranged.status, 200);
  assert.equal(ranged.body.skus?.[0]?.pricingInfo[0]?.effectiveTime, '2026-11-01T00:00:00.000Z');
  const latest = await list(COMPUTE_SERVICE_ID);
  const effective = Date.parse(latest.body.skus?.[0]?.pricingInfo[0]?.effectiveTime ?? '');
  assert.ok(now - effective <= 12 * 3600_000 && effective <= now, 'latest prices are at most 12 hours old');
  assert.equal((await list(COMPUTE_SERVICE_ID, { startTime: '2026-12-01T00:00:00Z', endTime: '2026-12-02T00:00:00Z' })).status, 400);
  assert.equal((await list(COMPUTE_SERVICE_ID, { startTime: '2026-11-01T00:00:00Z' })).status, 400);
});

test('requests Google would refuse are refused: unknown service, unknown parameter, no credentials', async () => {
  fresh();
  const unknown = await list('0000-0000-0000');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error?.status, 'NOT_FOUND');
  const param = await list(COMPUTE_SERVICE_ID, { page_size: '10' });
  assert.equal(param.status, 400);
  assert.match(param.body.error?.message ?? '', /Unknown name "page_size"/);
  const anonymous = await list(COMPUTE_SERVICE_ID, {}, false);
  assert.equal(anonymous.status, 403);
  assert.equal((await list(COMPUTE_SERVICE_ID, { key: 'an-api-key' }, false)).status, 200);
});

test('fail() makes the API disabled or unavailable until it is cleared, and every call is recorded', async () => {
  const sb = fresh();
  sb.fail(403);
  const forbidden = await list(COMPUTE_SERVICE_ID);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error?.status, 'PERMISSION_DENIED');
  assert.match(forbidden.body.error?.message ?? '', /Cloud Billing API has not been used in project .* or it is disabled/);
  assert.equal(forbidden.body.error?.details?.[0]?.reason, 'SERVICE_DISABLED');
  sb.fail(503);
  const down = await list(VERTEX_SERVICE_ID);
  assert.equal(down.status, 503);
  assert.equal(down.body.error?.status, 'UNAVAILABLE');
  sb.fail(null);
  assert.equal((await list(COMPUTE_SERVICE_ID)).status, 200);
  assert.deepEqual(
    sb.calls.map((c) => [c.serviceId, c.status]),
    [
      [COMPUTE_SERVICE_ID, 403],
      [VERTEX_SERVICE_ID, 503],
      [COMPUTE_SERVICE_ID, 200],
    ],
  );
});

test('requests the sandbox does not own are left to other handlers', () => {
  const sb = fresh();
  const req = { method: 'GET', path: '/compute/v1/projects/p/zones', query: new URLSearchParams(), body: undefined, headers: {} };
  assert.equal(sb.handle(req), null);
  assert.equal(sb.handle({ ...req, method: 'POST', path: `/v1/services/${COMPUTE_SERVICE_ID}/skus` }), null);
  assert.equal(sb.calls.length, 0);
});
