/**
 * `/gpu cost`: read the boxes and training jobs that may have cost something in the period (only the
 * asker's unless an admin asks for someone else or everyone), price them, and sum them by person, box,
 * job and day.
 */
import type { Parsed } from '../domain/result.js';
import { buildCostReport, periodOf, type CostRange, type CostReport, type CostWho } from '../domain/cost-report.js';
import type { PriceTable } from '../domain/prices.js';
import type { Clock } from './ports.js';
import type { CostStore } from './ports/costs.js';

export interface CostReportsDeps {
  store: CostStore;
  /** A region's list prices; a region whose prices fail is left out and counted as unpriced. */
  prices: (region: string) => Promise<PriceTable | undefined>;
  clock: Clock;
  isAdmin(user: string): boolean;
}

export type CostReportResult = Parsed<{ report: CostReport; reads: number }>;

export class CostReports {
  constructor(private readonly deps: CostReportsDeps) {}

  async report(asker: string, range: CostRange, who: CostWho): Promise<CostReportResult> {
    const others = who.kind === 'all' || (who.kind === 'user' && who.userId !== asker);
    if (others && !this.deps.isAdmin(asker)) {
      return {
        ok: false,
        error: {
          code: 'NOT_ALLOWED',
          message: `Only admins see ${who.kind === 'all' ? 'everyone’s' : 'another person’s'} spend. \`/gpu cost\` shows yours.`,
        },
      };
    }
    const now = this.deps.clock.now();
    const period = periodOf(range, now);
    // A team's spend is its channel's to see (the records asked for there), like the cards posted there.
    const owner = who.kind === 'all' || who.kind === 'team' ? null : who.kind === 'user' ? who.userId : asker;
    const team = who.kind === 'team' ? who.channel : undefined;
    const [boxes, jobs] = await Promise.all([this.deps.store.boxesSince(period.fromMs, owner, team), this.deps.store.jobsSince(period.fromMs, owner, team)]);
    const regions = [...new Set([...boxes.boxes.map((b) => b.spec.region), ...jobs.jobs.map((j) => j.region)])];
    const tables = new Map<string, PriceTable>();
    await Promise.all(
      regions.map(async (region) => {
        const table = await this.deps.prices(region);
        if (table !== undefined) tables.set(region, table);
      }),
    );
    const report = buildCostReport({ boxes: boxes.boxes, jobs: jobs.jobs }, (region) => tables.get(region), period, now);
    return { ok: true, value: { report, reads: boxes.reads + jobs.reads } };
  }
}
