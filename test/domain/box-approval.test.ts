import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPROVAL_WAIT_MS, budgetOverrun, endWait, expireIfDue, isWaiting, waitingApproval, type BudgetStanding } from '../../src/domain/box-approval.js';
import { isLive, type Box } from '../../src/domain/box.js';
import { boxCost } from '../../src/domain/cost.js';
import { costInPeriod } from '../../src/domain/cost-period.js';
import { bundledPrices } from '../../src/domain/prices.js';
import { MIN, T0, makeBox } from '../support/boxes.js';

const H = 60 * MIN;
const BUDGET = { scope: 'person' as const, month: '2026-07', spent: 15.2, budget: 10 };

function waiting(overrides: Partial<Box> = {}): Box {
  return makeBox({
    status: 'awaiting-approval',
    desired: 'running',
    zone: null,
    jupyterUrl: null,
    history: [{ status: 'awaiting-approval', at: T0 }],
    createdAt: T0,
    updatedAt: T0,
    rev: 1,
    approval: waitingApproval({ hits: [], budget: BUDGET }, T0),
    ...overrides,
  });
}

test('budgetOverrun: the asker’s own budget first, then the team’s, else none', () => {
  const cases: [string, BudgetStanding | null, string, ReturnType<typeof budgetOverrun>][] = [
    ['no budget check yet', null, 'UALICE', null],
    ['nobody over', { over: [], team: { spent: 5, budget: 100, over: false } }, 'UALICE', null],
    ['someone else over', { over: [{ who: 'UBOB', spent: 12, budget: 10 }], team: null }, 'UALICE', null],
    ['the asker over', { over: [{ who: 'UALICE', spent: 12, budget: 10 }], team: null }, 'UALICE', { scope: 'person', month: '2026-07', spent: 12, budget: 10 }],
    [
      'both: the person’s comes first',
      { over: [{ who: 'UALICE', spent: 12, budget: 10 }], team: { spent: 120, budget: 100, over: true } },
      'UALICE',
      { scope: 'person', month: '2026-07', spent: 12, budget: 10 },
    ],
    ['the team’s only', { over: [], team: { spent: 120, budget: 100, over: true } }, 'UBOB', { scope: 'team', month: '2026-07', spent: 120, budget: 100 }],
  ];
  for (const [what, standing, user, expected] of cases) assert.deepEqual(budgetOverrun(standing, user, '2026-07'), expected, what);
});

test('a waiting box is live (it holds its name) but not on its way to a VM', () => {
  const box = waiting();
  assert.ok(isLive(box));
  assert.ok(isWaiting(box));
  assert.equal(isWaiting(makeBox()), false);
});

test('Approve queues the box for creation and records who approved it', () => {
  const approved = endWait(waiting(), 'approved', 'UADMIN', T0 + 5 * MIN);
  assert.ok(approved);
  assert.equal(approved.status, 'requested');
  assert.equal(approved.desired, 'running');
  assert.deepEqual(approved.approval, { ...waitingApproval({ hits: [], budget: BUDGET }, T0), state: 'approved', decidedBy: 'UADMIN', decidedAt: T0 + 5 * MIN });
  assert.deepEqual(approved.history.at(-1), { status: 'requested', at: T0 + 5 * MIN, note: 'approved' });
  assert.equal(approved.rev, 2, 'the controller sees a new revision');
  assert.equal(endWait(approved, 'denied', 'UADMIN2', T0 + 6 * MIN), null, 'the first decision wins');
  assert.equal(endWait(approved, 'approved', 'UADMIN', T0 + 6 * MIN), null, 'a second Approve changes nothing');
});

test('Deny, expiry and withdrawal end the box with nothing to delete', () => {
  for (const [outcome, by] of [['denied', 'UADMIN'], ['expired', null], ['withdrawn', 'UALICE']] as const) {
    const ended = endWait(waiting(), outcome, by, T0 + H);
    assert.ok(ended, outcome);
    assert.equal(ended.status, 'deleted');
    assert.equal(ended.desired, 'deleted');
    assert.equal(ended.operation, null);
    assert.equal(isLive(ended), false, `${outcome}: the name is free`);
    assert.equal(ended.approval?.state, outcome);
    assert.equal(ended.approval?.decidedBy, by);
    assert.equal(endWait(ended, 'approved', 'UADMIN', T0 + 2 * H), null, `${outcome}: a late Approve changes nothing`);
  }
});

test('an undecided request expires at APPROVAL_WAIT_MS, not before', () => {
  const box = waiting();
  assert.equal(expireIfDue(box, T0 + APPROVAL_WAIT_MS - 1), null);
  assert.equal(expireIfDue(box, T0 + APPROVAL_WAIT_MS)?.approval?.state, 'expired');
  assert.equal(APPROVAL_WAIT_MS, 24 * H);
  // A decided box never expires.
  const approved = endWait(box, 'approved', 'UADMIN', T0 + H);
  assert.ok(approved);
  assert.equal(expireIfDue(approved, T0 + 2 * APPROVAL_WAIT_MS), null);
});

test('a waiting box costs nothing; after approval it costs from booting, as any box', () => {
  const prices = bundledPrices('us-central1');
  const denied = endWait(waiting(), 'denied', 'UADMIN', T0 + 20 * H);
  assert.ok(denied);
  assert.equal(boxCost(waiting(), prices, T0 + 20 * H).total, 0);
  assert.equal(boxCost(denied, prices, T0 + 30 * H).total, 0);
  assert.equal(costInPeriod(denied, prices, T0 - H, T0 + 30 * H).total, 0);
  const approved = endWait(waiting(), 'approved', 'UADMIN', T0 + 10 * H);
  assert.ok(approved);
  const running = { ...approved, history: [...approved.history, { status: 'creating' as const, at: T0 + 10 * H }, { status: 'booting' as const, at: T0 + 10 * H }] };
  const plain = makeBox({ history: [{ status: 'requested', at: T0 + 10 * H }, { status: 'creating', at: T0 + 10 * H }, { status: 'booting', at: T0 + 10 * H }] });
  assert.ok(boxCost(running, prices, T0 + 12 * H).total > 0);
  assert.equal(boxCost(running, prices, T0 + 12 * H).total, boxCost(plain, prices, T0 + 12 * H).total, 'the wait adds nothing');
});
