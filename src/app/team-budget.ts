/**
 * A team's monthly budget (`/gpu team set --budget`) applied to new boxes and jobs asked for in its
 * channel, beside the policy: the team's month-to-date spend (its records, running ones up to now)
 * against its budget. Past it, the request goes to an admin's approval, or is refused where the
 * policy's "Past a budget" rule says refuse (a budget bound to a channel is an admin's explicit limit, so
 * the rule's `allow` does not wave it through). It wraps the policy gate, so every use case that asks the policy
 * (`/gpu up`, its form, `/train`, `--from-box`) asks the team's budget too, without knowing of teams.
 */
import { budgetHit, refusalText, type RuleHit } from '../domain/policy.js';
import type { ApprovalCause } from '../domain/box-approval.js';
import type { BoxSpec } from '../domain/box.js';
import { buildCostReport, periodOf } from '../domain/cost-report.js';
import { utcMonth } from '../domain/cost-period.js';
import type { JobPlan } from '../domain/job-plan.js';
import { bundledPrices, type PriceTable } from '../domain/prices.js';
import type { Team } from '../domain/team.js';
import type { Clock } from './ports.js';
import type { CostStore } from './ports/costs.js';
import { pricesWithin, type GateVerdict, type PolicyGate } from './policy-gate.js';

export interface TeamBudgetDeps {
  gate: Pick<PolicyGate, 'checkBox' | 'checkJob' | 'current'>;
  teams: { teamOf(channel: string): Promise<Team | null> };
  costs: Pick<CostStore, 'boxesSince' | 'jobsSince'>;
  /** A region's list prices; slower than PRICE_WAIT_MS, or failed, the bundled table prices it. */
  prices?: (region: string) => Promise<PriceTable | undefined>;
  clock: Clock;
  admins: readonly string[];
  usd: (n: number) => string;
}

/** A team past its budget this month. */
export interface TeamOverrun {
  team: Team;
  month: string;
  spent: number;
  budget: number;
}

export class TeamBudgetGate implements Pick<PolicyGate, 'checkBox' | 'checkJob'> {
  constructor(private readonly deps: TeamBudgetDeps) {}

  async checkBox(user: string, channel: string, spec: BoxSpec, idle: { idleWindowMs: number | null; maxRunningMs: number | null }): Promise<GateVerdict<{ maxRunningMs: number | null }>> {
    const [verdict, over] = await Promise.all([this.deps.gate.checkBox(user, channel, spec, idle), this.overrun(channel)]);
    return this.merge(verdict, over);
  }

  async checkJob(user: string, channel: string, region: string, plan: JobPlan): Promise<GateVerdict<null>> {
    const [verdict, over] = await Promise.all([this.deps.gate.checkJob(user, channel, region, plan), this.overrun(channel)]);
    return this.merge(verdict, over);
  }

  /** The team's spend this UTC month so far, at list price: its boxes (running ones up to now) and its jobs. */
  async spentThisMonth(team: Team): Promise<number> {
    const now = this.deps.clock.now();
    const period = periodOf({ kind: 'month' }, now);
    const [boxes, jobs] = await Promise.all([this.deps.costs.boxesSince(period.fromMs, null, team.channel), this.deps.costs.jobsSince(period.fromMs, null, team.channel)]);
    const regions = [...new Set([...boxes.boxes.map((b) => b.spec.region), ...jobs.jobs.map((j) => j.region)])];
    const tables = new Map(await Promise.all(regions.map(async (r) => [r, await this.table(r)] as const)));
    return buildCostReport({ boxes: boxes.boxes, jobs: jobs.jobs }, (r) => tables.get(r) ?? bundledPrices(r), period, now).total;
  }

  /** The channel's team when it has a budget and has used it up this month; null otherwise. */
  async overrun(channel: string): Promise<TeamOverrun | null> {
    const team = await this.deps.teams.teamOf(channel);
    if (team === null || team.budgetUsd === null) return null;
    const spent = await this.spentThisMonth(team);
    if (spent < team.budgetUsd) return null;
    return { team, month: utcMonth(this.deps.clock.now()), spent, budget: team.budgetUsd };
  }

  private async mode(): Promise<'allow' | 'refuse' | 'approve'> {
    return (await this.deps.gate.current()).policy.approval.pastBudget;
  }

  /** The policy's verdict, with the team's budget laid over it; the policy is read again only for a team past its budget. */
  private async merge<T>(verdict: GateVerdict<T>, over: TeamOverrun | null): Promise<GateVerdict<T>> {
    if (verdict.kind === 'refuse' || over === null) return verdict;
    // A budget an admin bound to the channel is meant to hold: where the policy lets spend past budgets
    // go on (`allow`, the default), a team's still goes to an approval; `refuse` refuses, as for people.
    const mode = await this.mode();
    const hit: RuleHit = budgetHit(
      `this channel's team budget for ${over.month} is used up (${this.deps.usd(over.spent)} of ${this.deps.usd(over.budget)}, list price). An admin can raise it with \`/gpu team set --budget\`.`,
    );
    if (mode === 'refuse') return { kind: 'refuse', error: { code: hit.code, message: refusalText(hit, this.deps.admins) } };
    if (this.deps.admins.length === 0) {
      return { kind: 'refuse', error: { code: hit.code, message: `${refusalText(hit, this.deps.admins).replace(':no_entry: Refused', ':no_entry: Needs an approval under')} No admin is configured to approve it.` } };
    }
    const before: ApprovalCause | undefined = verdict.kind === 'approve' ? verdict.cause : undefined;
    const cause: ApprovalCause = {
      hits: [...(before?.hits ?? []), hit],
      // The asker's own budget, when also past it, stays the one the approval names.
      budget: before?.budget ?? { scope: 'team', month: over.month, spent: over.spent, budget: over.budget },
    };
    return { kind: 'approve', value: verdict.value, cause };
  }

  private table(region: string): Promise<PriceTable> {
    return pricesWithin(this.deps.prices, region);
  }
}
