import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BillingAdapter } from '../../src/gcp/billing.js';
import {
  BillingSandbox,
  COMPUTE_SERVICE_ID,
  CURRENCY_RATES,
  SKUS_LIST_PARAMS,
  STANDARD_PARAMS,
  VERTEX_SERVICE_ID,
} from '../../src/sandbox/google/billing.js';
import { startGoogleSandbox, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/google/server.js';
import { sandboxAuth } from '../support/cloud.js';
import { Discovery } from '../support/discovery.js';

const discovery = Discovery.load('cloudbilling.v1.json');
const LIST = 'cloudbilling.services.skus.list';
const NOW = Date.parse('2026-11-27T09:00:00Z');

const good = {
  skus: [
    {
      name: 'services/6F81-5844-456A/skus/D041-B8A1-6E0B',
      skuId: 'D041-B8A1-6E0B',
      description: 'Nvidia Tesla T4 GPU running in Americas',
      category: { serviceDisplayName: 'Compute Engine', resourceFamily: 'Compute', resourceGroup: 'GPU', usageType: 'OnDemand' },
      serviceRegions: ['us-central1'],
      pricingInfo: [
        {
          summary: '',
          pricingExpression: {
            usageUnit: 'h',
            baseUnit: 's',
            baseUnitConversionFactor: 3600,
            displayQuantity: 1,
            tieredRates: [{ startUsageAmount: 0, unitPrice: { currencyCode: 'USD', units: '0', nanos: 350000000 } }],
          },
          currencyConversionRate: 1,
          effectiveTime: '2026-11-27T03:00:00.000Z',
        },
      ],
      serviceProviderName: 'Google',
      geoTaxonomy: { type: 'REGIONAL', regions: ['us-central1'] },
    },
  ],
  nextPageToken: '',
};

test('the validator accepts a SKU page as Google writes it and finds what does not fit', () => {
  assert.deepEqual(discovery.validate('ListSkusResponse', good), []);
  const sku = good.skus[0];
  assert.ok(sku);
  const with_ = (patch: Record<string, unknown>): unknown => ({ skus: [{ ...sku, ...patch }] });
  const cases: { why: string; value: unknown; problem: RegExp }[] = [
    { why: 'unknown field', value: with_({ skuID: 'x' }), problem: /\.skuID: no field 'skuID' in Sku/ },
    { why: 'unknown field deep down', value: with_({ category: { ...sku.category, resourceType: 'GPU' } }), problem: /category\.resourceType: no field/ },
    { why: 'enum value not listed', value: with_({ geoTaxonomy: { type: 'PLANETARY', regions: [] } }), problem: /geoTaxonomy\.type: "PLANETARY" is not one of TYPE_UNSPECIFIED, GLOBAL, REGIONAL, MULTI_REGIONAL/ },
    {
      why: 'enum value of an aggregation',
      value: with_({ pricingInfo: [{ aggregationInfo: { aggregationInterval: 'WEEKLY' } }] }),
      problem: /aggregationInterval: "WEEKLY" is not one of/,
    },
    {
      why: 'int64 written as a JSON number',
      value: with_({ pricingInfo: [{ pricingExpression: { tieredRates: [{ unitPrice: { units: 0, nanos: 1 } }] } }] }),
      problem: /unitPrice\.units: expected a string \(int64\)/,
    },
    {
      why: 'int32 written as a string',
      value: with_({ pricingInfo: [{ pricingExpression: { tieredRates: [{ unitPrice: { units: '0', nanos: '350000000' } }] } }] }),
      problem: /unitPrice\.nanos: expected an integer/,
    },
    { why: 'int32 out of range', value: with_({ pricingInfo: [{ pricingExpression: { tieredRates: [{ unitPrice: { nanos: 2 ** 40 } }] } }] }), problem: /outside int32/ },
    { why: 'not an RFC 3339 time', value: with_({ pricingInfo: [{ effectiveTime: 'yesterday' }] }), problem: /effectiveTime: expected an RFC 3339 timestamp/ },
    { why: 'array expected', value: with_({ serviceRegions: 'us-central1' }), problem: /serviceRegions: expected an array/ },
    { why: 'null instead of leaving out', value: with_({ description: null }), problem: /description: null/ },
    { why: 'not an object', value: { skus: ['D041-B8A1-6E0B'] }, problem: /skus\[0\]: expected an object \(Sku\)/ },
  ];
  for (const c of cases) {
    const problems = discovery.validate('ListSkusResponse', c.value);
    assert.ok(problems.some((p) => c.problem.test(p)), `${c.why}: expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`);
  }
  assert.deepEqual(discovery.validate('NoSuchSchema', {}), ['NoSuchSchema is not a schema of cloudbilling v1']);
});

test('the validator checks query strings against the method\'s parameters', () => {
  assert.deepEqual(discovery.validateQuery(LIST, new URLSearchParams('currencyCode=USD&pageSize=50&pageToken=abc&startTime=2026-11-01T00:00:00Z&prettyPrint=false')), []);
  const problems = discovery.validateQuery(LIST, new URLSearchParams('page_size=50&pageSize=many&alt=xml&endTime=tomorrow&parent=services/x'));
  for (const expected of [/unknown query parameter page_size$/, /\?pageSize: expected an integer/, /\?alt: "xml" is not one of json, media, proto/, /\?endTime: expected an RFC 3339/, /unknown query parameter parent$/]) {
    assert.ok(problems.some((p) => expected.test(p)), `expected ${String(expected)} in ${JSON.stringify(problems)}`);
  }
});

test('the sandbox serves the route and takes exactly the parameters the discovery document declares', () => {
  const method = discovery.method(LIST);
  assert.ok(method);
  assert.equal(method.httpMethod, 'GET');
  assert.equal(method.flatPath, 'v1/services/{servicesId}/skus');
  assert.equal(method.response?.$ref, 'ListSkusResponse');
  const queryParams = Object.entries(method.parameters ?? {})
    .filter(([, p]) => p.location === 'query')
    .map(([name]) => name)
    .sort();
  assert.deepEqual([...SKUS_LIST_PARAMS].sort(), queryParams);
  assert.deepEqual([...STANDARD_PARAMS].sort(), Object.keys(discovery.doc.parameters ?? {}).sort());
});

// One server for the rest of the file; every exchange the real client makes is kept for checking.
const exchanges: { req: SandboxRequest; res: SandboxResponse }[] = [];
const sandbox = new BillingSandbox({ now: () => NOW });
const server = await startGoogleSandbox({
  handlers: [
    {
      handle(req) {
        const res = sandbox.handle(req);
        if (res) exchanges.push({ req, res });
        return res;
      },
    },
  ],
});
after(() => server.close());

test('every page the sandbox answers the real client with fits ListSkusResponse, and every query the client sends fits the method', async () => {
  const adapter = new BillingAdapter({ authClient: sandboxAuth(), rootUrl: server.url, pageSize: 17 });
  for (const service of [COMPUTE_SERVICE_ID, VERTEX_SERVICE_ID]) {
    for (const currency of Object.keys(CURRENCY_RATES)) {
      const result = await adapter.listSkus(service, currency);
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.value.length, sandbox.skus(service).length);
    }
  }
  assert.ok(exchanges.length > 20, `expected many pages, got ${exchanges.length}`);
  for (const { req, res } of exchanges) {
    assert.equal(res.status, 200);
    assert.deepEqual(discovery.validate('ListSkusResponse', res.body), [], `${req.path}?${req.query.toString()}`);
    assert.deepEqual(discovery.validateQuery(LIST, req.query), [], req.query.toString());
  }
});

test('SKUs of every kind the sandbox lists fit the Sku schema, in a time range too', async () => {
  const start = '2026-11-01T00:00:00Z';
  const end = '2026-11-02T00:00:00Z';
  const response = await fetch(`${server.url}/v1/services/${COMPUTE_SERVICE_ID}/skus?startTime=${start}&endTime=${end}`, {
    headers: { authorization: 'Bearer sandbox-token' },
  });
  assert.equal(response.status, 200);
  const body: unknown = await response.json();
  assert.deepEqual(discovery.validate('ListSkusResponse', body), []);
  const kinds = new Set(sandbox.skus(COMPUTE_SERVICE_ID).map((s) => `${s.geoTaxonomy.type}/${s.category.usageType}/${s.pricingInfo[0]?.aggregationInfo ? 'aggregated' : 'plain'}`));
  for (const kind of ['MULTI_REGIONAL/OnDemand/plain', 'REGIONAL/Preemptible/plain', 'GLOBAL/OnDemand/plain', 'MULTI_REGIONAL/OnDemand/aggregated', 'MULTI_REGIONAL/Commit1Yr/plain']) {
    assert.ok(kinds.has(kind), `the catalogue has a ${kind} SKU`);
  }
  for (const sku of [...sandbox.skus(COMPUTE_SERVICE_ID, 'JPY'), ...sandbox.skus(VERTEX_SERVICE_ID, 'INR')]) {
    assert.deepEqual(discovery.validate('Sku', sku), [], sku.description);
  }
});
