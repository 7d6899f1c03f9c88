/**
 * What a box cost within a period (a day, the last N days, a month so far), from the same model as
 * `boxCost`: its running spans and its disk life clipped to the period. Costs of disjoint periods that
 * together cover a box's life add up to its `boxCost`, because each span's one-minute minimum (the
 * seconds billed beyond those run) is counted once, in the period where the span starts.
 */
import type { Box } from './box.js';
import { diskLife, jobRates, jobRatesCost, runningSpans, type JobRates } from './cost.js';
import { jobPools, type Job } from './job.js';
import { hourlyPrice, type PriceSource, type PriceTable } from './prices.js';
import { utcAt } from './time.js';

export const DAY_MS = 24 * 3_600_000;

export interface PeriodCost {
  total: number;
  running: number;
  disk: number;
  /** VM seconds billed within the period (the one-minute minimum included where a span starts). */
  billedSeconds: number;
  diskSeconds: number;
  missing: string[];
  source: PriceSource;
}

function overlap(startMs: number, endMs: number, fromMs: number, toMs: number): number {
  return Math.max(0, Math.min(endMs, toMs) - Math.max(startMs, fromMs));
}

/**
 * The box's cost from `fromMs` to `toMs`, as far as it had happened at `nowMs` (default `toMs`): a span
 * still open at `nowMs` is measured to `nowMs`, as `boxCost` measures it.
 */
export function costInPeriod(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, fromMs: number, toMs: number, nowMs: number = toMs): PeriodCost {
  const rates = hourlyPrice(box.spec, prices);
  const until = Math.min(toMs, nowMs);
  let billedSeconds = 0;
  for (const s of runningSpans(box.history, nowMs)) {
    const inside = overlap(s.startMs, s.endMs, fromMs, until) / 1000;
    const minimum = s.startMs >= fromMs && s.startMs < toMs ? s.billedSeconds - s.seconds : 0;
    billedSeconds += inside + minimum;
  }
  const life = diskLife(box.history, nowMs);
  const diskSeconds = life === null ? 0 : overlap(life.startMs, life.endMs, fromMs, until) / 1000;
  const running = (billedSeconds * rates.vmPerHour) / 3600;
  const disk = (diskSeconds * rates.diskPerHour) / 3600;
  return { total: running + disk, running, disk, billedSeconds, diskSeconds, missing: rates.missing, source: prices.source };
}

/** Midnight UTC of the day `ms` falls in. */
export function utcDayStart(ms: number): number {
  return utcAt(ms).startOf('day').valueOf();
}

/** Midnight UTC of the day after the one `ms` falls in. */
export function nextUtcDay(ms: number): number {
  return utcAt(ms).startOf('day').add(1, 'day').valueOf();
}

/** `2026-11-27`, the UTC day of `ms`. */
export function utcDay(ms: number): string {
  return utcAt(ms).format('YYYY-MM-DD');
}

/** `2026-11`, the UTC month of `ms`. */
export function utcMonth(ms: number): string {
  return utcAt(ms).format('YYYY-MM');
}

/** Midnight UTC of the first day of the month `ms` falls in. */
export function utcMonthStart(ms: number): number {
  return utcAt(ms).startOf('month').valueOf();
}

/** The box's cost on each UTC day that meets [fromMs, toMs), in day order; the days add up to the period. */
export function costByDay(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, fromMs: number, toMs: number, nowMs: number = toMs): { dayStartMs: number; total: number }[] {
  const days: { dayStartMs: number; total: number }[] = [];
  for (let day = utcDayStart(fromMs); day < toMs; day = nextUtcDay(day)) {
    const from = Math.max(day, fromMs);
    const to = Math.min(nextUtcDay(day), toMs);
    days.push({ dayStartMs: day, total: costInPeriod(box, prices, from, to, nowMs).total });
  }
  return days;
}

/**
 * Training jobs within a period. The job cost model (`jobCost`, whose figure the job's end notice
 * states) counts a custom job per second from its start to its end, with no minimum to place when the
 * run is cut at a period's edge. So a job's cost in a period is its hourly price over its running
 * span clipped to the period, worked pool by pool as the notice works it (`jobRatesCost`): disjoint
 * periods add up to the whole (the days of a period to the period), and a job wholly inside the period
 * costs exactly what its notice says.
 */
export type JobCostRecord = Pick<Job, 'plan' | 'startedAt' | 'endedAt'>;

export interface JobPeriodCost {
  total: number;
  /** Running seconds within the period. */
  seconds: number;
  /** All pools and replicas, per hour. */
  perHour: number;
  missing: string[];
  source: PriceSource;
}

/**
 * When the job ran, as far as it had happened at `nowMs`: from its start to its end (or `nowMs` while
 * it runs); null for a job that never started.
 */
export function jobRunningSpan(job: Pick<Job, 'startedAt' | 'endedAt'>, nowMs: number): { startMs: number; endMs: number } | null {
  if (job.startedAt === null || job.startedAt > nowMs) return null;
  const endMs = job.endedAt !== null && job.endedAt <= nowMs ? job.endedAt : nowMs;
  return { startMs: job.startedAt, endMs: Math.max(job.startedAt, endMs) };
}

/** Whether the job ran at any time in [fromMs, toMs) (as far as `nowMs`): a job that did not costs nothing whatever its prices. */
export function jobRanInPeriod(job: Pick<Job, 'startedAt' | 'endedAt'>, fromMs: number, toMs: number, nowMs: number = toMs): boolean {
  const span = jobRunningSpan(job, nowMs);
  return span !== null && overlap(span.startMs, span.endMs, fromMs, Math.min(toMs, nowMs)) > 0;
}

/** The job's cost from `fromMs` to `toMs`, as far as it had happened at `nowMs` (default `toMs`). */
export function jobCostInPeriod(job: JobCostRecord, prices: PriceTable, fromMs: number, toMs: number, nowMs: number = toMs): JobPeriodCost {
  return clippedJobCost(job, jobRates(jobPools(job.plan), prices), fromMs, toMs, nowMs);
}

function clippedJobCost(job: Pick<Job, 'startedAt' | 'endedAt'>, rates: JobRates, fromMs: number, toMs: number, nowMs: number): JobPeriodCost {
  const span = jobRunningSpan(job, nowMs);
  const startMs = span === null ? fromMs : Math.max(span.startMs, fromMs);
  const endMs = span === null ? fromMs : Math.max(startMs, Math.min(span.endMs, toMs));
  return { total: jobRatesCost(rates, startMs, endMs), seconds: (endMs - startMs) / 1000, perHour: rates.perHour, missing: rates.missing, source: rates.source };
}

/** The job's cost on each UTC day that meets [fromMs, toMs), in day order; the days add up to the period. */
export function jobCostByDay(job: JobCostRecord, prices: PriceTable, fromMs: number, toMs: number, nowMs: number = toMs): { dayStartMs: number; total: number }[] {
  // Priced once: a month of days would otherwise price the same machines thirty times.
  const rates = jobRates(jobPools(job.plan), prices);
  const days: { dayStartMs: number; total: number }[] = [];
  for (let day = utcDayStart(fromMs); day < toMs; day = nextUtcDay(day)) {
    const from = Math.max(day, fromMs);
    const to = Math.min(nextUtcDay(day), toMs);
    days.push({ dayStartMs: day, total: clippedJobCost(job, rates, from, to, nowMs).total });
  }
  return days;
}
