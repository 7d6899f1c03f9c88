import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { monitoring_v3 } from 'googleapis/build/src/apis/monitoring/v3.js';
import { MonitoringAdapter } from '../../src/gcp/monitoring.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../../src/domain/notebook-activity-script.js';
import { CPU_UTILIZATION_METRIC, GPU_UTILIZATION_METRIC, MonitoringSandbox } from '../../src/sandbox/google/monitoring.js';
import { startGoogleSandbox, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/google/server.js';
import { Discovery } from '../support/discovery.js';

// A copy of Google's discovery document, kept in the repository so a clone alone runs the tests.
const schema = Discovery.load('monitoring.v3.json');
const LIST = 'monitoring.projects.timeSeries.list';
const CREATE = 'monitoring.projects.timeSeries.create';
const PROJECT = 'gpubot-test';
const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 27, 9, 0, 0);
const GPUBOT = { 'managed-by': 'gpubot' };

test('the validator accepts a well-formed time series and rejects unknown fields, bad enums and wrong types', () => {
  const good = {
    metric: { type: GPU_UTILIZATION_METRIC, labels: { gpu_number: '0' } },
    resource: { type: 'gce_instance', labels: { instance_id: '1', zone: 'us-central1-a', project_id: PROJECT } },
    metadata: { userLabels: { 'managed-by': 'gpubot' } },
    metricKind: 'GAUGE',
    valueType: 'DOUBLE',
    points: [{ interval: { startTime: '2026-11-27T09:00:00Z', endTime: '2026-11-27T09:00:00.000Z' }, value: { doubleValue: 12.5 } }],
  };
  assert.deepEqual(schema.validate('TimeSeries', good), []);
  assert.deepEqual(schema.validate('ListTimeSeriesResponse', { timeSeries: [good], nextPageToken: 'abc', unit: '%' }), []);

  const cases: { why: string; value: unknown; problem: RegExp }[] = [
    { why: 'unknown field', value: { ...good, pointz: [] }, problem: /no field 'pointz'/ },
    { why: 'unknown field deep down', value: { ...good, points: [{ value: { floatValue: 1 } }] }, problem: /points\[0\]\.value\.floatValue: no field 'floatValue'/ },
    { why: 'enum value not listed', value: { ...good, metricKind: 'SOMETIMES' }, problem: /"SOMETIMES" is not one of METRIC_KIND_UNSPECIFIED, GAUGE/ },
    { why: 'proto default', value: { ...good, valueType: 'VALUE_TYPE_UNSPECIFIED' }, problem: /proto default/ },
    { why: 'int64 as a JSON number', value: { points: [{ value: { int64Value: 3 } }] }, problem: /int64Value: expected a string \(int64\)/ },
    { why: 'double as a string', value: { points: [{ value: { doubleValue: '3.5' } }] }, problem: /doubleValue: expected a number/ },
    { why: 'timestamp that is not RFC 3339', value: { points: [{ interval: { endTime: '27/11/2026' } }] }, problem: /endTime: expected an RFC 3339 timestamp/ },
    { why: 'repeated field as an object', value: { points: {} }, problem: /points: expected an array/ },
    { why: 'map of non-strings', value: { metric: { labels: { gpu_number: 0 } } }, problem: /labels\["gpu_number"\]: expected a string/ },
    { why: 'message as a string', value: { resource: 'gce_instance' }, problem: /resource: expected an object/ },
  ];
  for (const c of cases) {
    const problems = schema.validate('TimeSeries', c.value);
    assert.ok(problems.some((p) => c.problem.test(p)), `${c.why}: expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`);
  }
  assert.deepEqual(schema.validate('NoSuchThing', {}), ['NoSuchThing is not a schema of monitoring v3']);
});

test('the validator checks a request: verb, path, query parameters and their enums, types and formats', () => {
  const query = (entries: [string, string][]) => new URLSearchParams(entries);
  const good = query([
    ['filter', `metric.type = "${GPU_UTILIZATION_METRIC}"`],
    ['interval.startTime', '2026-11-27T08:00:00.000Z'],
    ['interval.endTime', '2026-11-27T09:00:00.000Z'],
    ['aggregation.alignmentPeriod', '300s'],
    ['aggregation.perSeriesAligner', 'ALIGN_MAX'],
    ['aggregation.crossSeriesReducer', 'REDUCE_MAX'],
    ['aggregation.groupByFields', 'resource.label.instance_id'],
    ['aggregation.groupByFields', 'resource.label.zone'],
    ['pageSize', '500'],
    ['view', 'FULL'],
    ['prettyPrint', 'false'],
  ]);
  const path = `/v3/projects/${PROJECT}/timeSeries`;
  assert.deepEqual(schema.validateRequest(LIST, { method: 'GET', path, query: good }), []);

  const cases: { why: string; method?: string; path?: string; query: URLSearchParams; body?: unknown; problem: RegExp }[] = [
    { why: 'unknown parameter', query: query([['aggregation.groupBy', 'x']]), problem: /unknown query parameter aggregation.groupBy/ },
    { why: 'bad enum in the query', query: query([['aggregation.perSeriesAligner', 'ALIGN_BIGGEST']]), problem: /"ALIGN_BIGGEST" is not one of ALIGN_NONE/ },
    { why: 'repeated single parameter', query: query([['filter', 'a'], ['filter', 'b']]), problem: /filter is not repeated/ },
    { why: 'integer that is not one', query: query([['pageSize', 'ten']]), problem: /pageSize: expected an integer \(int32\)/ },
    { why: 'duration without seconds', query: query([['aggregation.alignmentPeriod', '5m']]), problem: /expected a duration/ },
    { why: 'timestamp', query: query([['interval.endTime', 'now']]), problem: /expected an RFC 3339 timestamp/ },
    { why: 'wrong verb', method: 'POST', query: query([]), body: {}, problem: /sent with POST/ },
    { why: 'path outside the template', path: '/v3/folders/f/timeSeries', query: query([]), problem: /does not fit \/v3\/\{\+name\}\/timeSeries|does not match/ },
    { why: 'body on a GET', query: query([]), body: { x: 1 }, problem: /takes no body/ },
  ];
  for (const c of cases) {
    const problems = schema.validateRequest(LIST, { method: c.method ?? 'GET', path: c.path ?? path, query: c.query, ...(c.body !== undefined ? { body: c.body } : {}) });
    assert.ok(problems.some((p) => c.problem.test(p)), `${c.why}: expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`);
  }
  const badBody = schema.validateRequest(CREATE, { method: 'POST', path, query: query([]), body: { timeSeries: [{ points: [{ value: { int64Value: 1 } }] }] } });
  assert.ok(badBody.some((p) => /int64Value: expected a string \(int64\)/.test(p)), JSON.stringify(badBody));
});

interface Exchange {
  req: SandboxRequest;
  res: SandboxResponse;
}

/** The sandbox behind a recorder, with the real client and the adapter pointed at it. */
async function recorded(run: (h: { sandbox: MonitoringSandbox; api: monitoring_v3.Monitoring; adapter: MonitoringAdapter }) => Promise<void>): Promise<Exchange[]> {
  const exchanges: Exchange[] = [];
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => NOW });
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
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  const api = new monitoring_v3.Monitoring({ auth, rootUrl: `${server.url}/` });
  const adapter = new MonitoringAdapter({ project: PROJECT, authClient: auth, rootUrl: server.url, pageSize: 40 });
  try {
    await run({ sandbox, api, adapter });
  } finally {
    await server.close();
  }
  return exchanges;
}

function scriptBoxes(sandbox: MonitoringSandbox): void {
  for (let i = 0; i < 6; i++) sandbox.setInstance(`10${i}`, { name: `box${i}`, zone: 'us-central1-a', labels: i === 5 ? {} : GPUBOT });
  sandbox.setSampler((id, metric, at) => {
    if (metric === GPU_UTILIZATION_METRIC) return id === '102' ? null : (Number(id) * 7 + at / MIN) % 100;
    if (metric === CPU_UTILIZATION_METRIC) return 0.01 * (Number(id) % 10);
    return null;
  });
  sandbox.setSeries('100', GPU_UTILIZATION_METRIC, [{ at: NOW - MIN, value: 90 }], { gpu_number: '1', model: 'NVIDIA L4', uuid: 'GPU-1' });
  for (const id of ['100', '101', '103']) {
    sandbox.setSeries(id, BUSY_KERNELS_METRIC, [{ at: NOW - 2 * MIN, value: 1 }, { at: NOW - MIN, value: 0 }]);
    sandbox.setSeries(id, NOTEBOOK_IDLE_SECONDS_METRIC, [{ at: NOW - 2 * MIN, value: 0 }, { at: NOW - MIN, value: 60 }]);
  }
}

test('every sandbox answer fits the discovery document: lists in every shape, writes, and errors in Google\'s envelope', async () => {
  const exchanges = await recorded(async ({ sandbox, api }) => {
    scriptBoxes(sandbox);
    const name = `projects/${PROJECT}`;
    const interval = { 'interval.startTime': new Date(NOW - 60 * MIN).toISOString(), 'interval.endTime': new Date(NOW).toISOString() };
    const gpu = `metric.type = "${GPU_UTILIZATION_METRIC}"`;
    await api.projects.timeSeries.list({ name, filter: gpu, ...interval });
    await api.projects.timeSeries.list({ name, filter: gpu, ...interval, view: 'HEADERS', pageSize: 2 });
    await api.projects.timeSeries.list({ name, filter: `metric.type = "${BUSY_KERNELS_METRIC}"`, ...interval });
    for (const aligner of ['ALIGN_MEAN', 'ALIGN_MAX', 'ALIGN_COUNT']) {
      for (const reducer of ['REDUCE_NONE', 'REDUCE_MAX', 'REDUCE_MEAN', 'REDUCE_COUNT']) {
        await api.projects.timeSeries.list({
          name,
          filter: `${gpu} AND metadata.user_labels."managed-by" = "gpubot"`,
          ...interval,
          'aggregation.alignmentPeriod': '300s',
          'aggregation.perSeriesAligner': aligner,
          'aggregation.crossSeriesReducer': reducer,
          'aggregation.groupByFields': ['resource.label.instance_id', 'metadata.user_labels."managed-by"', 'metadata.system_labels.name'],
          pageSize: 30,
        });
      }
    }
    const resource = { type: 'gce_instance', labels: { project_id: PROJECT, instance_id: '104', zone: 'us-central1-a' } };
    await api.projects.timeSeries.create({
      name,
      requestBody: {
        timeSeries: [
          { metric: { type: BUSY_KERNELS_METRIC }, resource, metricKind: 'GAUGE', valueType: 'INT64', points: [{ interval: { endTime: new Date(NOW).toISOString() }, value: { int64Value: '0' } }] },
        ],
      },
    });
    // Refusals, for their envelope.
    await api.projects.timeSeries.list({ name, filter: 'resource.type = "gce_instance"', ...interval }).catch(() => undefined);
    await api.projects.timeSeries.create({ name, requestBody: { timeSeries: [] } }).catch(() => undefined);
  });

  const lists = exchanges.filter((e) => e.req.method === 'GET' && e.res.status === 200);
  assert.ok(lists.length >= 15, `expected many list answers, got ${lists.length}`);
  assert.ok(lists.some((e) => (e.res.body as { nextPageToken?: string }).nextPageToken !== undefined), 'some answer was paged');
  for (const { req, res } of exchanges) {
    const where = `${req.method} ${req.path}?${req.query.toString()}`;
    if (res.status === 200) {
      const method = req.method === 'GET' ? LIST : CREATE;
      assert.deepEqual(schema.validateResponse(method, res.body), [], where);
      assert.deepEqual(schema.validateRequest(method, { method: req.method, path: req.path, query: req.query, ...(req.body !== undefined ? { body: req.body } : {}) }), [], where);
    } else {
      const body = res.body as { error?: { code?: unknown; status?: unknown; message?: unknown; errors?: unknown } };
      assert.equal(body.error?.code, res.status, where);
      assert.equal(body.error?.status, 'INVALID_ARGUMENT', where);
      assert.equal(typeof body.error?.message, 'string', where);
      assert.ok(Array.isArray(body.error?.errors), where);
    }
  }
  assert.ok(exchanges.some((e) => e.res.status === 400));
});

test('the adapter asks as the discovery document says, and every answer it reads fits it', async () => {
  const exchanges = await recorded(async ({ sandbox, adapter }) => {
    scriptBoxes(sandbox);
    const signals = await adapter.idleSignals(60 * MIN, NOW);
    assert.ok(signals.size >= 4, 'the adapter read the scripted boxes');
  });
  assert.ok(exchanges.length > 4, 'small pages made the adapter page');
  for (const { req, res } of exchanges) {
    const where = `${req.method} ${req.path}?${req.query.toString()}`;
    assert.deepEqual(schema.validateRequest(LIST, { method: req.method, path: req.path, query: req.query, ...(req.body !== undefined ? { body: req.body } : {}) }), [], where);
    assert.equal(res.status, 200, where);
    assert.deepEqual(schema.validateResponse(LIST, res.body), [], where);
  }
});
