import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

test('no digest and no budgets unless configured; the digest hour defaults to 8 UTC', () => {
  const c = loadConfig({});
  assert.equal(c.digest, null);
  assert.equal(c.budgets.people.size, 0);
  assert.equal(c.budgets.team, null);
  assert.equal(c.budgetBlocksNewBoxes, false);
  assert.deepEqual(loadConfig({ GPUBOT_DIGEST_CHANNEL: 'C024BE91L' }).digest, { channel: 'C024BE91L', hourUtc: 8 });
});

test('budgets are read per person and for the team, in dollars a month', () => {
  const c = loadConfig({ GPUBOT_BUDGETS: 'U123ABC=500, U456DEF=300.50', GPUBOT_TEAM_BUDGET: '2000', GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'true', GPUBOT_DIGEST_CHANNEL: 'C024BE91L', GPUBOT_DIGEST_HOUR: '17' });
  assert.deepEqual([...c.budgets.people], [['U123ABC', 500], ['U456DEF', 300.5]]);
  assert.equal(c.budgets.team, 2000);
  assert.equal(c.budgetBlocksNewBoxes, true);
  assert.equal(c.digest?.hourUtc, 17);
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
