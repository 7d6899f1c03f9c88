/** What a policy change changed, as the audit trail names it: each field by itself, GPU lists by content. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPolicy, type TeamPolicy } from '../../src/domain/policy.js';
import { policyChangeDetail, policyChanges } from '../../src/domain/policy-changes.js';

const H = 3_600_000;
const BASE = defaultPolicy({ idleOffAllowed: true, maxRunningMs: 72 * H, pastBudget: 'allow' });

test('each changed field is named once, in the form’s order, the approval rules after the limits', () => {
  const cases: [Partial<TeamPolicy>, string[]][] = [
    [{}, []],
    [{ maxGpusPerPerson: BASE.maxGpusPerPerson + 1 }, ['most GPUs per person']],
    [{ idleOffAllowed: false, maxReplicasPerJob: 2 }, ['idle stop off', 'most replicas per job']],
    [{ defaultRunningMs: null }, BASE.defaultRunningMs === null ? [] : ['default running time']],
    [{ channelGpus: { CTEAM: ['t4'] } }, ['GPU types per channel']],
    [{ approval: { ...BASE.approval, usdPerHourAbove: 1 }, maxBoxesPerPerson: 9 }, ['most boxes per person', 'approval by dollars per hour']],
    [{ approval: { ...BASE.approval, pastBudget: 'refuse' } }, ['past a budget']],
  ];
  for (const [change, named] of cases) assert.deepEqual(policyChanges(BASE, { ...BASE, ...change }), named, JSON.stringify(change));
});

test('the same GPU types in another order are no change; another type is', () => {
  const two: TeamPolicy = { ...BASE, allowedGpus: ['t4', 'l4'] };
  assert.deepEqual(policyChanges(two, { ...two, allowedGpus: ['l4', 't4'] }), []);
  assert.deepEqual(policyChanges(two, { ...two, allowedGpus: ['l4', 'a100'] }), ['GPU types allowed']);
});

test('a form saved as it was says so', () => {
  assert.equal(policyChangeDetail(BASE, { ...BASE }), 'saved unchanged');
  assert.equal(policyChangeDetail(BASE, { ...BASE, maxGpusPerJob: 1, maxGpusPerPerson: 1 }), 'most GPUs per person, most GPUs per job');
});
