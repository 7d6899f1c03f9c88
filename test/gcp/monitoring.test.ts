import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { IdleSignalsUnavailableError } from '../../src/app/ports/idle.js';
import { DEFAULT_IDLE_THRESHOLDS, judgeIdle, type IdleSignals } from '../../src/domain/idle.js';
import {
  BUSY_KERNELS_METRIC,
  NOTEBOOK_ACTIVITY_REPORTER,
  NOTEBOOK_ACTIVITY_SCRIPT,
  NOTEBOOK_IDLE_SECONDS_METRIC,
} from '../../src/domain/notebook-activity-script.js';
import { CPU_UTILIZATION_METRIC, GPU_UTILIZATION_METRIC, MonitoringAdapter, alignmentPeriodMs } from '../../src/gcp/monitoring.js';
import { MonitoringSandbox, type MonitoringSandboxOptions } from '../../src/sandbox/google/monitoring.js';
import { googleError, startGoogleSandbox, type SandboxRequest } from '../../src/sandbox/google/server.js';
import { Discovery } from '../support/discovery.js';

const PROJECT = 'gpubot-test';
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const GPUBOT = { 'managed-by': 'gpubot' };

interface Cloud {
  sandbox: MonitoringSandbox;
  adapter: MonitoringAdapter;
  url: string;
  requests: SandboxRequest[];
}

function sandboxAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox' });
  return auth;
}

async function withCloud(run: (c: Cloud) => Promise<void>, options: { pageSize?: number; sandbox?: Partial<MonitoringSandboxOptions> } = {}): Promise<void> {
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => NOW, ...options.sandbox });
  const requests: SandboxRequest[] = [];
  const server = await startGoogleSandbox({
    handlers: [
      {
        handle(req) {
          requests.push(req);
          return sandbox.handle(req);
        },
      },
    ],
  });
  const adapter = new MonitoringAdapter({
    project: PROJECT,
    authClient: sandboxAuth(),
    rootUrl: server.url,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  try {
    await run({ sandbox, adapter, url: server.url, requests });
  } finally {
    await server.close();
  }
}

/** One point a minute for the last `minutes` minutes, valued by how long ago it was. */
function perMinute(minutes: number, value: (minutesAgo: number) => number | null): { at: number; value: number }[] {
  const out: { at: number; value: number }[] = [];
  for (let ago = 0; ago <= minutes; ago++) {
    const v = value(ago);
    if (v !== null) out.push({ at: NOW - ago * MIN, value: v });
  }
  return out;
}

function get(signals: Map<string, IdleSignals>, id: string): IdleSignals {
  const s = signals.get(id);
  assert.ok(s, `no signals for ${id}`);
  return s;
}

test('one pass reads GPU, CPU and notebook activity of every box with one call per metric', async () => {
  await withCloud(async ({ sandbox, adapter }) => {
    sandbox.setInstance('1001', { name: 'busy-gpu', zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setInstance('1002', { name: 'idle', zone: 'us-central1-b', labels: GPUBOT });
    sandbox.setInstance('1003', { name: 'not-ours', zone: 'us-central1-a', labels: { 'managed-by': 'someone-else' } });
    sandbox.setInstance('1004', { name: 'no-agent', zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setSampler((id, metric) => {
      if (metric === GPU_UTILIZATION_METRIC) return id === '1004' ? null : id === '1003' ? 50 : 1;
      if (metric === CPU_UTILIZATION_METRIC) return id === '1001' ? 0.02 : 0.01;
      return null;
    });
    // Two GPUs: the busy one is what counts.
    sandbox.setSeries('1001', GPU_UTILIZATION_METRIC, perMinute(90, () => 2), { gpu_number: '0', model: 'NVIDIA A100', uuid: 'GPU-a' });
    sandbox.setSeries('1001', GPU_UTILIZATION_METRIC, perMinute(90, (ago) => (ago === 17 ? 90 : 3)), { gpu_number: '1', model: 'NVIDIA A100', uuid: 'GPU-b' });
    const report = (id: string, agoMs: number, busy: number, idleSeconds: number) => {
      sandbox.setSeries(id, BUSY_KERNELS_METRIC, [{ at: NOW - agoMs - MIN, value: 0 }, { at: NOW - agoMs, value: busy }]);
      sandbox.setSeries(id, NOTEBOOK_IDLE_SECONDS_METRIC, [{ at: NOW - agoMs - MIN, value: idleSeconds - 60 }, { at: NOW - agoMs, value: idleSeconds }]);
    };
    report('1001', 90_000, 1, 0);
    report('1002', 30_000, 0, 4000);
    report('1004', 60_000, 0, 7200);

    const signals = await adapter.idleSignals(HOUR, NOW);

    assert.equal(sandbox.count('timeSeries.list'), 4, 'one call per metric');
    assert.equal(adapter.callCounts.get('timeSeries.list'), 4);
    assert.deepEqual([...signals.keys()].sort(), ['1001', '1002', '1004'], 'a VM without the gpubot label is not read');

    const busy = get(signals, '1001');
    assert.equal(busy.gpuMaxPercent, 90);
    assert.equal(busy.cpuMaxFraction, 0.02);
    assert.equal(busy.busyKernels, 1);
    assert.equal(busy.notebookIdleSeconds, 90, 'reported 0 s idle, 90 s ago');
    // Twelve 5-minute periods over the hour; the burst 17 minutes ago lands in (NOW-20m, NOW-15m].
    assert.equal(busy.gpuPeriods.length, 12);
    assert.deepEqual(
      busy.gpuPeriods.filter((p) => p.max !== 3),
      [{ startMs: NOW - 20 * MIN, endMs: NOW - 15 * MIN, max: 90 }],
    );
    assert.equal(busy.gpuDataSince, NOW - HOUR);

    const idle = get(signals, '1002');
    assert.deepEqual([idle.gpuMaxPercent, idle.cpuMaxFraction, idle.busyKernels, idle.notebookIdleSeconds], [1, 0.01, 0, 4030]);

    const noAgent = get(signals, '1004');
    assert.deepEqual([noAgent.gpuMaxPercent, noAgent.gpuDataSince, noAgent.gpuPeriods.length], [null, null, 0]);
    assert.equal(noAgent.cpuDataSince, NOW - HOUR);

    // What the decision makes of them.
    const policy = { ...DEFAULT_IDLE_THRESHOLDS, windowMs: HOUR };
    const box = { runningSinceMs: NOW - 3 * HOUR, idleWindowMs: HOUR };
    assert.equal(judgeIdle(busy, policy, box, NOW).state, 'busy');
    assert.equal(judgeIdle(idle, policy, box, NOW).state, 'idle');
    const judged = judgeIdle(noAgent, policy, box, NOW);
    assert.deepEqual([judged.state, judged.missingGpuMetrics], ['idle', true]);
    assert.equal(judgeIdle(signals.get('1003') ?? null, policy, box, NOW).state, 'unknown');
  });
});

test('the reads ask for maxima per period, grouped by instance, over whole periods covering the window', async () => {
  const cases: { windowMs: number; period: string; startAgoMs: number }[] = [
    { windowMs: HOUR, period: '300s', startAgoMs: HOUR },
    { windowMs: 4 * HOUR, period: '300s', startAgoMs: 4 * HOUR },
    { windowMs: 10 * MIN, period: '60s', startAgoMs: 10 * MIN },
    { windowMs: 30 * MIN, period: '180s', startAgoMs: 30 * MIN },
    // A demo's 90-second window still reads whole 60-second periods, the API's minimum.
    { windowMs: 90_000, period: '60s', startAgoMs: 2 * MIN },
  ];
  for (const c of cases) {
    await withCloud(async ({ sandbox, adapter }) => {
      await adapter.idleSignals(c.windowMs, NOW);
      assert.equal(alignmentPeriodMs(c.windowMs) / 1000, Number.parseInt(c.period, 10));
      const gpu = sandbox.calls.find((call) => (call.query.get('filter') ?? '').includes(GPU_UTILIZATION_METRIC));
      const q = gpu?.query;
      assert.equal(q?.get('filter'), `metric.type = "${GPU_UTILIZATION_METRIC}" AND resource.type = "gce_instance" AND metadata.user_labels."managed-by" = "gpubot"`);
      assert.equal(q?.get('aggregation.alignmentPeriod'), c.period, `window ${c.windowMs}`);
      assert.equal(q?.get('aggregation.perSeriesAligner'), 'ALIGN_MAX');
      assert.equal(q?.get('aggregation.crossSeriesReducer'), 'REDUCE_MAX');
      assert.deepEqual(q?.getAll('aggregation.groupByFields'), ['resource.label.instance_id']);
      assert.equal(q?.get('interval.startTime'), new Date(NOW - c.startAgoMs).toISOString());
      assert.equal(q?.get('interval.endTime'), new Date(NOW).toISOString());
      const cpu = sandbox.calls.find((call) => (call.query.get('filter') ?? '').includes(CPU_UTILIZATION_METRIC));
      assert.equal(cpu?.query.get('aggregation.alignmentPeriod'), c.period);
      // Notebook reports are read raw, for their exact time, over the last five minutes.
      const notebook = sandbox.calls.find((call) => (call.query.get('filter') ?? '').includes(BUSY_KERNELS_METRIC));
      assert.equal(notebook?.query.get('aggregation.perSeriesAligner'), null);
      assert.equal(notebook?.query.get('interval.startTime'), new Date(NOW - 5 * MIN).toISOString());
    });
  }
});

test('calls grow with pages, not boxes: small pages bring every box back in exactly as many calls', async () => {
  await withCloud(
    async ({ sandbox, adapter }) => {
      for (let i = 0; i < 30; i++) sandbox.setInstance(String(2000 + i), { name: `box${i}`, zone: 'us-central1-a', labels: GPUBOT });
      sandbox.setSampler((id, metric) => (metric === GPU_UTILIZATION_METRIC ? Number(id) % 7 : metric === CPU_UTILIZATION_METRIC ? 0.01 : null));
      const signals = await adapter.idleSignals(HOUR, NOW);
      // 12 points a box and 24 points a page: 15 pages each for GPU and CPU, one empty page each for the notebook.
      assert.equal(sandbox.count('timeSeries.list'), 32);
      assert.equal(adapter.callCounts.get('timeSeries.list'), 32);
      assert.equal(signals.size, 30);
      for (let i = 0; i < 30; i++) assert.equal(get(signals, String(2000 + i)).gpuMaxPercent, (2000 + i) % 7);
    },
    { pageSize: 24 },
  );
  await withCloud(async ({ sandbox, adapter }) => {
    for (let i = 0; i < 300; i++) sandbox.setInstance(String(3000 + i), { name: `box${i}`, zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setSampler((_id, metric) => (metric === GPU_UTILIZATION_METRIC ? 1 : metric === CPU_UTILIZATION_METRIC ? 0.01 : null));
    const signals = await adapter.idleSignals(HOUR, NOW);
    assert.equal(sandbox.count('timeSeries.list'), 4, 'with the API page size, 300 boxes take one call per metric');
    assert.equal(signals.size, 300);
  });
});

test('data continuity: Monitoring lag and a missed sample are tolerated, longer holes and stale data are not', async () => {
  await withCloud(async ({ sandbox, adapter }) => {
    const series = (id: string, value: (ago: number) => number | null) => {
      sandbox.setInstance(id, { name: `b${id}`, zone: 'us-central1-a', labels: GPUBOT });
      sandbox.setSeries(id, GPU_UTILIZATION_METRIC, perMinute(30, value));
    };
    series('1', () => 1);
    series('2', (ago) => (ago === 4 ? null : 1)); // one sample missing
    series('3', (ago) => (ago >= 4 && ago <= 6 ? null : 1)); // three in a row missing
    series('4', (ago) => (ago < 3 ? null : 1)); // the last 3 minutes not in Monitoring yet
    series('5', (ago) => (ago < 8 ? null : 1)); // stopped 8 minutes ago
    series('6', (ago) => (ago < 6 ? 1 : null)); // started 6 minutes ago
    const signals = await adapter.idleSignals(10 * MIN, NOW);
    const since = (id: string) => get(signals, id).gpuDataSince;
    assert.equal(since('1'), NOW - 10 * MIN);
    assert.equal(since('2'), NOW - 10 * MIN);
    assert.equal(since('3'), NOW - 4 * MIN);
    assert.equal(since('4'), NOW - 10 * MIN);
    assert.equal(since('5'), null);
    assert.equal(get(signals, '5').gpuMaxPercent, 1, 'stale data is still data: a burst in it would count as busy');
    assert.equal(since('6'), NOW - 6 * MIN);
  });
});

test('notebook reports older than five minutes are unknown, not idle', async () => {
  await withCloud(async ({ sandbox, adapter }) => {
    sandbox.setSeries('7', BUSY_KERNELS_METRIC, [{ at: NOW - 6 * MIN, value: 0 }]);
    sandbox.setSeries('7', NOTEBOOK_IDLE_SECONDS_METRIC, [{ at: NOW - 6 * MIN, value: 9000 }]);
    sandbox.setSeries('8', BUSY_KERNELS_METRIC, [{ at: NOW - 4 * MIN, value: 0 }]);
    sandbox.setSeries('8', NOTEBOOK_IDLE_SECONDS_METRIC, [{ at: NOW - 4 * MIN, value: 9000 }]);
    const signals = await adapter.idleSignals(HOUR, NOW);
    assert.equal(signals.get('7'), undefined);
    assert.deepEqual([get(signals, '8').busyKernels, get(signals, '8').notebookIdleSeconds], [0, 9240]);
  });
});

test('when Monitoring refuses, the whole read fails with a classified reason rather than returning half', async () => {
  await withCloud(async ({ sandbox, adapter }) => {
    sandbox.setInstance('1', { name: 'a', zone: 'us-central1-a', labels: GPUBOT });
    sandbox.setSampler(() => 1);
    sandbox.failNext('timeSeries.list', googleError(403, 'PERMISSION_DENIED', 'Permission monitoring.timeSeries.list denied (or the resource may not exist).'));
    await assert.rejects(adapter.idleSignals(HOUR, NOW), (error: unknown) => {
      assert.ok(error instanceof IdleSignalsUnavailableError);
      assert.equal(error.code, 'IDLE_SIGNALS_UNAVAILABLE');
      assert.equal(error.failure.kind, 'permission');
      assert.match(error.message, /monitoring.timeSeries.list denied/);
      return true;
    });
  });
});

test('the adapter sends its credentials and honours a root URL with or without a trailing slash', async () => {
  await withCloud(async ({ url, requests }) => {
    for (const rootUrl of [url, `${url}/`]) {
      const adapter = new MonitoringAdapter({ project: PROJECT, authClient: sandboxAuth(), rootUrl });
      await adapter.idleSignals(HOUR, NOW);
    }
    assert.equal(requests.length, 8);
    assert.ok(requests.every((r) => r.headers.authorization === 'Bearer sandbox' && r.path === `/v3/projects/${PROJECT}/timeSeries`));
  });
});

// ---------------------------------------------------------------- the box's reporter, end to end

function hasPython(): boolean {
  return spawnSync('python3', ['--version']).status === 0;
}

async function listen(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Jupyter {
  kernels: unknown[];
  terminals: unknown[];
  status: number;
}

test('the box reporter tells Monitoring how busy Jupyter is, and the adapter reads it back', async (t: TestContext) => {
  if (!hasPython()) {
    t.skip('python3 is not installed here; the reporter runs on the box');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gpubot-reporter-'));
  const script = path.join(dir, 'notebook-activity.py');
  const stateFile = path.join(dir, 'state.json');
  writeFileSync(script, NOTEBOOK_ACTIVITY_REPORTER);
  const schema = Discovery.load('monitoring.v3.json');

  const jupyter: Jupyter = { kernels: [], terminals: [], status: 200 };
  const jupyterSeen: { url: string; authorization: string | undefined }[] = [];
  const jupyterServer = await listen((req, res) => {
    jupyterSeen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const route = new URL(req.url ?? '/', 'http://x').pathname;
    const body = jupyter.status !== 200 ? { message: 'Forbidden' } : route === '/api/kernels' ? jupyter.kernels : route === '/api/terminals' ? jupyter.terminals : null;
    res.writeHead(body === null ? 404 : jupyter.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { message: 'not found' }));
  });
  const metadataServer = await listen((req, res) => {
    if (req.headers['metadata-flavor'] !== 'Google') {
      res.writeHead(403).end();
      return;
    }
    const answers: Record<string, string> = {
      '/computeMetadata/v1/project/project-id': PROJECT,
      '/computeMetadata/v1/instance/id': '4242',
      '/computeMetadata/v1/instance/zone': 'projects/123456/zones/us-central1-a',
      '/computeMetadata/v1/instance/service-accounts/default/token': JSON.stringify({ access_token: 'vm-token', expires_in: 3599, token_type: 'Bearer' }),
    };
    const answer = answers[req.url ?? ''];
    res.writeHead(answer === undefined ? 404 : 200).end(answer ?? '');
  });
  const closed = await listen(() => undefined);
  const refusedUrl = closed.url;
  await closed.close();

  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => Date.now() });
  const writes: SandboxRequest[] = [];
  const google = await startGoogleSandbox({
    handlers: [
      {
        handle(req) {
          if (req.method === 'POST') writes.push(req);
          return sandbox.handle(req);
        },
      },
    ],
  });
  const adapter = new MonitoringAdapter({ project: PROJECT, authClient: sandboxAuth(), rootUrl: google.url });
  const report = (jupyterUrl = jupyterServer.url) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        'python3',
        [script],
        {
          // A clean environment: no proxy settings may send loopback requests elsewhere.
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: dir,
            GPUBOT_METADATA_URL: metadataServer.url,
            GPUBOT_MONITORING_URL: google.url,
            GPUBOT_JUPYTER_URL: jupyterUrl,
            GPUBOT_JUPYTER_TOKEN: 'jupyter-token',
            GPUBOT_STATE_FILE: stateFile,
          },
          timeout: 30_000,
        },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
  const notebook = async () => {
    const s = (await adapter.idleSignals(HOUR, Date.now())).get('4242');
    return { busy: s?.busyKernels ?? null, idle: s?.notebookIdleSeconds ?? null };
  };
  const ago = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

  try {
    // A training cell running: one busy kernel, activity now.
    jupyter.kernels = [
      { id: 'k1', execution_state: 'busy', last_activity: ago(5) },
      { id: 'k2', execution_state: 'idle', last_activity: ago(3600) },
    ];
    assert.deepEqual(await report(), { code: 0, stderr: '' });
    let seen = await notebook();
    assert.equal(seen.busy, 1);
    assert.ok(seen.idle !== null && seen.idle < 5, `idle ${String(seen.idle)}`);

    // Nothing running: idle since the latest activity of any kernel or terminal.
    jupyter.kernels = [{ id: 'k1', execution_state: 'idle', last_activity: ago(1200) }];
    jupyter.terminals = [{ name: '1', last_activity: ago(600) }];
    assert.equal((await report()).code, 0);
    seen = await notebook();
    assert.equal(seen.busy, 0);
    assert.ok(seen.idle !== null && seen.idle >= 0 && seen.idle < 10, 'the busy kernel a moment ago is remembered as the latest activity');

    // A fresh boot (empty state) with the same kernels: idle for 10 minutes.
    rmSync(stateFile, { force: true });
    assert.equal((await report()).code, 0);
    seen = await notebook();
    assert.ok(seen.idle !== null && Math.abs(seen.idle - 600) < 10, `idle ${String(seen.idle)}`);

    // Jupyter not running: no kernel can be busy; idle since the last activity remembered.
    writeFileSync(stateFile, JSON.stringify({ last_activity: Date.now() / 1000 - 3600 }));
    assert.equal((await report(refusedUrl)).code, 0);
    seen = await notebook();
    assert.equal(seen.busy, 0);
    assert.ok(seen.idle !== null && Math.abs(seen.idle - 3600) < 10, `idle ${String(seen.idle)}`);

    // Jupyter refusing the reporter: no report rather than a guess.
    const writesBefore = writes.length;
    jupyter.status = 403;
    const refused = await report();
    assert.equal(refused.code, 0);
    assert.match(refused.stderr, /no report: Jupyter answered 403/);
    assert.equal(writes.length, writesBefore);
    jupyter.status = 200;

    // Monitoring refusing the write: the run fails visibly.
    sandbox.failNext('timeSeries.create', googleError(403, 'PERMISSION_DENIED', 'Permission monitoring.timeSeries.create denied'));
    const failed = await report();
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Monitoring refused the report: 403/);

    // How it asked: Jupyter with its token and without counting as activity; Monitoring with the VM's token.
    assert.ok(jupyterSeen.length > 0);
    for (const r of jupyterSeen) {
      assert.match(r.url, /^\/api\/(kernels|terminals)\?no_track_activity=1$/);
      assert.equal(r.authorization, 'token jupyter-token');
    }
    assert.ok(writes.length >= 4);
    for (const w of writes) {
      assert.equal(w.headers.authorization, 'Bearer vm-token');
      assert.deepEqual(schema.validateRequest('monitoring.projects.timeSeries.create', { method: w.method, path: w.path, query: w.query, body: w.body }), []);
    }
    assert.deepEqual(readFileSync(stateFile, 'utf8').length > 0, true);
  } finally {
    await google.close();
    await jupyterServer.close();
    await metadataServer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the installer is valid bash, carries the reporter verbatim and installs a timer, not a listener', (t: TestContext) => {
  if (spawnSync('bash', ['--version']).status !== 0) {
    t.skip('bash is not installed here');
    return;
  }
  const check = spawnSync('bash', ['-n'], { input: NOTEBOOK_ACTIVITY_SCRIPT });
  assert.equal(check.status, 0, check.stderr.toString());
  assert.ok(NOTEBOOK_ACTIVITY_SCRIPT.includes(NOTEBOOK_ACTIVITY_REPORTER.trimEnd()));
  assert.match(NOTEBOOK_ACTIVITY_SCRIPT, /systemctl enable --now gpubot-notebook-activity\.timer/);
  assert.match(NOTEBOOK_ACTIVITY_SCRIPT, /OnUnitActiveSec=60s/);
  // Nothing in it serves: no socket servers, no listening tools.
  assert.doesNotMatch(NOTEBOOK_ACTIVITY_SCRIPT, /\.bind\(|\.listen\(|socketserver|http\.server|\bnc\b|ListenStream/);
});
