/**
 * A team's budget beside the policy: the team's month-to-date spend (its records only) against its
 * budget; past it, a request goes to an admin (or is refused where the policy refuses past budgets),
 * and the policy's own verdict is kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TeamBudgetGate } from '../../src/app/team-budget.js';
import type { GateVerdict } from '../../src/app/policy-gate.js';
import type { OverBudgetPolicy } from '../../src/domain/box-approval.js';
import type { Box } from '../../src/domain/box.js';
import { defaultPolicy } from '../../src/domain/policy.js';
import type { Team } from '../../src/domain/team.js';
import { formatUsd } from '../../src/domain/money.js';
import { makeBox } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 20, 12);
const TEAM: Team = { channel: 'CVISION', project: 'vision-lab', region: null, budgetUsd: 5, updatedBy: 'UADMIN', updatedAt: 0 };

/** A T4 box of the team's that has run `hours` this month. */
function ran(id: string, hours: number, team: string | undefined): Box {
  return makeBox({ id, name: id, status: 'ready', desired: 'running', createdAt: NOW - hours * H, updatedAt: NOW, history: [{ status: 'booting', at: NOW - hours * H }], ...(team !== undefined ? { team } : {}) });
}

function gate(options: { boxes: Box[]; pastBudget: OverBudgetPolicy; policyVerdict?: GateVerdict<null>; admins?: string[]; team?: Team | null }) {
  const asked: (string | undefined)[] = [];
  const verdict = options.policyVerdict ?? { kind: 'allow', value: null };
  return {
    asked,
    gate: new TeamBudgetGate({
      gate: {
        checkBox: async () => ({ kind: 'allow', value: { maxRunningMs: null } }),
        checkJob: async () => verdict,
        current: async () => ({ policy: defaultPolicy({ idleOffAllowed: true, maxRunningMs: 72 * H, pastBudget: options.pastBudget }), updatedBy: null, updatedAt: null }),
      },
      teams: { teamOf: async (channel) => (channel === 'CVISION' ? (options.team === undefined ? TEAM : options.team) : null) },
      costs: {
        // The store filters by team; so does this stand-in, so a test sees what the gate asked for.
        boxesSince: async (_from, _owner, team) => {
          asked.push(team);
          return { boxes: options.boxes.filter((b) => b.team === team), reads: 1 };
        },
        jobsSince: async () => ({ jobs: [], reads: 1 }),
      },
      clock: new ManualClock(NOW),
      admins: options.admins ?? ['UADMIN'],
      usd: formatUsd,
    }),
  };
}

const plan = { kind: 'custom' } as never;

test('under its budget the policy decides alone; past it a request waits for an admin, naming the team budget', async () => {
  const under = gate({ boxes: [ran('small', 1, 'CVISION'), ran('other', 100, undefined)], pastBudget: 'allow' });
  assert.deepEqual(await under.gate.checkJob('UALICE', 'CVISION', 'us-central1', plan), { kind: 'allow', value: null });
  assert.deepEqual(under.asked, ['CVISION'], "only the team's records count");
  const over = gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'allow' });
  const verdict = await over.gate.checkJob('UALICE', 'CVISION', 'us-central1', plan);
  assert.equal(verdict.kind, 'approve');
  assert.ok(verdict.kind === 'approve' && verdict.cause.budget?.scope === 'team' && verdict.cause.budget.budget === 5 && verdict.cause.budget.spent > 5);
  assert.ok(verdict.kind === 'approve' && /this channel's team budget for 2026-11 is used up/.test(verdict.cause.hits[0]?.detail ?? ''));
  // Another channel, or a team without a budget, is not gated by it.
  assert.equal((await over.gate.checkJob('UALICE', 'COTHER', 'us-central1', plan)).kind, 'allow');
  assert.equal((await gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'allow', team: { ...TEAM, budgetUsd: null } }).gate.checkJob('UALICE', 'CVISION', 'us-central1', plan)).kind, 'allow');
});

test("past it: refused where the policy refuses past budgets, or with no admin to approve; the policy's own refusal and rules are kept", async () => {
  const refused = await gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'refuse' }).gate.checkJob('UALICE', 'CVISION', 'us-central1', plan);
  assert.ok(refused.kind === 'refuse' && /Past a budget/.test(refused.error.message) && /team budget/.test(refused.error.message));
  const nobody = await gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'approve', admins: [] }).gate.checkJob('UALICE', 'CVISION', 'us-central1', plan);
  assert.ok(nobody.kind === 'refuse' && /No admin is configured/.test(nobody.error.message));
  const policyNo: GateVerdict<null> = { kind: 'refuse', error: { code: 'X', message: 'policy says no' } };
  assert.deepEqual(await gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'approve', policyVerdict: policyNo }).gate.checkJob('UALICE', 'CVISION', 'us-central1', plan), policyNo);
  const rule = { code: 'APPROVAL_GPU', rule: 'GPU type', detail: 'a100 needs an approval' };
  const both = await gate({ boxes: [ran('big', 40, 'CVISION')], pastBudget: 'approve', policyVerdict: { kind: 'approve', value: null, cause: { hits: [rule] } } }).gate.checkJob('UALICE', 'CVISION', 'us-central1', plan);
  assert.ok(both.kind === 'approve' && both.cause.hits.length === 2 && both.cause.hits[0] === rule);
});
