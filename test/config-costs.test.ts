import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

test('no digest and no budgets unless configured; the digest hour defaults to 8 UTC', () => {
  const c = loadConfig({});
  assert.equal(c.digest, null);
  assert.equal(c.budgets.people.size, 0);
  assert.equal(c.budgets.team, null);
  assert.equal(c.overBudget, 'allow');
  assert.deepEqual(loadConfig({ GPUBOT_DIGEST_CHANNEL: 'C024BE91L' }).digest, { channel: 'C024BE91L', hourUtc: 8 });
});

test('budgets are read per person and for the team, in dollars a month', () => {
  const c = loadConfig({ GPUBOT_BUDGETS: 'U123ABC=500, U456DEF=300.50', GPUBOT_TEAM_BUDGET: '2000', GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'true', GPUBOT_DIGEST_CHANNEL: 'C024BE91L', GPUBOT_DIGEST_HOUR: '17' });
  assert.deepEqual([...c.budgets.people], [['U123ABC', 500], ['U456DEF', 300.5]]);
  assert.equal(c.budgets.team, 2000);
  assert.equal(c.overBudget, 'refuse', 'the old GPUBOT_BUDGET_BLOCKS_NEW_BOXES=true still refuses');
  assert.equal(c.digest?.hourUtc, 17);
});

test('GPUBOT_OVER_BUDGET chooses allow, refuse or approve; the old setting is an alias', () => {
  const budgets = { GPUBOT_BUDGETS: 'U123ABC=500' };
  assert.equal(loadConfig({ ...budgets, GPUBOT_OVER_BUDGET: 'refuse' }).overBudget, 'refuse');
  assert.equal(loadConfig({ ...budgets, GPUBOT_OVER_BUDGET: 'Approve', GPUBOT_ADMINS: 'U024BE7LH' }).overBudget, 'approve');
  assert.equal(loadConfig({ ...budgets, GPUBOT_OVER_BUDGET: 'allow' }).overBudget, 'allow');
  assert.equal(loadConfig({ ...budgets, GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'false' }).overBudget, 'allow');
  const legacy = loadConfig({ ...budgets, GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'yes' });
  assert.equal(legacy.overBudget, 'refuse');
  assert.ok(legacy.warnings.some((w) => /GPUBOT_OVER_BUDGET=refuse/.test(w)), 'the old name is pointed out with the new one');
  // The same answer twice is no conflict; an old "false" beside a new value is ignored with a warning.
  assert.equal(loadConfig({ ...budgets, GPUBOT_OVER_BUDGET: 'refuse', GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'true' }).overBudget, 'refuse');
  const both = loadConfig({ ...budgets, GPUBOT_OVER_BUDGET: 'approve', GPUBOT_ADMINS: 'U024BE7LH', GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'false' });
  assert.equal(both.overBudget, 'approve');
  assert.ok(both.warnings.some((w) => /GPUBOT_BUDGET_BLOCKS_NEW_BOXES is ignored/.test(w)));
  assert.ok(loadConfig({ GPUBOT_OVER_BUDGET: 'refuse' }).warnings.some((w) => /no budget is set/.test(w)));
});

test('wrong GPUBOT_OVER_BUDGET settings say what would be right', () => {
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems.join('\n');
    }
    return assert.fail(`accepted ${JSON.stringify(env)}`);
  };
  assert.match(problems({ GPUBOT_OVER_BUDGET: 'block' }), /GPUBOT_OVER_BUDGET is "block"; use allow \(no check\), refuse \(refuse new boxes\) or approve/);
  assert.match(problems({ GPUBOT_OVER_BUDGET: 'approve' }), /GPUBOT_OVER_BUDGET is approve but GPUBOT_ADMINS is empty/);
  assert.match(problems({ GPUBOT_OVER_BUDGET: 'approve', GPUBOT_ADMINS: 'U024BE7LH', GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'true' }), /disagrees with GPUBOT_OVER_BUDGET \(approve\); remove GPUBOT_BUDGET_BLOCKS_NEW_BOXES/);
  assert.match(problems({ GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'maybe' }), /GPUBOT_BUDGET_BLOCKS_NEW_BOXES is "maybe"; write true or false/);
});

test('wrong cost settings are named with what they should look like', () => {
  try {
    loadConfig({ GPUBOT_BUDGETS: 'bob=5,U123ABC=-1', GPUBOT_TEAM_BUDGET: 'lots', GPUBOT_DIGEST_CHANNEL: '#general', GPUBOT_DIGEST_HOUR: '24' });
    assert.fail('should have refused');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const text = error.problems.join('\n');
    assert.match(text, /GPUBOT_BUDGETS has "bob=5"/);
    assert.match(text, /GPUBOT_BUDGETS has "U123ABC=-1"/);
    assert.match(text, /GPUBOT_TEAM_BUDGET is "lots"/);
    assert.match(text, /GPUBOT_DIGEST_CHANNEL is "#general"/);
    assert.match(text, /GPUBOT_DIGEST_HOUR is "24"/);
  }
});
