/**
 * Spend over a period, by person, by box, by training job and by day, for `/gpu cost`, the daily digest
 * and budgets: plain sums of `costInPeriod` over box records and `jobCostInPeriod` over job records, so
 * every total matches the records it came from.
 */
import type { Box, BoxEvent } from './box.js';
import { BILLED_FROM } from './cost.js';
import { costByDay, costInPeriod, jobCostByDay, jobCostInPeriod, jobRanInPeriod, nextUtcDay, utcDayStart, utcMonthStart } from './cost-period.js';
import { utcAt } from './time.js';
import type { Job } from './job.js';
import { hourlyPrice, type PriceSource, type PriceTable } from './prices.js';

/** `--days N` (the last N UTC days, today included) or `--month` (this UTC month so far). */
export type CostRange = { kind: 'days'; days: number } | { kind: 'month' };

/** Whose spend `/gpu cost` shows. */
/** `team`: the records asked for in that channel while it was bound to a team (domain/team.ts). */
export type CostWho = { kind: 'me' } | { kind: 'user'; userId: string } | { kind: 'all' } | { kind: 'team'; channel: string };

/** The `byTeam` key of spend asked for outside any team's channel. */
export const NO_TEAM = '';

export const DEFAULT_COST_RANGE: CostRange = { kind: 'days', days: 7 };
export const MAX_COST_DAYS = 92;

export interface Period {
  fromMs: number;
  toMs: number;
  /** `last 7 days`, `this month`: how answers name it. */
  label: string;
}

export function periodOf(range: CostRange, nowMs: number): Period {
  if (range.kind === 'month') return { fromMs: utcMonthStart(nowMs), toMs: nowMs, label: 'this month' };
  const days = Math.max(1, range.days);
  return { fromMs: utcAt(nowMs).startOf('day').subtract(days - 1, 'day').valueOf(), toMs: nowMs, label: days === 1 ? 'today' : `the last ${days} days` };
}

/** A line of the report: a person, a box, or a job. */
export interface SpendLine {
  key: string;
  total: number;
}

export interface BoxSpend extends SpendLine {
  name: string;
  owner: string;
}

/** A training job's spend in the period; `key` is the job's record id. */
export interface JobSpend extends SpendLine {
  name: string;
  owner: string;
}

/** A box's or a training job's spend per day; `days[i]` is its part of `byDay[i]`. */
export interface DailyLine {
  key: string;
  kind: 'box' | 'job';
  name: string;
  owner: string;
  days: number[];
}

/** The records a report is built from. */
export interface CostRecords {
  boxes: readonly Box[];
  jobs: readonly Job[];
}

export interface CostReport {
  period: Period;
  total: number;
  /** Highest first. */
  byPerson: SpendLine[];
  /** By team channel (`NO_TEAM` for records of no team), highest first. */
  byTeam: SpendLine[];
  byBox: BoxSpend[];
  /**
   * Training jobs' spend, highest first: a job's `jobCost` clipped to the period adds a line here and
   * its amount to its owner, its days and the total, like a box.
   */
  byJob: JobSpend[];
  /** One entry per UTC day of the period, oldest first. */
  byDay: { dayStartMs: number; total: number }[];
  /** Each box's and job's spend on each day of `byDay` (same order): what the chart stacks. */
  dailyLines: DailyLine[];
  sources: PriceSource[];
  missing: string[];
  /**
   * Boxes and jobs left out because their region's prices did not come (a job counts only if it ran
   * in the period: one that did not costs nothing at any price).
   */
  unpriced: number;
}

/** Whether anything of the box's life falls in [fromMs, toMs): what a store query must not miss. */
export function touchesPeriod(box: Pick<Box, 'history' | 'createdAt'>, fromMs: number, toMs: number): boolean {
  const last = box.history.reduce((max, e) => Math.max(max, e.at), box.createdAt);
  const ended = box.history.some((e) => e.status === 'deleted' || e.status === 'failed');
  return box.createdAt < toMs && (!ended || last >= fromMs);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function ranked(map: Map<string, number>): SpendLine[] {
  return [...map.entries()].map(([key, total]) => ({ key, total })).sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
}

export function buildCostReport(records: CostRecords, prices: (region: string) => PriceTable | undefined, period: Period, nowMs: number): CostReport {
  const byPerson = new Map<string, number>();
  const byTeam = new Map<string, number>();
  const byBox: BoxSpend[] = [];
  const byJob: JobSpend[] = [];
  const dayTotals = new Map<number, number>();
  for (let day = utcDayStart(period.fromMs); day < period.toMs; day = nextUtcDay(day)) dayTotals.set(day, 0);
  const dayIndex = new Map([...dayTotals.keys()].map((day, i) => [day, i]));
  const dailyLines: DailyLine[] = [];
  const addDays = (line: Omit<DailyLine, 'days'>, days: readonly { dayStartMs: number; total: number }[]): void => {
    const perDay = new Array<number>(dayIndex.size).fill(0);
    for (const day of days) {
      dayTotals.set(day.dayStartMs, (dayTotals.get(day.dayStartMs) ?? 0) + day.total);
      const i = dayIndex.get(day.dayStartMs);
      if (i !== undefined) perDay[i] = (perDay[i] ?? 0) + day.total;
    }
    dailyLines.push({ ...line, days: perDay });
  };
  const sources: PriceSource[] = [];
  const missing: string[] = [];
  let unpriced = 0;
  let total = 0;
  for (const box of records.boxes) {
    const table = prices(box.spec.region);
    if (table === undefined) {
      unpriced++;
      continue;
    }
    const cost = costInPeriod(box, table, period.fromMs, period.toMs, nowMs);
    if (cost.total === 0) continue;
    sources.push(cost.source);
    missing.push(...cost.missing);
    total += cost.total;
    byPerson.set(box.owner, (byPerson.get(box.owner) ?? 0) + cost.total);
    byTeam.set(box.team ?? NO_TEAM, (byTeam.get(box.team ?? NO_TEAM) ?? 0) + cost.total);
    byBox.push({ key: box.id, name: box.name, owner: box.owner, total: cost.total });
    addDays({ key: box.id, kind: 'box', name: box.name, owner: box.owner }, costByDay(box, table, period.fromMs, period.toMs, nowMs));
  }
  for (const job of records.jobs) {
    if (!jobRanInPeriod(job, period.fromMs, period.toMs, nowMs)) continue;
    const table = prices(job.region);
    if (table === undefined) {
      unpriced++;
      continue;
    }
    const cost = jobCostInPeriod(job, table, period.fromMs, period.toMs, nowMs);
    sources.push(cost.source);
    missing.push(...cost.missing);
    if (cost.total === 0) continue;
    total += cost.total;
    byPerson.set(job.owner, (byPerson.get(job.owner) ?? 0) + cost.total);
    byTeam.set(job.team ?? NO_TEAM, (byTeam.get(job.team ?? NO_TEAM) ?? 0) + cost.total);
    byJob.push({ key: job.id, name: job.name, owner: job.owner, total: cost.total });
    addDays({ key: job.id, kind: 'job', name: job.name, owner: job.owner }, jobCostByDay(job, table, period.fromMs, period.toMs, nowMs));
  }
  byBox.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  byJob.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  return {
    period,
    total,
    byPerson: ranked(byPerson),
    byTeam: ranked(byTeam),
    byBox,
    byJob,
    byDay: [...dayTotals.entries()].sort((a, b) => a[0] - b[0]).map(([dayStartMs, t]) => ({ dayStartMs, total: t })),
    dailyLines: dailyLines.sort((a, b) => sum(b.days) - sum(a.days) || a.name.localeCompare(b.name)),
    sources,
    missing: [...new Set(missing)],
    unpriced,
  };
}

/**
 * What an idle stop saved, as an estimate: the VM's hourly price times the hours from the stop until
 * the box was next started (or `nowMs`). The disk is billed either way, so it is not counted.
 */
export function idleStopSaving(box: Pick<Box, 'spec' | 'history'>, prices: PriceTable, stoppedAtMs: number, nowMs: number): number {
  const next = nextStart(box.history, stoppedAtMs);
  const until = Math.min(next ?? nowMs, nowMs);
  return (Math.max(0, until - stoppedAtMs) / 3_600_000) * hourlyPrice(box.spec, prices).vmPerHour;
}

function nextStart(history: readonly BoxEvent[], afterMs: number): number | null {
  const starts = history.filter((e) => e.at > afterMs && (e.status === 'starting' || BILLED_FROM.includes(e.status))).map((e) => e.at);
  return starts.length === 0 ? null : Math.min(...starts);
}

/** Budget thresholds, in percent of the monthly budget. */
export const BUDGET_THRESHOLDS = [50, 90, 100] as const;
export type BudgetThreshold = (typeof BUDGET_THRESHOLDS)[number];

/** The thresholds `spent` has reached, lowest first. */
export function thresholdsReached(spent: number, budget: number): BudgetThreshold[] {
  if (!(budget > 0)) return [];
  return BUDGET_THRESHOLDS.filter((t) => spent >= (budget * t) / 100);
}
