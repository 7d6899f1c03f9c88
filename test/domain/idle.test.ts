import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOT_WARNED,
  applyKeep,
  judgeIdle,
  nextIdleStep,
  type BoxIdleRecord,
  type IdleBoxFacts,
  type IdleJudgement,
  type IdlePolicy,
  type IdleSignals,
  type IdleStep,
  type IdleVerdict,
  type UtilizationPeriod,
} from '../../src/domain/idle.js';

const M = 60_000;
const H = 60 * M;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const PERIOD = 5 * M;
/** Signals are read for 4 hours: the longest idle window any box has. */
const POLICY: IdlePolicy = { gpuBelowPercent: 5, cpuBelowFraction: 0.05, windowMs: 4 * H };
const BOX: IdleBoxFacts = { runningSinceMs: NOW - 3 * H, idleWindowMs: H };

type Curve = (minutesAgo: number) => number | null;

interface Script {
  /** Value of the period ending `minutesAgo` before now; null: no data for that period. */
  gpu?: Curve | null;
  cpu?: Curve | null;
  busyKernels?: number | null;
  idleSeconds?: number | null;
  /** Overrides what the adapter would say about data continuity. */
  gpuDataSince?: number | null;
}

function periods(curve: Curve | null | undefined): UtilizationPeriod[] {
  const out: UtilizationPeriod[] = [];
  if (!curve) return out;
  for (let k = POLICY.windowMs / PERIOD - 1; k >= 0; k--) {
    const value = curve(k * 5);
    if (value !== null) out.push({ startMs: NOW - (k + 1) * PERIOD, endMs: NOW - k * PERIOD, max: value });
  }
  return out;
}

/** Start of the unbroken run of periods reaching the latest one, as the adapter computes it (no lag here). */
function since(list: UtilizationPeriod[]): number | null {
  let start: number | null = null;
  let expectEnd = NOW;
  for (let i = list.length - 1; i >= 0; i--) {
    const p = list[i];
    if (p === undefined || p.endMs !== expectEnd) break;
    start = p.startMs;
    expectEnd = p.startMs;
  }
  return start;
}

/** A box that has done nothing for hours, changed by `script`. */
function signals(script: Script = {}): IdleSignals {
  const gpuPeriods = periods(script.gpu === undefined ? () => 1 : script.gpu);
  const cpuPeriods = periods(script.cpu === undefined ? () => 0.01 : script.cpu);
  const max = (list: UtilizationPeriod[]) => (list.length === 0 ? null : Math.max(...list.map((p) => p.max)));
  return {
    gpuMaxPercent: max(gpuPeriods),
    cpuMaxFraction: max(cpuPeriods),
    busyKernels: script.busyKernels === undefined ? 0 : script.busyKernels,
    notebookIdleSeconds: script.idleSeconds === undefined ? 2 * 3600 : script.idleSeconds,
    gpuDataSince: script.gpuDataSince === undefined ? since(gpuPeriods) : script.gpuDataSince,
    cpuDataSince: since(cpuPeriods),
    gpuPeriods,
    cpuPeriods,
  };
}

interface JudgeCase {
  name: string;
  signals: IdleSignals | null;
  box?: Partial<IdleBoxFacts>;
  state: IdleVerdict;
  reason?: RegExp;
  missingGpuMetrics?: boolean;
  missingNotebookReports?: boolean;
  blind?: boolean;
}

const judgeCases: JudgeCase[] = [
  { name: 'busy GPU in the last minutes', signals: signals({ gpu: (ago) => (ago < 10 ? 80 : 0) }), state: 'busy', reason: /GPU reached 80% in the last 1h/ },
  { name: 'one GPU burst inside the window', signals: signals({ gpu: (ago) => (ago === 50 ? 30 : 1) }), state: 'busy', reason: /GPU reached 30%/ },
  { name: 'GPU exactly at the threshold is not under it', signals: signals({ gpu: (ago) => (ago === 0 ? 5 : 1) }), state: 'busy', reason: /GPU reached 5%/ },
  { name: 'GPU busy only before the window', signals: signals({ gpu: (ago) => (ago >= 70 ? 90 : 1) }), state: 'idle', reason: /GPU under 5% for 1h/ },
  { name: 'busy kernel with an idle GPU', signals: signals({ busyKernels: 1 }), state: 'busy', reason: /a Jupyter kernel is busy/ },
  { name: 'busy kernels, and the GPU missing', signals: signals({ gpu: null, busyKernels: 3 }), state: 'busy', reason: /3 Jupyter kernels are busy/, missingGpuMetrics: true },
  { name: 'notebook used ten minutes ago', signals: signals({ idleSeconds: 600 }), state: 'busy', reason: /the notebook was used 10m ago/ },
  { name: 'low GPU but busy CPU', signals: signals({ gpu: () => 1, cpu: (ago) => (ago === 20 ? 0.4 : 0.01) }), state: 'busy', reason: /CPU reached 40%/ },
  { name: 'all idle', signals: signals(), state: 'idle', reason: /CPU under 5% for 1h/, missingGpuMetrics: false },
  { name: 'no signals at all', signals: null, state: 'unknown', reason: /no recent CPU data/, missingGpuMetrics: true, missingNotebookReports: true, blind: true },
  { name: 'CPU missing', signals: signals({ cpu: null }), state: 'unknown', reason: /no recent CPU data/ },
  {
    name: 'notebook reports never came; GPU and CPU idle',
    signals: signals({ busyKernels: null, idleSeconds: null }),
    state: 'idle',
    reason: /no notebook reports: judged by GPU and CPU/,
    missingNotebookReports: true,
    blind: false,
  },
  { name: 'notebook reports never came; GPU busy', signals: signals({ busyKernels: null, idleSeconds: null, gpu: () => 60 }), state: 'busy', missingNotebookReports: true },
  {
    name: 'young box without notebook reports is not judged without them yet',
    signals: signals({ busyKernels: null, idleSeconds: null }),
    box: { runningSinceMs: NOW - 10 * M },
    state: 'unknown',
    reason: /no recent notebook activity report/,
    missingNotebookReports: false,
  },
  {
    name: 'neither GPU metrics nor notebook reports: CPU alone judges nothing',
    signals: signals({ gpu: null, busyKernels: null, idleSeconds: null }),
    state: 'unknown',
    reason: /no recent notebook activity report/,
    missingGpuMetrics: true,
    missingNotebookReports: true,
    blind: true,
  },
  { name: 'GPU metrics never came; CPU and notebook idle', signals: signals({ gpu: null }), state: 'idle', reason: /no GPU metrics: judged by CPU and notebook/, missingGpuMetrics: true },
  { name: 'GPU metrics never came; CPU busy', signals: signals({ gpu: null, cpu: () => 0.5 }), state: 'busy', missingGpuMetrics: true },
  {
    name: 'GPU metrics stopped coming, low while they came',
    signals: signals({ gpu: (ago) => (ago >= 20 ? 1 : null), gpuDataSince: null }),
    state: 'idle',
    missingGpuMetrics: true,
  },
  {
    name: 'GPU metrics stopped coming after a busy stretch',
    signals: signals({ gpu: (ago) => (ago >= 20 ? 70 : null), gpuDataSince: null }),
    state: 'busy',
    reason: /GPU reached 70%/,
  },
  { name: 'GPU data only for the last 20 minutes', signals: signals({ gpu: (ago) => (ago < 20 ? 1 : null) }), state: 'unknown', reason: /GPU data covers only the last 20m/ },
  { name: 'running for less than the window', signals: signals(), box: { runningSinceMs: NOW - 30 * M }, state: 'unknown', reason: /running for 30m, less than its idle window of 1h/ },
  {
    name: 'young box without GPU data is not reported missing yet',
    signals: signals({ gpu: null }),
    box: { runningSinceMs: NOW - 10 * M },
    state: 'unknown',
    missingGpuMetrics: false,
  },
  { name: 'idle stop turned off', signals: signals(), box: { idleWindowMs: null }, state: 'exempt', reason: /idle stop is off/ },
  { name: 'window longer than the signals reach', signals: signals({ idleSeconds: 7 * 3600 }), box: { idleWindowMs: 6 * H, runningSinceMs: NOW - 8 * H }, state: 'unknown', reason: /signals were read for 4h/ },
  { name: 'a 30-minute box ignores a burst 45 minutes ago', signals: signals({ gpu: (ago) => (ago === 45 ? 90 : 1) }), box: { idleWindowMs: 30 * M }, state: 'idle' },
  { name: 'a 90-minute box sees the same burst', signals: signals({ gpu: (ago) => (ago === 45 ? 90 : 1) }), box: { idleWindowMs: 90 * M }, state: 'busy' },
];

test('judgeIdle: a box is idle only when every known signal stayed under its threshold for its whole window', () => {
  for (const c of judgeCases) {
    const j = judgeIdle(c.signals, POLICY, { ...BOX, ...c.box }, NOW);
    assert.equal(j.state, c.state, `${c.name}: ${j.reasons.join('; ')}`);
    if (c.reason) assert.ok(j.reasons.some((r) => c.reason?.test(r)), `${c.name}: expected a reason matching ${String(c.reason)}, got ${JSON.stringify(j.reasons)}`);
    if (c.missingGpuMetrics !== undefined) assert.equal(j.missingGpuMetrics, c.missingGpuMetrics, `${c.name}: missingGpuMetrics`);
    if (c.missingNotebookReports !== undefined) assert.equal(j.missingNotebookReports, c.missingNotebookReports, `${c.name}: missingNotebookReports`);
    if (c.blind !== undefined) assert.equal(j.blind, c.blind, `${c.name}: blind`);
    assert.equal(j.idleSinceMs !== null, c.state === 'idle', `${c.name}: idleSinceMs is set exactly for idle boxes`);
  }
});

test('judgeIdle says since when an idle box has been idle: the latest of its signals going quiet', () => {
  // GPU last busy in the period ending 90 minutes ago, notebook used 2 hours ago, running for 3 hours.
  const j = judgeIdle(signals({ gpu: (ago) => (ago === 90 ? 50 : 1), idleSeconds: 2 * 3600 }), POLICY, BOX, NOW);
  assert.equal(j.state, 'idle');
  assert.equal(j.idleSinceMs, NOW - 90 * M);
  // Without the burst, the notebook's last use is the latest.
  assert.equal(judgeIdle(signals(), POLICY, BOX, NOW).idleSinceMs, NOW - 2 * H);
  // A box started 70 minutes ago has been idle at most that long.
  assert.equal(judgeIdle(signals(), POLICY, { ...BOX, runningSinceMs: NOW - 70 * M }, NOW).idleSinceMs, NOW - 70 * M);
});

test('judgeIdle lists the missing signals, so the one-time notice can say which', () => {
  assert.deepEqual(judgeIdle(null, POLICY, BOX, NOW).missing, ['gpu', 'cpu', 'notebook']);
  assert.deepEqual(judgeIdle(signals({ gpu: null }), POLICY, BOX, NOW).missing, ['gpu']);
  assert.deepEqual(judgeIdle(signals(), POLICY, BOX, NOW).missing, []);
});

// ---------------------------------------------------------------- warn, grace, stop

const TIMING = { graceMs: 15 * M, maxKeepMs: 8 * H };

function judged(state: IdleVerdict): IdleJudgement {
  return { state, reasons: [`judged ${state}`], missingGpuMetrics: false, missingNotebookReports: false, blind: false, missing: [], idleSinceMs: state === 'idle' ? NOW - 2 * H : null };
}

interface Beat {
  /** Minutes after NOW. */
  at: number;
  judged?: IdleVerdict;
  /** The owner presses Keep for this many minutes (before the tick). */
  keep?: number;
  expect: IdleStep['action'];
  stopAt?: number;
  cause?: 'idle' | 'hard-limit';
}

/** Plays ticks through the state machine, storing each step's record as the controller would. */
function play(beats: Beat[], box: { runningSinceMs?: number; maxRunningMs?: number | null } = {}): BoxIdleRecord {
  let record: BoxIdleRecord = NOT_WARNED;
  for (const beat of beats) {
    const now = NOW + beat.at * M;
    if (beat.keep !== undefined) {
      const kept = applyKeep(record, beat.keep * M, now, TIMING);
      assert.ok(kept.ok, `keep at ${beat.at}m was refused`);
      record = kept.idle;
    }
    const step = nextIdleStep(
      { idle: record, runningSinceMs: box.runningSinceMs ?? NOW - 3 * H, maxRunningMs: box.maxRunningMs ?? null },
      judged(beat.judged ?? 'idle'),
      now,
      TIMING,
    );
    assert.equal(step.action, beat.expect, `at ${beat.at}m: expected ${beat.expect}, got ${JSON.stringify(step)}`);
    if (beat.stopAt !== undefined) assert.equal(step.action === 'warn' ? step.stopAt : null, NOW + beat.stopAt * M, `at ${beat.at}m: stopAt`);
    if (beat.cause !== undefined) assert.equal(step.action === 'warn' || step.action === 'stop' ? step.cause : null, beat.cause, `at ${beat.at}m: cause`);
    record = step.idle;
  }
  return record;
}

test('an idle box gets one warning, then one stop when the grace runs out', () => {
  play([
    { at: 0, expect: 'warn', stopAt: 15, cause: 'idle' },
    { at: 1, expect: 'none' },
    { at: 14, expect: 'none' },
    { at: 15, expect: 'stop', cause: 'idle' },
  ]);
});

test('busy GPU, busy kernel or busy CPU: no warning at all', () => {
  play([
    { at: 0, judged: 'busy', expect: 'none' },
    { at: 30, judged: 'busy', expect: 'none' },
    { at: 60, judged: 'unknown', expect: 'none' },
    { at: 90, judged: 'exempt', expect: 'none' },
  ]);
});

test('activity returning during the grace withdraws the warning; idle again warns afresh', () => {
  play([
    { at: 0, expect: 'warn', stopAt: 15 },
    { at: 5, judged: 'busy', expect: 'cancel-warning' },
    { at: 10, judged: 'busy', expect: 'none' },
    { at: 20, expect: 'warn', stopAt: 35 },
    { at: 35, expect: 'stop' },
  ]);
});

test('turning idle stop off during the grace withdraws the warning', () => {
  play([
    { at: 0, expect: 'warn' },
    { at: 3, judged: 'exempt', expect: 'cancel-warning' },
  ]);
});

test('missing metrics during the grace neither stop the box nor withdraw the warning', () => {
  play([
    { at: 0, expect: 'warn', stopAt: 15 },
    { at: 15, judged: 'unknown', expect: 'none' },
    { at: 40, judged: 'unknown', expect: 'none' },
    { at: 41, expect: 'stop' },
  ]);
});

test('keep postpones the stop; when the keep runs out and the box is still idle, it is warned again', () => {
  play([
    { at: 0, expect: 'warn', stopAt: 15 },
    { at: 5, keep: 60, expect: 'none' },
    { at: 30, expect: 'none' },
    { at: 64, expect: 'none' },
    { at: 65, expect: 'warn', stopAt: 80 },
    { at: 80, expect: 'stop' },
  ]);
});

test('a hard limit stops a busy box, after the same warning, and Keep cannot postpone it', () => {
  // Started 7h45m before NOW with an 8-hour limit: the limit falls at +15m, one grace away.
  const box = { runningSinceMs: NOW - (7 * H + 45 * M), maxRunningMs: 8 * H };
  const warned = play([{ at: -1, judged: 'busy', expect: 'none' }, { at: 0, judged: 'busy', expect: 'warn', stopAt: 15, cause: 'hard-limit' }], box);
  const refused = applyKeep(warned, H, NOW + 5 * M, TIMING);
  assert.equal(refused.ok, false);
  assert.equal(refused.ok ? null : refused.code, 'HARD_LIMIT');
  play(
    [
      { at: 0, judged: 'busy', expect: 'warn', cause: 'hard-limit' },
      { at: 5, judged: 'busy', expect: 'none' },
      { at: 14, judged: 'idle', expect: 'none' },
      { at: 15, judged: 'busy', expect: 'stop', cause: 'hard-limit' },
    ],
    box,
  );
});

test('a hard-limit warning that comes late still gives the owner a full grace', () => {
  const box = { runningSinceMs: NOW - 9 * H, maxRunningMs: 8 * H };
  play([{ at: 0, judged: 'busy', expect: 'warn', stopAt: 15, cause: 'hard-limit' }, { at: 15, judged: 'busy', expect: 'stop', cause: 'hard-limit' }], box);
});

test('the hard limit takes over a pending idle warning, and applies to boxes with idle stop off', () => {
  const box = { runningSinceMs: NOW - (7 * H + 40 * M), maxRunningMs: 8 * H };
  play(
    [
      { at: 0, expect: 'warn', cause: 'idle', stopAt: 15 },
      { at: 5, expect: 'warn', cause: 'hard-limit', stopAt: 20 },
      { at: 15, expect: 'none' },
      { at: 20, expect: 'stop', cause: 'hard-limit' },
    ],
    box,
  );
  play([{ at: 5, judged: 'exempt', expect: 'warn', cause: 'hard-limit' }], box);
});

test('the state machine is idempotent: the same tick twice does one thing', () => {
  const record = play([{ at: 0, expect: 'warn' }]);
  const again = nextIdleStep({ idle: record, runningSinceMs: NOW - 3 * H, maxRunningMs: null }, judged('idle'), NOW, TIMING);
  assert.equal(again.action, 'none');
  assert.deepEqual(again.idle, record);
});

test('applyKeep: within the cap, never shorter than a keep already granted, refused without a length', () => {
  const warned: BoxIdleRecord = { warnedAt: NOW, keepUntil: null, stopAt: NOW + 15 * M, cause: 'idle' };
  const cases: { name: string; record: BoxIdleRecord; keepMs: number; until?: number; capped?: boolean; cancelled?: boolean; refused?: string }[] = [
    { name: 'Keep 1h on a warning', record: warned, keepMs: H, until: NOW + H, capped: false, cancelled: true },
    { name: 'Keep 4h without a warning', record: NOT_WARNED, keepMs: 4 * H, until: NOW + 4 * H, capped: false, cancelled: false },
    { name: 'more than the cap', record: NOT_WARNED, keepMs: 12 * H, until: NOW + 8 * H, capped: true },
    { name: 'a shorter keep does not shorten a longer one', record: { ...NOT_WARNED, keepUntil: NOW + 3 * H }, keepMs: H, until: NOW + 3 * H },
    { name: 'no length', record: warned, keepMs: 0, refused: 'KEEP_INVALID' },
    { name: 'not a number', record: warned, keepMs: Number.NaN, refused: 'KEEP_INVALID' },
    { name: 'hard limit', record: { ...warned, cause: 'hard-limit' }, keepMs: H, refused: 'HARD_LIMIT' },
  ];
  for (const c of cases) {
    const result = applyKeep(c.record, c.keepMs, NOW, TIMING);
    if (c.refused !== undefined) {
      assert.equal(result.ok ? 'ok' : result.code, c.refused, c.name);
      continue;
    }
    assert.ok(result.ok, c.name);
    assert.equal(result.keepUntil, c.until, c.name);
    assert.deepEqual(result.idle, { warnedAt: null, keepUntil: c.until, stopAt: null, cause: null }, c.name);
    if (c.capped !== undefined) assert.equal(result.capped, c.capped, c.name);
    if (c.cancelled !== undefined) assert.equal(result.cancelledWarning, c.cancelled, c.name);
  }
});
