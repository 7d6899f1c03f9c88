import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OAuth2Client } from 'google-auth-library';
import { monitoring_v3 } from 'googleapis/build/src/apis/monitoring/v3.js';
import {
  CPU_UTILIZATION_METRIC,
  GPU_UTILIZATION_METRIC,
  MonitoringSandbox,
  type MonitoringSandboxOptions,
} from '../../src/sandbox/google/monitoring.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../../src/domain/notebook-activity-script.js';

const PROJECT = 'gpubot-test';
const MIN = 60_000;
/** On a 5-minute boundary, so hand-computed periods are easy to read. */
const END = Date.UTC(2026, 10, 27, 9, 0, 0);
const GPUBOT = { 'managed-by': 'gpubot' };
type ListParams = monitoring_v3.Params$Resource$Projects$Timeseries$List;
type TimeSeries = monitoring_v3.Schema$TimeSeries;

interface Harness {
  sandbox: MonitoringSandbox;
  api: monitoring_v3.Monitoring;
  url: string;
  list(params: Omit<ListParams, 'name'>): Promise<monitoring_v3.Schema$ListTimeSeriesResponse>;
}

async function withSandbox(run: (h: Harness) => Promise<void>, options: Partial<MonitoringSandboxOptions> = {}): Promise<void> {
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => END, ...options });
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  const api = new monitoring_v3.Monitoring({ auth, rootUrl: `${server.url}/` });
  try {
    await run({
      sandbox,
      api,
      url: server.url,
      list: async (params) => (await api.projects.timeSeries.list({ name: `projects/${PROJECT}`, ...params })).data,
    });
  } finally {
    await server.close();
  }
}

/** What the client rejects with: the HTTP status and Google's error envelope. */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: number; canonical: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: unknown; response?: { data?: unknown } };
    const data = e.response?.data as { error?: { code?: number; status?: string; message?: string } } | undefined;
    return { status: Number(e.status), code: data?.error?.code ?? -1, canonical: data?.error?.status ?? '', message: data?.error?.message ?? '' };
  }
  assert.fail('expected the call to be refused');
}

const iso = (ms: number) => new Date(ms).toISOString();
const window = (minutes: number) => ({ 'interval.startTime': iso(END - minutes * MIN), 'interval.endTime': iso(END) });
const gpuFilter = (extra = '') => `metric.type = "${GPU_UTILIZATION_METRIC}"${extra}`;

/** Points of a series as [minutes before END, value], newest first. */
function points(series: TimeSeries | undefined): [number, number][] {
  return (series?.points ?? []).map((p) => [
    (END - Date.parse(p.interval?.endTime ?? '')) / MIN,
    p.value?.doubleValue ?? Number(p.value?.int64Value),
  ]);
}

function instanceIds(response: monitoring_v3.Schema$ListTimeSeriesResponse): string[] {
  return (response.timeSeries ?? []).map((s) => s.resource?.labels?.instance_id ?? '?');
}

/** GPU 0 and GPU 1 of instance i1, at minutes before END: hand-computed periods below. */
function scriptTwoGpus(sandbox: MonitoringSandbox): void {
  sandbox.setInstance('i1', { name: 'exp42', zone: 'us-central1-a', labels: GPUBOT });
  const gpu0: [number, number][] = [[10, 99], [9, 10], [8, 30], [7, 20], [6, 0], [5, 50], [4, 40], [3, 5], [2, 15], [1, 25], [0, 35], [-1, 99]];
  sandbox.setSeries('i1', GPU_UTILIZATION_METRIC, gpu0.map(([m, value]) => ({ at: END - m * MIN, value })), { gpu_number: '0', model: 'NVIDIA L4', uuid: 'GPU-0' });
  sandbox.setSeries('i1', GPU_UTILIZATION_METRIC, [{ at: END - 9 * MIN, value: 0 }, { at: END - 4 * MIN, value: 60 }], { gpu_number: '1', model: 'NVIDIA L4', uuid: 'GPU-1' });
}

test('raw points come back newest first, inside the half-open interval (start, end]', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    scriptTwoGpus(sandbox);
    const res = await list({ filter: gpuFilter(' AND metric.label.gpu_number = "0"'), ...window(10) });
    assert.equal(res.timeSeries?.length, 1);
    // The point at exactly start (10 min before) and the one after the end are outside.
    assert.deepEqual(points(res.timeSeries?.[0]), [[0, 35], [1, 25], [2, 15], [3, 5], [4, 40], [5, 50], [6, 0], [7, 20], [8, 30], [9, 10]]);
    const series = res.timeSeries?.[0];
    assert.equal(series?.metricKind, 'GAUGE');
    assert.equal(series?.valueType, 'DOUBLE');
    assert.deepEqual(series?.metric?.labels, { gpu_number: '0', model: 'NVIDIA L4', uuid: 'GPU-0' });
    assert.deepEqual(series?.resource, { type: 'gce_instance', labels: { project_id: PROJECT, instance_id: 'i1', zone: 'us-central1-a' } });
    const first = series?.points?.[0]?.interval;
    assert.equal(first?.startTime, first?.endTime, 'a GAUGE point has startTime == endTime');
    // No start time: the interval is the single instant endTime.
    const instant = await list({ filter: gpuFilter(' AND metric.label.gpu_number = "0"'), 'interval.endTime': iso(END - 3 * MIN) });
    assert.deepEqual(points(instant.timeSeries?.[0]), [[3, 5]]);
  });
});

test('ALIGN_MEAN and ALIGN_MAX give one point per 5-minute period ending at endTime', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    scriptTwoGpus(sandbox);
    const aligned = async (aligner: string, period = '300s') =>
      points(
        (await list({ filter: gpuFilter(' AND metric.label.gpu_number = "0"'), ...window(10), 'aggregation.alignmentPeriod': period, 'aggregation.perSeriesAligner': aligner }))
          .timeSeries?.[0],
      );
    // (END-5m, END] holds 40, 5, 15, 25, 35; (END-10m, END-5m] holds 10, 30, 20, 0, 50.
    assert.deepEqual(await aligned('ALIGN_MAX'), [[0, 40], [5, 50]]);
    assert.deepEqual(await aligned('ALIGN_MEAN'), [[0, 24], [5, 22]]);
    assert.deepEqual(await aligned('ALIGN_MIN'), [[0, 5], [5, 0]]);
    // A period longer than the interval still ends at endTime and holds only points inside the interval.
    assert.deepEqual(await aligned('ALIGN_SUM', '900s'), [[0, 230]]);
    assert.deepEqual(await aligned('ALIGN_COUNT'), [[0, 5], [5, 5]]);
  });
});

test('REDUCE_MAX and REDUCE_MEAN combine the GPUs of one instance, grouped by instance id', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    scriptTwoGpus(sandbox);
    sandbox.setInstance('i2', { name: 'other', zone: 'us-central1-b', labels: GPUBOT });
    sandbox.setSeries('i2', GPU_UTILIZATION_METRIC, [{ at: END - MIN, value: 7 }], { gpu_number: '0' });
    const reduce = async (reducer: string, groupBy: string) =>
      list({
        filter: gpuFilter(),
        ...window(10),
        'aggregation.alignmentPeriod': '300s',
        'aggregation.perSeriesAligner': 'ALIGN_MAX',
        'aggregation.crossSeriesReducer': reducer,
        'aggregation.groupByFields': [groupBy],
      });
    // Aligned maxima: GPU 0 -> 40 (last period), 50 (the one before); GPU 1 -> 60, 0.
    const max = await reduce('REDUCE_MAX', 'resource.label.instance_id');
    assert.deepEqual(instanceIds(max), ['i1', 'i2']);
    assert.deepEqual(points(max.timeSeries?.[0]), [[0, 60], [5, 50]]);
    assert.deepEqual(points(max.timeSeries?.[1]), [[0, 7]]);
    // Labels not grouped by are aggregated away.
    assert.deepEqual(max.timeSeries?.[0]?.resource, { type: 'gce_instance', labels: { instance_id: 'i1' } });
    assert.deepEqual(max.timeSeries?.[0]?.metric, { type: GPU_UTILIZATION_METRIC });
    const mean = await reduce('REDUCE_MEAN', 'resource.labels.instance_id');
    assert.deepEqual(points(mean.timeSeries?.[0]), [[0, 50], [5, 25]]);
    // Without a group-by, everything reduces into one series.
    const all = await reduce('REDUCE_MAX', 'resource.type');
    assert.equal(all.timeSeries?.length, 1);
    assert.deepEqual(points(all.timeSeries?.[0]), [[0, 60], [5, 50]]);
    // Grouped by a user label, the label comes back in the metadata.
    const byOwner = await reduce('REDUCE_COUNT', 'metadata.user_labels."managed-by"');
    assert.deepEqual(byOwner.timeSeries?.[0]?.metadata, { userLabels: { 'managed-by': 'gpubot' } });
    assert.equal(byOwner.timeSeries?.[0]?.valueType, 'INT64');
    assert.deepEqual(points(byOwner.timeSeries?.[0]), [[0, 3], [5, 2]]);
  });
});

test('the filter keeps only series whose metric, resource and metadata labels match', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    sandbox.setInstance('i1', { name: 'a', zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setInstance('i2', { name: 'b', zone: 'us-central1-b', labels: { ...GPUBOT, 'gpubot-owner': 'u123' } });
    sandbox.setInstance('i3', { name: 'c', zone: 'us-central1-a', labels: { 'managed-by': 'someone-else' } });
    sandbox.setSampler((_id, metric) => (metric === GPU_UTILIZATION_METRIC ? 10 : 0.1));
    // An instance Monitoring has no metadata for: no user labels.
    sandbox.setSeries('i4', GPU_UTILIZATION_METRIC, [{ at: END - MIN, value: 1 }]);
    const ids = async (filter: string) => instanceIds(await list({ filter, ...window(5) }));

    assert.deepEqual(await ids(gpuFilter(' AND metadata.user_labels."managed-by" = "gpubot"')), ['i1', 'i2']);
    assert.deepEqual(await ids(gpuFilter(' AND resource.type = "gce_instance"')), ['i1', 'i2', 'i3', 'i4']);
    assert.deepEqual(await ids(gpuFilter(' metadata.user_labels."gpubot-owner" = "u123"')), ['i2'], 'juxtaposition is AND');
    assert.deepEqual(await ids(gpuFilter(' AND NOT metadata.user_labels."managed-by" = "gpubot"')), ['i3', 'i4']);
    assert.deepEqual(await ids(gpuFilter(' AND resource.label.zone = "us-central1-a" AND metadata.system_labels.name = "c"')), ['i3']);
    assert.deepEqual(await ids(gpuFilter(' AND resource.labels.instance_id = one_of("i1", "i3")')), ['i1', 'i3']);
    assert.deepEqual(await ids(gpuFilter(' AND (resource.label.zone = "us-central1-b" OR metadata.user_labels."managed-by" = starts_with("some"))')), ['i2', 'i3']);
    assert.deepEqual(await ids(`metric.type = "${CPU_UTILIZATION_METRIC}" AND metric.labels.instance_name = monitoring.regex.full_match("[ab]")`), ['i1', 'i2']);
    assert.deepEqual(await ids(gpuFilter(' AND project = "gpubot-test" AND resource.label.zone != "us-central1-a"')), ['i2']);
  });
});

test('a filter without exactly one metric type is refused with 400 INVALID_ARGUMENT, as Monitoring does', async () => {
  await withSandbox(async ({ list }) => {
    const filters = [
      'resource.type = "gce_instance"',
      '',
      `metric.type = "${GPU_UTILIZATION_METRIC}" AND metric.type = "${CPU_UTILIZATION_METRIC}"`,
      `metric.type = "${GPU_UTILIZATION_METRIC}" OR metric.type = "${CPU_UTILIZATION_METRIC}"`,
      `(metric.type = "${GPU_UTILIZATION_METRIC}" OR resource.type = "gce_instance")`,
      `metric.type != "${GPU_UTILIZATION_METRIC}"`,
      'metric.type = starts_with("agent.googleapis.com/")',
      `metric.type = "${GPU_UTILIZATION_METRIC}" AND metric.nonsense = "x"`,
      `metric.type = "${GPU_UTILIZATION_METRIC}" AND (resource.type = "gce_instance"`,
    ];
    for (const filter of filters) {
      const refused = await refusal(list({ filter, ...window(5) }));
      assert.deepEqual([refused.status, refused.code, refused.canonical], [400, 400, 'INVALID_ARGUMENT'], filter);
      assert.match(refused.message, /filter/, filter);
    }
  });
});

test('aggregation and interval settings Monitoring refuses are refused', async () => {
  await withSandbox(async ({ list, sandbox }) => {
    sandbox.setInstance('i1', { name: 'a', zone: 'us-central1-a', labels: GPUBOT });
    const base = { filter: gpuFilter(), ...window(10) };
    const cases: [Omit<ListParams, 'name'>, number, RegExp][] = [
      [{ ...base, 'aggregation.alignmentPeriod': '30s', 'aggregation.perSeriesAligner': 'ALIGN_MAX' }, 400, /at least 60 seconds/],
      [{ ...base, 'aggregation.perSeriesAligner': 'ALIGN_MAX' }, 400, /alignment period is required/],
      [{ ...base, 'aggregation.alignmentPeriod': '5m', 'aggregation.perSeriesAligner': 'ALIGN_MAX' }, 400, /duration/],
      [{ ...base, 'aggregation.crossSeriesReducer': 'REDUCE_MAX' }, 400, /per-series aligner/],
      [{ ...base, 'aggregation.alignmentPeriod': '300s', 'aggregation.perSeriesAligner': 'ALIGN_BIGGEST' }, 400, /Aligner/],
      [{ ...base, 'aggregation.alignmentPeriod': '300s', 'aggregation.perSeriesAligner': 'ALIGN_MAX', 'aggregation.crossSeriesReducer': 'REDUCE_MAX', 'aggregation.groupByFields': ['instance_id'] }, 400, /groupByFields/],
      [{ ...base, 'aggregation.alignmentPeriod': '300s', 'aggregation.perSeriesAligner': 'ALIGN_RATE' }, 501, /does not simulate ALIGN_RATE/],
      [{ filter: gpuFilter(), 'interval.startTime': iso(END) }, 400, /end time must be specified/],
      [{ filter: gpuFilter(), 'interval.startTime': iso(END), 'interval.endTime': iso(END - MIN) }, 400, /start time must be before/],
      [{ filter: gpuFilter(), 'interval.endTime': 'yesterday' }, 400, /Invalid time format/],
      [{ ...base, view: 'EVERYTHING' }, 400, /TimeSeriesView/],
      [{ ...base, pageSize: -1 }, 400, /page_size/],
      [{ ...base, pageToken: 'not-a-token' }, 400, /page token/],
      [{ ...base, orderBy: 'time' }, 400, /orderBy/],
    ];
    for (const [params, status, message] of cases) {
      const refused = await refusal(list(params));
      assert.equal(refused.status, status, JSON.stringify(params));
      assert.match(refused.message, message, JSON.stringify(params));
    }
  });
});

test('requests without a token, for another project or with unknown parameters are refused as Google refuses them', async () => {
  await withSandbox(async ({ url, api }) => {
    const query = new URLSearchParams({ filter: gpuFilter(), 'interval.endTime': iso(END) });
    const anonymous = await fetch(`${url}/v3/projects/${PROJECT}/timeSeries?${query}`);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');

    const unknown = await fetch(`${url}/v3/projects/${PROJECT}/timeSeries?${query}&aggregation.groupBy=x`, { headers: { authorization: 'Bearer sandbox' } });
    assert.equal(unknown.status, 400);
    assert.match(((await unknown.json()) as { error: { message: string } }).error.message, /Unknown name "aggregation.groupBy"/);

    const other = await refusal(api.projects.timeSeries.list({ name: 'projects/someone-else', filter: gpuFilter(), 'interval.endTime': iso(END) }));
    assert.deepEqual([other.status, other.canonical], [403, 'PERMISSION_DENIED']);
  });
});

test('pages hold whole series up to pageSize points; every instance comes back once and calls equal pages', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    for (let i = 0; i < 25; i++) sandbox.setInstance(`i${String(i).padStart(2, '0')}`, { name: `box${i}`, zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setSampler((_id, metric) => (metric === GPU_UTILIZATION_METRIC ? 3 : null));
    const params = {
      filter: gpuFilter(' AND metadata.user_labels."managed-by" = "gpubot"'),
      ...window(10),
      'aggregation.alignmentPeriod': '300s',
      'aggregation.perSeriesAligner': 'ALIGN_MAX',
      'aggregation.crossSeriesReducer': 'REDUCE_MAX',
      'aggregation.groupByFields': ['resource.label.instance_id'],
      pageSize: 6, // two points per series: three series a page
    };
    const seen: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const res = await list({ ...params, ...(token !== undefined ? { pageToken: token } : {}) });
      pages++;
      assert.ok((res.timeSeries ?? []).reduce((n, s) => n + (s.points?.length ?? 0), 0) <= 6);
      seen.push(...instanceIds(res));
      token = res.nextPageToken ?? undefined;
    } while (token !== undefined);
    assert.equal(pages, 9);
    assert.equal(sandbox.count('timeSeries.list'), 9);
    assert.equal(new Set(seen).size, 25);
    assert.equal(seen.length, 25);

    // A token is bound to its query.
    const first = await list(params);
    const refused = await refusal(list({ ...params, filter: gpuFilter(), pageToken: first.nextPageToken ?? '' }));
    assert.equal(refused.status, 400);

    // HEADERS view counts series and sends no points.
    const headers = await list({ ...params, view: 'HEADERS', pageSize: 10 });
    assert.equal(headers.timeSeries?.length, 10);
    assert.ok(headers.timeSeries?.every((s) => s.points === undefined));
    assert.ok(headers.nextPageToken);
  });
});

test('missing data means no series, and the sampler is never asked about the future', async () => {
  const asked: number[] = [];
  await withSandbox(
    async ({ sandbox, list }) => {
      sandbox.setInstance('i1', { name: 'a', zone: 'us-central1-a', labels: GPUBOT });
      sandbox.setInstance('i2', { name: 'b', zone: 'us-central1-a', labels: GPUBOT });
      sandbox.setSampler((id, _metric, at) => {
        asked.push(at);
        return id === 'i2' ? null : 12;
      });
      const res = await list({ filter: gpuFilter(), 'interval.startTime': iso(END - 5 * MIN), 'interval.endTime': iso(END + 10 * MIN) });
      assert.deepEqual(instanceIds(res), ['i1']);
      assert.deepEqual(points(res.timeSeries?.[0]).map(([m]) => m), [0, 1, 2, 3, 4]);
      assert.ok(asked.every((at) => at <= END));
      const nothing = await list({ filter: `metric.type = "${CPU_UTILIZATION_METRIC}" AND resource.label.instance_id = "i2"`, ...window(5) });
      assert.deepEqual(nothing, {}, 'an empty list is an empty message, as proto3 JSON writes it');
    },
  );
});

test('GPU utilization is a percentage and CPU utilization a fraction, each with its unit', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    sandbox.setInstance('i1', { name: 'a', zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setSampler((_id, metric) => (metric === GPU_UTILIZATION_METRIC ? 87.5 : metric === CPU_UTILIZATION_METRIC ? 0.42 : null));
    const gpu = await list({ filter: gpuFilter(), ...window(1) });
    const cpu = await list({ filter: `metric.type = "${CPU_UTILIZATION_METRIC}"`, ...window(1) });
    assert.deepEqual([gpu.unit, gpu.timeSeries?.[0]?.points?.[0]?.value], ['%', { doubleValue: 87.5 }]);
    assert.deepEqual([cpu.unit, cpu.timeSeries?.[0]?.points?.[0]?.value], ['10^2.%', { doubleValue: 0.42 }]);
    assert.deepEqual(gpu.timeSeries?.[0]?.metric?.labels?.gpu_number, '0');
    assert.deepEqual(cpu.timeSeries?.[0]?.metric?.labels, { instance_name: 'a' });
  });
});

test('timeSeries.create writes one point per custom series, in order, all or nothing', async () => {
  await withSandbox(async ({ sandbox, api, list }) => {
    const resource = { type: 'gce_instance', labels: { project_id: PROJECT, instance_id: 'i1', zone: 'us-central1-a' } };
    const series = (metric: string, at: number, value: monitoring_v3.Schema$TypedValue) => ({
      metric: { type: metric },
      resource,
      metricKind: 'GAUGE',
      points: [{ interval: { endTime: iso(at) }, value }],
    });
    const create = (timeSeries: monitoring_v3.Schema$TimeSeries[]) => api.projects.timeSeries.create({ name: `projects/${PROJECT}`, requestBody: { timeSeries } });

    const written = await create([series(BUSY_KERNELS_METRIC, END - 2 * MIN, { int64Value: '2' }), series(NOTEBOOK_IDLE_SECONDS_METRIC, END - 2 * MIN, { doubleValue: 0 })]);
    assert.equal(written.status, 200);
    assert.deepEqual(written.data, {});
    await create([series(BUSY_KERNELS_METRIC, END - MIN, { int64Value: '0' })]);
    const res = await list({ filter: `metric.type = "${BUSY_KERNELS_METRIC}"`, ...window(5) });
    assert.equal(res.timeSeries?.[0]?.valueType, 'INT64');
    assert.deepEqual(points(res.timeSeries?.[0]), [[1, 0], [2, 2]]);
    assert.deepEqual(res.timeSeries?.[0]?.points?.[0]?.value, { int64Value: '0' });

    const refusals: [monitoring_v3.Schema$TimeSeries[], RegExp][] = [
      [[series(BUSY_KERNELS_METRIC, END - 3 * MIN, { int64Value: '1' })], /written in order/],
      [[{ ...series(BUSY_KERNELS_METRIC, END, { int64Value: '1' }), points: [{ interval: { endTime: iso(END) }, value: { int64Value: '1' } }, { interval: { endTime: iso(END) }, value: { int64Value: '1' } }] }], /Only one point/],
      [[series(GPU_UTILIZATION_METRIC, END, { doubleValue: 1 })], /user-defined/],
      [[series(BUSY_KERNELS_METRIC, END, { doubleValue: 1.5 })], /must be INT64/],
      [[series('custom.googleapis.com/x', END - 26 * 60 * MIN, { doubleValue: 1 })], /25h in the past/],
      [[series('custom.googleapis.com/x', END, { doubleValue: 1 }), series('custom.googleapis.com/x', END, { doubleValue: 2 })], /Duplicate TimeSeries/],
      [[{ ...series('custom.googleapis.com/x', END, { doubleValue: 1 }), resource: { type: 'gce_instance', labels: { instance_id: 'i1' } } }], /project_id/],
      // One good series and one bad one: nothing is written.
      [[series(NOTEBOOK_IDLE_SECONDS_METRIC, END, { doubleValue: 60 }), series(BUSY_KERNELS_METRIC, END, { doubleValue: 1 })], /must be INT64/],
    ];
    for (const [timeSeries, message] of refusals) {
      const refused = await refusal(create(timeSeries));
      assert.equal(refused.status, 400, String(message));
      assert.match(refused.message, message);
    }
    assert.deepEqual(sandbox.points('i1', NOTEBOOK_IDLE_SECONDS_METRIC).map((p) => p.at), [END - 2 * MIN], 'the refused request wrote nothing');
    assert.deepEqual(sandbox.points('i1', 'custom.googleapis.com/x'), []);
  });
});

test('every call is recorded with its query and time, and injected failures still count', async () => {
  await withSandbox(async ({ sandbox, list }) => {
    await list({ filter: gpuFilter(), ...window(5), pageSize: 7 });
    sandbox.failNext('timeSeries.list', { status: 503, body: { error: { code: 503, message: 'try later', status: 'UNAVAILABLE', errors: [] } } }, 4);
    const refused = await refusal(list({ filter: gpuFilter(), ...window(5) }));
    assert.equal(refused.status, 503);
    const call = sandbox.calls[0];
    assert.equal(call?.method, 'timeSeries.list');
    assert.equal(call?.at, END);
    assert.equal(call?.query.get('pageSize'), '7');
    assert.equal(call?.query.get('filter'), gpuFilter());
    // The client retries a 503 three times: four calls reach the sandbox.
    assert.equal(sandbox.count('timeSeries.list'), 5);
    assert.equal(sandbox.count('timeSeries.create'), 0);
  });
});
