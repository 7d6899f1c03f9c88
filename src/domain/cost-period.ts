/**
 * What a box cost within a period (a day, the last N days, a month so far), from the same model as
 * `boxCost`: its running spans and its disk life clipped to the period. Costs of disjoint periods that
 * together cover a box's life add up to its `boxCost`, because each span's one-minute minimum (the
 * seconds billed beyond those run) is counted once, in the period where the span starts.
 */
import type { Box } from './box.js';
import { diskLife, runningSpans } from './cost.js';
import { hourlyPrice, type PriceSource, type PriceTable } from './prices.js';

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
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `2026-11-27`, the UTC day of `ms`. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-11`, the UTC month of `ms`. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Midnight UTC of the first day of the month `ms` falls in. */
export function utcMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The box's cost on each UTC day that meets [fromMs, toMs), in day order; the days add up to the period. */
export function costByDay(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, fromMs: number, toMs: number, nowMs: number = toMs): { dayStartMs: number; total: number }[] {
  const days: { dayStartMs: number; total: number }[] = [];
  for (let day = utcDayStart(fromMs); day < toMs; day += DAY_MS) {
    const from = Math.max(day, fromMs);
    const to = Math.min(day + DAY_MS, toMs);
    days.push({ dayStartMs: day, total: costInPeriod(box, prices, from, to, nowMs).total });
  }
  return days;
}
