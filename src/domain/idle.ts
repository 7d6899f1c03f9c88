/**
 * When a GPU box counts as idle, and what the bot does about it: warn the owner, wait out the grace,
 * stop. Pure: signals, thresholds, the box's idle record and the time come in; a judgement or a step
 * goes out.
 *
 * The rule: a box is idle only when every signal we know stayed under its threshold for the box's whole
 * idle window, and it has been running at least that long. A busy GPU, a busy kernel or a recently used
 * notebook is never idle. A missing signal is unknown, never idle; the exceptions are a signal that
 * never arrives while the other two do: GPU metrics (the Ops Agent is missing or broken), then the box is
 * judged by its CPU and notebook; notebook reports (no python3 on a custom image, no metric writer role),
 * then by its GPU and CPU. The owner is told once each way, so a broken agent or reporter cannot keep a
 * forgotten A100 alive for ever. A box with fewer than two signals cannot be judged at all: it is
 * `blind`, and the configured maximum running time stops it (after the usual warning) instead.
 */
import { formatDuration } from './duration.js';

/** The most a utilization reached in one alignment period (start exclusive, end inclusive). */
export interface UtilizationPeriod {
  startMs: number;
  endMs: number;
  max: number;
}

/** What Cloud Monitoring says one box has been doing, read for every box in one pass. */
export interface IdleSignals {
  /** Highest GPU utilization over the read window, in percent (0-100), across all the box's GPUs; null: no data. */
  gpuMaxPercent: number | null;
  /** Highest CPU utilization over the read window, as a fraction (0-1); null: no data. */
  cpuMaxFraction: number | null;
  /** Jupyter kernels busy at the box's latest report; null: no recent report. */
  busyKernels: number | null;
  /** Seconds since any kernel or terminal last did something, as of the read; null: no recent report. */
  notebookIdleSeconds: number | null;
  /** Since when GPU data has come in without a gap up to now; null: none recently (never came, or stopped). */
  gpuDataSince: number | null;
  /** The same for CPU data. */
  cpuDataSince: number | null;
  /**
   * Per-period maxima over the read window, oldest first. The read window is the longest any box needs;
   * these let a box with a shorter idle window be judged on its own window, in the same single read.
   */
  gpuPeriods: readonly UtilizationPeriod[];
  cpuPeriods: readonly UtilizationPeriod[];
}

/** Signals of a box Monitoring knows nothing about. */
export const NO_SIGNALS: IdleSignals = Object.freeze({
  gpuMaxPercent: null,
  cpuMaxFraction: null,
  busyKernels: null,
  notebookIdleSeconds: null,
  gpuDataSince: null,
  cpuDataSince: null,
  gpuPeriods: [],
  cpuPeriods: [],
});

export interface IdlePolicy {
  /** GPU utilization, in percent, under which the GPU counts as idle. */
  gpuBelowPercent: number;
  /** CPU utilization, as a fraction, under which the CPU counts as idle. */
  cpuBelowFraction: number;
  /** How far back the signals reach (the window they were read with): at least every box's idle window. */
  windowMs: number;
}

/** Thresholds in configuration's absence: a GPU doing real work sits far above 5%, a Python prompt far below. */
export const DEFAULT_IDLE_THRESHOLDS: Readonly<Pick<IdlePolicy, 'gpuBelowPercent' | 'cpuBelowFraction'>> = Object.freeze({
  gpuBelowPercent: 5,
  cpuBelowFraction: 0.05,
});

/**
 * The Ops Agent installs at first boot, after the GPU driver; when GPU metrics are still missing this
 * long after the box started (or after its whole idle window, when that is shorter), they are not coming.
 */
export const GPU_METRICS_EXPECTED_WITHIN_MS = 20 * 60_000;

/**
 * The notebook reporter starts with the box's startup script and reports every minute
 * (notebook-activity-script.ts); when nothing has come this long after the box started (or after its
 * idle window, when that is shorter), it is not coming.
 */
export const NOTEBOOK_REPORTS_EXPECTED_WITHIN_MS = 20 * 60_000;

export interface IdleBoxFacts {
  /** When the VM last reached RUNNING. */
  runningSinceMs: number;
  /** The box's idle window; null when the owner turned idle stop off (`--idle off`). */
  idleWindowMs: number | null;
}

export type IdleVerdict = 'busy' | 'idle' | 'unknown' | 'exempt';
export type IdleSignalName = 'gpu' | 'cpu' | 'notebook';

export interface IdleJudgement {
  state: IdleVerdict;
  /** Why, in words for the owner and the logs. */
  reasons: string[];
  /** GPU metrics should have arrived by now and have not: worth one notice saying how to fix it. */
  missingGpuMetrics: boolean;
  /** Notebook reports should have arrived by now and have not: worth one notice too. */
  missingNotebookReports: boolean;
  /** Long enough running, yet fewer than two signals report: no idle judgement is possible. */
  blind: boolean;
  /** Signals with no recent data. */
  missing: IdleSignalName[];
  /** For an idle box: since when every known signal has been under its threshold, at least. */
  idleSinceMs: number | null;
}

function maxSince(periods: readonly UtilizationPeriod[], fromMs: number): number | null {
  let max: number | null = null;
  for (const p of periods) if (p.endMs > fromMs && (max === null || p.max > max)) max = p.max;
  return max;
}

/** End of the last period at or over the threshold, or the start of the data when none was. */
function quietSince(periods: readonly UtilizationPeriod[], threshold: number): number | null {
  let since: number | null = null;
  for (const p of periods) {
    if (p.max >= threshold) since = p.endMs;
    else if (since === null) since = p.startMs;
  }
  return since;
}

function percent(value: number): string {
  return `${Math.round(value * 10) / 10}%`;
}

/** Whether one box is idle now, by its own idle window. */
export function judgeIdle(signals: IdleSignals | null, policy: IdlePolicy, box: IdleBoxFacts, nowMs: number): IdleJudgement {
  if (box.idleWindowMs === null) {
    return { state: 'exempt', reasons: ['idle stop is off for this box'], missingGpuMetrics: false, missingNotebookReports: false, blind: false, missing: [], idleSinceMs: null };
  }
  const windowMs = box.idleWindowMs;
  const windowStart = nowMs - windowMs;
  const runningMs = nowMs - box.runningSinceMs;
  const s = signals ?? NO_SIGNALS;

  const missing: IdleSignalName[] = [];
  if (s.gpuDataSince === null) missing.push('gpu');
  if (s.cpuDataSince === null) missing.push('cpu');
  if (s.busyKernels === null || s.notebookIdleSeconds === null) missing.push('notebook');
  const missingGpuMetrics = missing.includes('gpu') && runningMs >= Math.min(windowMs, GPU_METRICS_EXPECTED_WITHIN_MS);
  const missingNotebookReports = missing.includes('notebook') && runningMs >= Math.min(windowMs, NOTEBOOK_REPORTS_EXPECTED_WITHIN_MS);
  // Past the time every signal should have come, with one or none reporting.
  const blind = missing.length >= 2 && runningMs >= Math.max(Math.min(windowMs, GPU_METRICS_EXPECTED_WITHIN_MS), Math.min(windowMs, NOTEBOOK_REPORTS_EXPECTED_WITHIN_MS));
  // Judged without the notebook: GPU and CPU both report, the notebook never did.
  const withoutNotebook = missingNotebookReports && !missing.includes('gpu') && !missing.includes('cpu');
  const judged = (state: IdleVerdict, reasons: string[], idleSinceMs: number | null = null): IdleJudgement => ({
    state,
    reasons,
    missingGpuMetrics,
    missingNotebookReports,
    blind,
    missing,
    idleSinceMs,
  });

  // Anything busy settles it, whatever else is missing.
  const busy: string[] = [];
  const gpuMax = maxSince(s.gpuPeriods, windowStart);
  if (gpuMax !== null && gpuMax >= policy.gpuBelowPercent) {
    busy.push(`GPU reached ${percent(gpuMax)} in the last ${formatDuration(windowMs)} (idle means under ${percent(policy.gpuBelowPercent)})`);
  }
  const cpuMax = maxSince(s.cpuPeriods, windowStart);
  if (cpuMax !== null && cpuMax >= policy.cpuBelowFraction) {
    busy.push(`CPU reached ${percent(cpuMax * 100)} in the last ${formatDuration(windowMs)} (idle means under ${percent(policy.cpuBelowFraction * 100)})`);
  }
  if (s.busyKernels !== null && s.busyKernels > 0) {
    busy.push(s.busyKernels === 1 ? 'a Jupyter kernel is busy' : `${s.busyKernels} Jupyter kernels are busy`);
  }
  if (s.notebookIdleSeconds !== null && s.notebookIdleSeconds * 1000 < windowMs) {
    busy.push(`the notebook was used ${formatDuration(s.notebookIdleSeconds * 1000)} ago`);
  }
  if (busy.length > 0) return judged('busy', busy);

  const unknown: string[] = [];
  if (windowMs > policy.windowMs) {
    unknown.push(`signals were read for ${formatDuration(policy.windowMs)}, less than this box's idle window of ${formatDuration(windowMs)}`);
  }
  if (runningMs < windowMs) unknown.push(`running for ${formatDuration(runningMs)}, less than its idle window of ${formatDuration(windowMs)}`);
  if (s.cpuDataSince === null) unknown.push('no recent CPU data');
  else if (s.cpuDataSince > windowStart) unknown.push(`CPU data covers only the last ${formatDuration(nowMs - s.cpuDataSince)}`);
  if (missing.includes('notebook') && !withoutNotebook) unknown.push('no recent notebook activity report from the box');
  // GPU data that started inside the window says nothing about the start of the window.
  if (s.gpuDataSince !== null && s.gpuDataSince > windowStart) {
    unknown.push(`GPU data covers only the last ${formatDuration(nowMs - s.gpuDataSince)}`);
  }
  if (unknown.length > 0) return judged('unknown', unknown);

  const sinceCandidates = [box.runningSinceMs, quietSince(s.cpuPeriods, policy.cpuBelowFraction)];
  const reasons = [`CPU under ${percent(policy.cpuBelowFraction * 100)} for ${formatDuration(windowMs)}`];
  if (withoutNotebook) {
    reasons.push('no notebook reports: judged by GPU and CPU');
  } else {
    sinceCandidates.push(nowMs - (s.notebookIdleSeconds ?? 0) * 1000);
    reasons.push(`no busy kernel; notebook last used ${formatDuration((s.notebookIdleSeconds ?? 0) * 1000)} ago`);
  }
  if (missing.includes('gpu')) {
    reasons.unshift('no GPU metrics: judged by CPU and notebook activity');
  } else {
    reasons.unshift(`GPU under ${percent(policy.gpuBelowPercent)} for ${formatDuration(windowMs)}`);
    sinceCandidates.push(quietSince(s.gpuPeriods, policy.gpuBelowPercent));
  }
  const idleSinceMs = Math.max(...sinceCandidates.filter((t): t is number => t !== null));
  return judged('idle', reasons, Math.min(idleSinceMs, windowStart));
}

// ---------------------------------------------------------------- warn, grace, stop

export type IdleCause = 'idle' | 'hard-limit';

/** What the bot has told the owner about stopping this box, kept on the box record. */
export interface BoxIdleRecord {
  /** When the pending warning was sent; null when none is pending. */
  warnedAt: number | null;
  /** The owner asked to keep the box until then (Keep); null when not kept. */
  keepUntil: number | null;
  /** When the pending warning stops the box; null when none is pending. */
  stopAt: number | null;
  /** What the pending warning is about. */
  cause: IdleCause | null;
}

export const NOT_WARNED: BoxIdleRecord = Object.freeze({ warnedAt: null, keepUntil: null, stopAt: null, cause: null });

export interface IdleStepBox {
  idle: BoxIdleRecord;
  runningSinceMs: number;
  /** The longest this box may run (`--hours`); null: no limit. */
  maxRunningMs: number | null;
}

export interface IdleTiming {
  /** Between the warning and the stop. */
  graceMs: number;
  /** The longest one Keep postpones a stop. */
  maxKeepMs: number;
}

export type IdleStep =
  | { action: 'none'; idle: BoxIdleRecord; why: string }
  /** Tell the owner (DM and thread) the box stops at `stopAt` unless kept; store `idle`. */
  | { action: 'warn'; cause: IdleCause; idle: BoxIdleRecord; stopAt: number; idleSinceMs: number | null }
  /** Stop the box and say so (with how long it was idle); store `idle`. */
  | { action: 'stop'; cause: IdleCause; idle: BoxIdleRecord; idleSinceMs: number | null }
  /** The box got busy again during the grace: withdraw the warning and say why; store `idle`. */
  | { action: 'cancel-warning'; idle: BoxIdleRecord; reasons: string[] };

/**
 * The next thing to do about one running box, given its judgement. Idempotent: calling it again with
 * the record it returned and the same judgement yields `none` (or the same stop).
 *
 * - A hard limit (`--hours`) warns one grace before it is reached and stops even a busy box; Keep does
 *   not postpone it. When the warning comes late (the bot was down), the owner still gets a full grace.
 * - An idle box is warned and stopped after the grace if it is still idle; activity during the grace
 *   (or idle stop turned off) withdraws the warning. An unknown judgement never stops a box: it holds
 *   the warning until the signals say idle (stop) or busy (withdraw).
 * - A kept box is not warned for idleness until its keep runs out; then it needs to be idle again.
 */
export function nextIdleStep(box: IdleStepBox, judgement: IdleJudgement, nowMs: number, timing: IdleTiming): IdleStep {
  const rec = box.idle;
  const pending = rec.stopAt;
  const hardAt = box.maxRunningMs === null ? null : box.runningSinceMs + box.maxRunningMs;

  if (rec.cause === 'hard-limit' && pending !== null) {
    if (nowMs >= pending) return { action: 'stop', cause: 'hard-limit', idle: NOT_WARNED, idleSinceMs: null };
    return { action: 'none', idle: rec, why: `reaches its running-time limit; stops in ${formatDuration(pending - nowMs)}` };
  }
  if (hardAt !== null && nowMs >= hardAt - timing.graceMs) {
    const stopAt = Math.max(hardAt, nowMs + timing.graceMs);
    return { action: 'warn', cause: 'hard-limit', stopAt, idle: { warnedAt: nowMs, keepUntil: null, stopAt, cause: 'hard-limit' }, idleSinceMs: null };
  }

  if (rec.cause === 'idle' && pending !== null) {
    if (judgement.state === 'busy' || judgement.state === 'exempt') {
      return { action: 'cancel-warning', idle: NOT_WARNED, reasons: judgement.reasons };
    }
    if (judgement.state === 'idle' && nowMs >= pending) {
      return { action: 'stop', cause: 'idle', idle: NOT_WARNED, idleSinceMs: judgement.idleSinceMs };
    }
    const why = judgement.state === 'unknown' ? `warned; waiting for signals (${judgement.reasons.join('; ')})` : `warned; stops in ${formatDuration(pending - nowMs)}`;
    return { action: 'none', idle: rec, why };
  }

  if (rec.keepUntil !== null && nowMs < rec.keepUntil) {
    return { action: 'none', idle: rec, why: `kept for another ${formatDuration(rec.keepUntil - nowMs)}` };
  }
  if (judgement.state === 'idle') {
    const stopAt = nowMs + timing.graceMs;
    return { action: 'warn', cause: 'idle', stopAt, idle: { warnedAt: nowMs, keepUntil: null, stopAt, cause: 'idle' }, idleSinceMs: judgement.idleSinceMs };
  }
  return { action: 'none', idle: rec, why: `${judgement.state}: ${judgement.reasons.join('; ')}` };
}

export type KeepResult =
  | {
      ok: true;
      idle: BoxIdleRecord;
      keepUntil: number;
      /** The owner asked for more than the cap allows; `keepUntil` is the cap. */
      capped: boolean;
      /** A pending idle warning was withdrawn by this Keep. */
      cancelledWarning: boolean;
    }
  | { ok: false; code: 'KEEP_INVALID' | 'HARD_LIMIT'; message: string };

/**
 * [Keep 1h] / [Keep 4h] / `/gpu keep NAME 2h`: postpones idle stops for `keepMs` from now, at most
 * `maxKeepMs`, and withdraws a pending idle warning. Never shortens a longer keep already granted. A
 * hard-limit warning cannot be kept: that limit is the point of `--hours`.
 */
export function applyKeep(idle: BoxIdleRecord, keepMs: number, nowMs: number, limits: Pick<IdleTiming, 'maxKeepMs'>): KeepResult {
  if (!Number.isFinite(keepMs) || keepMs <= 0) {
    return { ok: false, code: 'KEEP_INVALID', message: 'Keep needs a length of time, like `1h` or `30m`.' };
  }
  if (idle.cause === 'hard-limit' && idle.stopAt !== null) {
    return {
      ok: false,
      code: 'HARD_LIMIT',
      message: 'This box has reached its running-time limit (`--hours`), which Keep cannot postpone. Start it again once it has stopped.',
    };
  }
  const granted = Math.min(keepMs, limits.maxKeepMs);
  const keepUntil = Math.max(idle.keepUntil ?? nowMs, nowMs + granted);
  return {
    ok: true,
    idle: { warnedAt: null, keepUntil, stopAt: null, cause: null },
    keepUntil,
    capped: keepMs > limits.maxKeepMs,
    cancelledWarning: idle.stopAt !== null,
  };
}
