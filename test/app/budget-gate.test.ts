import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BudgetGate } from '../../src/app/budget-gate.js';
import type { BudgetStatus } from '../../src/app/ports/costs.js';
import type { OverBudgetPolicy } from '../../src/domain/box-approval.js';
import { formatUsd } from '../../src/domain/money.js';
import { ManualClock } from '../support/clock.js';

const STATUS: BudgetStatus = { over: [{ who: 'UALICE', spent: 12.5, budget: 10 }], team: { spent: 300, budget: 1000, over: false }, checkedAt: 0 };

function gate(policy: OverBudgetPolicy, status: BudgetStatus | null = STATUS): { gate: BudgetGate; months: string[] } {
  const months: string[] = [];
  const g = new BudgetGate({
    policy,
    status: (month) => {
      months.push(month);
      return Promise.resolve(status);
    },
    clock: new ManualClock(Date.UTC(2026, 10, 27, 9)),
    usd: formatUsd,
  });
  return { gate: g, months };
}

test('allow never reads the budget status', async () => {
  const { gate: g, months } = gate('allow');
  assert.deepEqual(await g.check('UALICE'), { kind: 'allow' });
  assert.deepEqual(months, []);
});

test('refuse answers with what is used up, for this month, as before', async () => {
  const { gate: g, months } = gate('refuse');
  const verdict = await g.check('UALICE');
  assert.equal(verdict.kind, 'refuse');
  assert.match(verdict.kind === 'refuse' ? verdict.message : '', /Your GPU budget for 2026-11 is used up \(\$12\.50 of \$10\.00, list price\), so new boxes are refused/);
  assert.deepEqual(months, ['2026-11']);
  assert.deepEqual(await g.check('UBOB'), { kind: 'allow' });
});

test('approve hands over the budget that is past, for the box to carry', async () => {
  const { gate: g } = gate('approve');
  assert.deepEqual(await g.check('UALICE'), { kind: 'approve', overrun: { scope: 'person', month: '2026-11', spent: 12.5, budget: 10 } });
  assert.deepEqual(await g.check('UBOB'), { kind: 'allow' });
  assert.deepEqual(await gate('approve', null).gate.check('UALICE'), { kind: 'allow' }, 'before the first budget check nothing waits');
});
