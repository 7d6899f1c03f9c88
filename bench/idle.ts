/**
 * One idle pass over N running boxes: the Monitoring reads for every box (through the real `googleapis`
 * client, against a fresh Monitoring sandbox on a local port) and the decision for each box. Counts the
 * Google API calls, which must grow with pages, not with boxes.
 *
 * Run alone: `tsx bench/idle.ts` prints the pass at 100 and 1,000 boxes, with the API's page size and
 * with small pages.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { OAuth2Client } from 'google-auth-library';
import { DEFAULT_IDLE_THRESHOLDS, judgeIdle, type IdleVerdict } from '../src/domain/idle.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC } from '../src/domain/notebook-activity-script.js';
import { MonitoringAdapter } from '../src/gcp/monitoring.js';
import { CPU_UTILIZATION_METRIC, GPU_UTILIZATION_METRIC, MonitoringSandbox } from '../src/sandbox/google/monitoring.js';
import { startGoogleSandbox } from '../src/sandbox/google/server.js';

const PROJECT = 'gpubot-bench';
const MIN = 60_000;
const WINDOW_MS = 60 * MIN;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

export interface IdleBenchOptions {
  /** Points per page; unset: the API's default (100,000). */
  pageSize?: number;
}

export interface IdleBenchResult {
  boxes: number;
  /** Google API calls of the measured pass (one per page). */
  googleCalls: number;
  /** Wall time of the measured pass: the reads and the decision for every box. */
  wallMs: number;
  /** Of which reading Monitoring. */
  readMs: number;
  pageSize: number | null;
  verdicts: Record<IdleVerdict, number>;
}

/**
 * Four kinds of box, in turn: busy GPU, idle, busy kernel, no GPU agent (judged by CPU and notebook).
 * Every box reports its notebook once a minute.
 */
function script(sandbox: MonitoringSandbox, boxes: number): void {
  for (let i = 0; i < boxes; i++) {
    const id = String(5_000_000_000 + i);
    sandbox.setInstance(id, { name: `box-${i}`, zone: i % 2 === 0 ? 'us-central1-a' : 'europe-west4-a', labels: { 'managed-by': 'gpubot', 'gpubot-id': `b${i}` } });
    const busyKernels = i % 4 === 2 ? 1 : 0;
    const reports = [4, 3, 2, 1, 0].map((ago) => NOW - ago * MIN - 10_000);
    sandbox.setSeries(id, BUSY_KERNELS_METRIC, reports.map((at) => ({ at, value: busyKernels })));
    sandbox.setSeries(id, NOTEBOOK_IDLE_SECONDS_METRIC, reports.map((at) => ({ at, value: busyKernels > 0 ? 0 : 3 * 3600 + (at - NOW) / 1000 })));
  }
  sandbox.setSampler((id, metric, at) => {
    const kind = Number(id) % 4;
    if (metric === GPU_UTILIZATION_METRIC) return kind === 3 ? null : kind === 0 ? 60 + ((at / MIN) % 30) : 1;
    if (metric === CPU_UTILIZATION_METRIC) return 0.01;
    return null;
  });
}

export async function benchIdle(boxes: number, options: IdleBenchOptions = {}): Promise<IdleBenchResult> {
  const sandbox = new MonitoringSandbox({ project: PROJECT, now: () => NOW });
  script(sandbox, boxes);
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'bench' });
  const adapter = new MonitoringAdapter({
    project: PROJECT,
    authClient: auth,
    rootUrl: server.url,
    ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
  });
  const policy = { ...DEFAULT_IDLE_THRESHOLDS, windowMs: WINDOW_MS };
  const box = { runningSinceMs: NOW - 5 * 60 * MIN, idleWindowMs: WINDOW_MS };
  try {
    // A warm-up pass (connections, JIT), as a running bot has had; the next pass is measured.
    await adapter.idleSignals(WINDOW_MS, NOW);
    const callsBefore = sandbox.count('timeSeries.list');
    const started = performance.now();
    const signals = await adapter.idleSignals(WINDOW_MS, NOW);
    const readMs = performance.now() - started;
    const verdicts: Record<IdleVerdict, number> = { busy: 0, idle: 0, unknown: 0, exempt: 0 };
    for (let i = 0; i < boxes; i++) verdicts[judgeIdle(signals.get(String(5_000_000_000 + i)) ?? null, policy, box, NOW).state]++;
    const wallMs = performance.now() - started;
    return {
      boxes,
      googleCalls: sandbox.count('timeSeries.list') - callsBefore,
      wallMs: Math.round(wallMs * 10) / 10,
      readMs: Math.round(readMs * 10) / 10,
      pageSize: options.pageSize ?? null,
      verdicts,
    };
  } finally {
    await server.close();
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows: IdleBenchResult[] = [];
  for (const pageSize of [undefined, 5_000]) {
    for (const boxes of [100, 1_000]) rows.push(await benchIdle(boxes, pageSize === undefined ? {} : { pageSize }));
  }
  console.log('idle pass: one read per metric (GPU, CPU, busy kernels, notebook idle), paged; the decision for every box');
  console.table(
    rows.map((r) => ({
      boxes: r.boxes,
      'page size (points)': r.pageSize ?? 'API default',
      'Google calls': r.googleCalls,
      'wall ms': r.wallMs,
      'read ms': r.readMs,
      busy: r.verdicts.busy,
      idle: r.verdicts.idle,
      unknown: r.verdicts.unknown,
    })),
  );
}
