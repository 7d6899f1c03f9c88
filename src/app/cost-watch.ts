/**
 * A tick step on the leader: once a day after the digest hour, the digest of yesterday's spend in the
 * digest channel; every few minutes, month-to-date spend against the budgets, alerting each threshold
 * once a month. Spend is boxes' and training jobs' alike. "Once" is a Firestore marker created in the same fenced transaction as the notice, so
 * a second replica, a restart or a retried tick finds the marker and sends nothing.
 */
import { jobRates, runningSpans } from '../domain/cost.js';
import { isJobOver, jobPools } from '../domain/job.js';
import { costInPeriod, jobCostInPeriod, jobRanInPeriod, utcDay, utcDayStart, utcMonth, utcMonthStart } from '../domain/cost-period.js';
import { utcAt } from '../domain/time.js';
import { buildCostReport, idleStopSaving, thresholdsReached } from '../domain/cost-report.js';
import type { DigestFacts } from '../domain/cost-notice.js';
import { hourlyPrice, type PriceSource, type PriceTable } from '../domain/prices.js';
import type { Clock, Fence, Logger } from './ports.js';
import type { BoxesRead, BudgetStatus, CostStore, JobsRead, LooseNotice } from './ports/costs.js';

export const DIGESTS = 'digests';
export const BUDGET_ALERTS = 'budget-alerts';
/** Month-to-date spend moves slowly; reading every box and job each tick would cost reads for nothing. */
export const BUDGET_CHECK_EVERY_MS = 10 * 60_000;

export interface Budgets {
  /** USD per month, by Slack user id. */
  people: ReadonlyMap<string, number>;
  team: number | null;
}

export interface CostWatchDeps {
  store: CostStore;
  prices: (region: string) => Promise<PriceTable | undefined>;
  clock: Clock;
  log: Logger;
  digest: { channel: string; hourUtc: number } | null;
  budgets: Budgets;
}

export interface CostWatchReport {
  digestPosted: boolean;
  alerts: number;
}

export class CostWatch {
  /** The day whose digest this replica knows is done: saves reading the marker every tick. */
  private digestDone: string | null = null;
  private budgetsCheckedAt: number | null = null;
  private readonly alerted = new Set<string>();

  constructor(private readonly deps: CostWatchDeps) {}

  async run(fence: Fence): Promise<CostWatchReport> {
    const digestPosted = await this.digest(fence);
    const alerts = await this.budgets(fence);
    return { digestPosted, alerts };
  }

  /** Boxes and jobs that may have cost something since `fromMs`, and the prices of their regions. */
  private async recordsSince(fromMs: number): Promise<{ boxes: BoxesRead; jobs: JobsRead; prices: (region: string) => PriceTable | undefined }> {
    const [boxes, jobs] = await Promise.all([this.deps.store.boxesSince(fromMs, null), this.deps.store.jobsSince(fromMs, null)]);
    const prices = await this.pricesFor([...boxes.boxes.map((b) => b.spec.region), ...jobs.jobs.map((j) => j.region)]);
    return { boxes, jobs, prices };
  }

  private async pricesFor(regions: readonly string[]): Promise<(region: string) => PriceTable | undefined> {
    const tables = new Map<string, PriceTable>();
    await Promise.all(
      [...new Set(regions)].map(async (region) => {
        const table = await this.deps.prices(region);
        if (table !== undefined) tables.set(region, table);
      }),
    );
    return (region) => tables.get(region);
  }

  private async digest(fence: Fence): Promise<boolean> {
    const config = this.deps.digest;
    if (config === null) return false;
    const now = this.deps.clock.now();
    const today = utcDayStart(now);
    const day = utcDay(now);
    if (now < utcAt(today).add(config.hourUtc, 'hour').valueOf() || this.digestDone === day) return false;
    if (await this.deps.store.hasMarker(DIGESTS, day)) {
      this.digestDone = day;
      return false;
    }
    const from = utcAt(today).subtract(1, 'day').valueOf();
    const { boxes: read, jobs, prices } = await this.recordsSince(from);
    const report = buildCostReport({ boxes: read.boxes, jobs: jobs.jobs }, prices, { fromMs: from, toMs: today, label: 'yesterday' }, now);
    const running: DigestFacts['running'] = [];
    for (const box of read.boxes) {
      const table = prices(box.spec.region);
      if (table === undefined || runningSpans(box.history, now).at(-1)?.open !== true) continue;
      running.push({ name: box.name, owner: box.owner, perHour: hourlyPrice(box.spec, table).vmPerHour, kind: 'box' });
    }
    for (const job of jobs.jobs) {
      const table = prices(job.region);
      if (table === undefined || isJobOver(job) || job.startedAt === null || job.endedAt !== null) continue;
      running.push({ name: job.name, owner: job.owner, perHour: jobRates(jobPools(job.plan), table).perHour, kind: 'job' });
    }
    running.sort((a, b) => b.perHour - a.perHour || a.name.localeCompare(b.name));
    const byId = new Map(read.boxes.map((b) => [b.id, b]));
    let idleStops = 0;
    let idleSaved = 0;
    for (const stop of await this.deps.store.idleStopsSince(from)) {
      if (stop.at >= today) continue;
      idleStops++;
      const box = byId.get(stop.boxId);
      const table = box !== undefined ? prices(box.spec.region) : undefined;
      if (box !== undefined && table !== undefined) idleSaved += idleStopSaving(box, table, stop.at, now);
    }
    const facts: DigestFacts = {
      day: utcDay(from),
      total: report.total,
      byPerson: report.byPerson.map((p) => ({ owner: p.key, total: p.total })),
      running,
      idleStops,
      idleSaved,
      jobs: { count: report.byJob.length, total: report.byJob.reduce((sum, j) => sum + j.total, 0) },
      sources: dedupe(report.sources),
      missing: report.missing,
    };
    const notice: LooseNotice = { to: 'admins', owner: null, channel: config.channel, event: { type: 'cost-digest', digest: facts } };
    const created = await this.deps.store.markOnce(DIGESTS, day, fence, [notice]);
    this.digestDone = day;
    if (created) this.deps.log.info('daily digest recorded', { day, total: report.total, reads: read.reads + jobs.reads });
    return created;
  }

  private async budgets(fence: Fence): Promise<number> {
    const { people, team } = this.deps.budgets;
    if (people.size === 0 && team === null) return 0;
    const now = this.deps.clock.now();
    if (this.budgetsCheckedAt !== null && now - this.budgetsCheckedAt < BUDGET_CHECK_EVERY_MS) return 0;
    this.budgetsCheckedAt = now;
    const from = utcMonthStart(now);
    const month = utcMonth(now);
    const { boxes, jobs, prices } = await this.recordsSince(from);
    const spent = new Map<string, number>();
    let teamSpent = 0;
    const sources: PriceSource[] = [];
    const add = (owner: string, cost: number, source: PriceSource): void => {
      spent.set(owner, (spent.get(owner) ?? 0) + cost);
      teamSpent += cost;
      sources.push(source);
    };
    for (const box of boxes.boxes) {
      const table = prices(box.spec.region);
      if (table !== undefined) add(box.owner, costInPeriod(box, table, from, now).total, table.source);
    }
    for (const job of jobs.jobs) {
      const table = prices(job.region);
      if (table !== undefined && jobRanInPeriod(job, from, now)) add(job.owner, jobCostInPeriod(job, table, from, now).total, table.source);
    }
    let alerts = 0;
    const check = async (scope: 'person' | 'team', who: string | null, amount: number, budget: number): Promise<void> => {
      const reached = thresholdsReached(amount, budget);
      // Highest first: crossing 50% and 90% in one go tells the 90% news once and marks 50% as told.
      for (const [i, threshold] of [...reached].reverse().entries()) {
        const id = `${month}-${who ?? 'team'}-${threshold}`;
        if (this.alerted.has(id)) continue;
        const event = { type: 'budget-alert', scope, who, month, threshold, spent: amount, budget, sources: dedupe(sources) } as const;
        const notices: LooseNotice[] =
          i > 0 ? [] : [...(who !== null ? [{ to: 'dm' as const, owner: who, channel: null, event }] : []), { to: 'admins', owner: null, channel: null, event }];
        if (await this.deps.store.markOnce(BUDGET_ALERTS, id, fence, notices)) alerts += notices.length > 0 ? 1 : 0;
        this.alerted.add(id);
      }
    };
    for (const [who, budget] of people) await check('person', who, spent.get(who) ?? 0, budget);
    if (team !== null) await check('team', null, teamSpent, team);
    await this.deps.store.putBudgetStatus(month, {
      over: [...people].filter(([who, budget]) => (spent.get(who) ?? 0) >= budget).map(([who, budget]) => ({ who, spent: spent.get(who) ?? 0, budget })),
      team: team === null ? null : { spent: teamSpent, budget: team, over: teamSpent >= team },
      checkedAt: now,
    });
    return alerts;
  }
}

function dedupe<T>(items: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const item of items) seen.set(JSON.stringify(item), item);
  return [...seen.values()];
}

/**
 * Why `/gpu up` is refused when budgets block new boxes, from the last budget check (at most
 * BUDGET_CHECK_EVERY_MS old); null: not refused.
 */
export function budgetRefusal(status: BudgetStatus | null, user: string, month: string, usd: (n: number) => string): string | null {
  if (status === null) return null;
  const mine = status.over.find((o) => o.who === user);
  if (mine !== undefined) {
    return `Your GPU budget for ${month} is used up (${usd(mine.spent)} of ${usd(mine.budget)}, list price), so new boxes are refused until next month. Ask an admin to raise \`GPUBOT_BUDGETS\`; \`/gpu cost --month\` shows where it went.`;
  }
  if (status.team?.over === true) {
    return `The team’s GPU budget for ${month} is used up (${usd(status.team.spent)} of ${usd(status.team.budget)}, list price), so new boxes are refused until next month. Ask an admin to raise \`GPUBOT_TEAM_BUDGET\`.`;
  }
  return null;
}
