/**
 * The team's policy applied to a request, in the ack: one read of the policy document, one of the
 * asker's live boxes and jobs (what they already run), one of the month's budget standing, all at
 * once; the rules themselves are pure (domain/policy.ts).
 */
import { budgetOverrun, type ApprovalCause } from '../domain/box-approval.js';
import type { Box, BoxSpec } from '../domain/box.js';
import { utcMonth } from '../domain/cost-period.js';
import { gpuForMachine, machineShape, parseGpuKey, type GpuKey } from '../domain/gpus.js';
import { isJobOver, jobPools, type Job } from '../domain/job.js';
import {
  budgetHit,
  checkBox,
  checkJob,
  refusalText,
  whoCanChange,
  type StoredPolicy,
  type TeamPolicy,
  type Usage,
  type Verdict,
} from '../domain/policy.js';
import { bundledPrices, hourlyPrice, trainingHourlyPrice, type PriceTable } from '../domain/prices.js';
import type { JobPlan } from '../domain/job-plan.js';
import { requestedEntry } from '../domain/audit.js';
import { policyChangeDetail } from '../domain/policy-changes.js';
import type { UserError } from '../domain/result.js';
import { budgetRefusal } from './cost-watch.js';
import type { Clock } from './ports.js';
import type { BudgetStatus } from './ports/costs.js';
import type { PolicyStore } from './ports/policy.js';



export type GateVerdict<T> = { kind: 'allow'; value: T } | { kind: 'refuse'; error: UserError } | { kind: 'approve'; value: T; cause: ApprovalCause };

export interface PolicyGateDeps {
  store: PolicyStore;
  /** The policy from configuration: what holds until an admin changes it. */
  defaults: TeamPolicy;
  boxesOwnedBy(owner: string): Promise<Box[]>;
  /** The person's jobs not over yet (all of them: a limit would drop a long-running one). */
  liveJobsOwnedBy(owner: string): Promise<Job[]>;
  /** A region's list prices; a slow or failed look-up falls back to the bundled table. */
  prices?: (region: string) => Promise<PriceTable>;
  budgetStatus(month: string): Promise<BudgetStatus | null>;
  clock: Clock;
  admins: readonly string[];
  usd: (n: number) => string;
}

/** In the ack a price look-up gets this long; then the bundled table prices the request. */
const PRICE_WAIT_MS = 400;

export class PolicyGate {
  constructor(private readonly deps: PolicyGateDeps) {}

  /** The policy in force: the stored one, or the configured defaults. */
  async current(): Promise<StoredPolicy> {
    return (await this.deps.store.get(this.deps.defaults)) ?? { policy: this.deps.defaults, updatedBy: null, updatedAt: null };
  }

  /**
   * Saves the policy with its audit entry; `asker` is the admin and the Slack request (its key makes a
   * retried submission land on the same entry, so the trail shows the change once).
   */
  async save(policy: TeamPolicy, asker: { userId: string; channelId: string; requestKey: string }): Promise<void> {
    const before = (await this.current()).policy;
    const entry = requestedEntry(asker, 'policy-change', { kind: 'policy', id: 'policy', name: 'policy' }, this.deps.clock.now(), policyChangeDetail(before, policy));
    await this.deps.store.put(policy, asker.userId, entry);
  }

  get admins(): readonly string[] {
    return this.deps.admins;
  }

  /** A new box: `spec` resolved, `idleWindowMs` null for `--idle off`, `maxRunningMs` the `--hours` asked. */
  async checkBox(user: string, channel: string, spec: BoxSpec, idle: { idleWindowMs: number | null; maxRunningMs: number | null }): Promise<GateVerdict<{ maxRunningMs: number | null }>> {
    const [{ policy }, usage, table, status] = await Promise.all([this.current(), this.usage(user), this.table(spec.region), this.budgetStatus()]);
    const verdict = checkBox(policy, { channel, gpu: spec.gpu, gpuCount: spec.gpuCount, ...idle, usdPerHour: hourlyPrice(spec, table).running }, usage);
    return this.withBudget(verdict, policy, user, status);
  }

  /** A training job: its pools' GPUs and replicas, priced at Vertex AI training rates. */
  async checkJob(user: string, channel: string, region: string, plan: JobPlan): Promise<GateVerdict<null>> {
    const [{ policy }, usage, table, status] = await Promise.all([this.current(), this.usage(user), this.table(region), this.budgetStatus()]);
    const pools = jobPools(plan);
    const gpus = new Set<GpuKey>();
    let replicas = 0;
    let gpuCount = 0;
    for (const pool of pools) {
      const gpu = poolGpu(pool);
      if (gpu !== null) gpus.add(gpu.key);
      replicas += pool.replicaCount;
      gpuCount += (gpu?.count ?? 0) * pool.replicaCount;
    }
    const verdict = checkJob(policy, { channel, gpus: [...gpus], replicas, gpuCount, usdPerHour: jobPerHour(plan, table) }, usage);
    return this.withBudget(verdict, policy, user, status);
  }

  private withBudget<T>(verdict: Verdict<T>, policy: TeamPolicy, user: string, status: { month: string; status: BudgetStatus | null }): GateVerdict<T> {
    if (verdict.kind === 'refuse') return { kind: 'refuse', error: { code: verdict.hit.code, message: refusalText(verdict.hit, this.deps.admins) } };
    const mode = policy.approval.pastBudget;
    if (mode === 'refuse') {
      const message = budgetRefusal(status.status, user, status.month, this.deps.usd);
      if (message !== null) return { kind: 'refuse', error: { code: 'APPROVAL_PAST_BUDGET', message: `:no_entry: Refused by the policy rule *Past a budget*: ${message} ${whoCanChange(this.deps.admins)}` } };
    }
    const budget = mode === 'approve' ? budgetOverrun(status.status, user, status.month) : null;
    const hits = verdict.kind === 'approve' ? [...verdict.hits] : [];
    if (budget !== null) hits.push(budgetHit(`${budget.scope === 'person' ? 'your' : "the team's"} GPU budget for ${budget.month} is used up.`));
    if (hits.length === 0) return { kind: 'allow', value: verdict.value };
    // A request nobody could approve would only wait for its expiry: refused at once, saying why.
    const first = hits[0];
    if (this.deps.admins.length === 0 && first !== undefined) {
      return { kind: 'refuse', error: { code: first.code, message: `${refusalText(first, this.deps.admins).replace(':no_entry: Refused', ':no_entry: Needs an approval under')} No admin is configured to approve it.` } };
    }
    return { kind: 'approve', value: verdict.value, cause: { hits, ...(budget !== null ? { budget } : {}) } };
  }

  private async budgetStatus(): Promise<{ month: string; status: BudgetStatus | null }> {
    const month = utcMonth(this.deps.clock.now());
    return { month, status: await this.deps.budgetStatus(month) };
  }

  private table(region: string): Promise<PriceTable> {
    return pricesWithin(this.deps.prices, region);
  }

  /** What the person runs now: boxes running or on their way (not stopped, not waiting), jobs not over. */
  private async usage(user: string): Promise<Usage> {
    const [boxes, jobs] = await Promise.all([this.deps.boxesOwnedBy(user), this.deps.liveJobsOwnedBy(user)]);
    const running = boxes.filter((b) => b.desired === 'running' && b.status !== 'awaiting-approval' && b.status !== 'deleted' && b.status !== 'failed');
    const active = jobs.filter((j) => !isJobOver(j) && j.desired === 'running' && j.status !== 'awaiting-approval');
    const regions = [...new Set([...running.map((b) => b.spec.region), ...active.map((j) => j.region)])];
    const tables = new Map(await Promise.all(regions.map(async (r) => [r, await this.table(r)] as const)));
    let usdPerHour = 0;
    for (const box of running) usdPerHour += hourlyPrice(box.spec, tables.get(box.spec.region) ?? bundledPrices(box.spec.region)).running;
    for (const job of active) usdPerHour += jobPerHour(job.plan, tables.get(job.region) ?? bundledPrices(job.region));
    return { boxes: running.length, gpus: running.reduce((n, b) => n + b.spec.gpuCount, 0), usdPerHour };
  }
}

/** The GPU type and count of one replica of a pool: the accelerator named, or the machine's own GPUs. */
function poolGpu(pool: { machineType: string; acceleratorType: string | null; acceleratorCount: number }): { key: GpuKey; count: number } | null {
  if (pool.acceleratorType !== null && pool.acceleratorType !== '' && pool.acceleratorType !== 'ACCELERATOR_TYPE_UNSPECIFIED') {
    const key = parseGpuKey(pool.acceleratorType);
    return key === null ? null : { key, count: pool.acceleratorCount };
  }
  const key = gpuForMachine(pool.machineType);
  const count = machineShape(pool.machineType)?.gpus ?? 0;
  return key === null || count === 0 ? null : { key, count };
}

/** A job's price per hour: each pool's replica price times its replicas. */
function jobPerHour(plan: JobPlan, table: PriceTable): number {
  return jobPools(plan).reduce((sum, p) => sum + trainingHourlyPrice(p, table).perHour * p.replicaCount, 0);
}

/**
 * A region's list prices from `lookup`, or the bundled table when there is no look-up, it fails, or it
 * is slower than PRICE_WAIT_MS: a gate answers inside Slack's ack deadline whatever the catalog does.
 * The team budget gate prices the same way (team-budget.ts).
 */
export async function pricesWithin(lookup: ((region: string) => Promise<PriceTable | undefined>) | undefined, region: string): Promise<PriceTable> {
  if (lookup === undefined) return bundledPrices(region);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PRICE_WAIT_MS);
  });
  try {
    return (await Promise.race([lookup(region).catch(() => undefined), late])) ?? bundledPrices(region);
  } finally {
    clearTimeout(timer);
  }
}
