/**
 * What `/gpu up` does when the asker is past a budget (GPUBOT_OVER_BUDGET): go ahead, refuse, or
 * record the box to wait for an admin's approval. It reads the budget status the leader's last budget
 * check wrote (at most BUDGET_CHECK_EVERY_MS old), so the ack waits for one document read, no more.
 */
import { budgetOverrun, type OverBudgetPolicy } from '../domain/box-approval.js';
import type { BudgetOverrun } from '../domain/box.js';
import { utcMonth } from '../domain/cost-period.js';
import { budgetRefusal } from './cost-watch.js';
import type { Clock } from './ports.js';
import type { BudgetStatus } from './ports/costs.js';

export type BudgetVerdict =
  | { kind: 'allow' }
  /** `message` is mrkdwn for the asker: how much of which budget, and what to do. */
  | { kind: 'refuse'; message: string }
  | { kind: 'approve'; overrun: BudgetOverrun };

export interface BudgetGateDeps {
  policy: OverBudgetPolicy;
  /** The month's budget status document, as CostWatch last wrote it. */
  status(month: string): Promise<BudgetStatus | null>;
  clock: Clock;
  usd: (n: number) => string;
}

export class BudgetGate {
  constructor(private readonly deps: BudgetGateDeps) {}

  async check(user: string): Promise<BudgetVerdict> {
    if (this.deps.policy === 'allow') return { kind: 'allow' };
    const month = utcMonth(this.deps.clock.now());
    const status = await this.deps.status(month);
    if (this.deps.policy === 'refuse') {
      const message = budgetRefusal(status, user, month, this.deps.usd);
      return message === null ? { kind: 'allow' } : { kind: 'refuse', message };
    }
    const overrun = budgetOverrun(status, user, month);
    return overrun === null ? { kind: 'allow' } : { kind: 'approve', overrun };
  }
}
