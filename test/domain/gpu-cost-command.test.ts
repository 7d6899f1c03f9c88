import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGpuCommand } from '../../src/domain/gpu-command.js';
import { parseUserRef } from '../../src/domain/gpu-flags.js';

const ok: [string, unknown][] = [
  ['cost', { kind: 'cost', range: { kind: 'days', days: 7 }, who: { kind: 'me' } }],
  ['cost --days 30', { kind: 'cost', range: { kind: 'days', days: 30 }, who: { kind: 'me' } }],
  ['cost --month --all', { kind: 'cost', range: { kind: 'month' }, who: { kind: 'all' } }],
  ['spend --month --month', { kind: 'cost', range: { kind: 'month' }, who: { kind: 'me' } }],
  ['cost --user <@U123ABC|ada> --days=3', { kind: 'cost', range: { kind: 'days', days: 3 }, who: { kind: 'user', userId: 'U123ABC' } }],
  ['cost --user <@W0AB12>', { kind: 'cost', range: { kind: 'days', days: 7 }, who: { kind: 'user', userId: 'W0AB12' } }],
];

for (const [text, expected] of ok) {
  test(`/gpu ${text} parses`, () => {
    assert.deepEqual(parseGpuCommand(text), { ok: true, value: expected });
  });
}

const refused: [string, string][] = [
  ['cost --days 0', 'BAD_NUMBER'],
  ['cost --days 93', 'BAD_NUMBER'],
  ['cost --days 7 --month', 'CONFLICTING_FLAGS'],
  ['cost --user @ada', 'BAD_VALUE'],
  ['cost --user <@U1AAA> --all', 'CONFLICTING_FLAGS'],
  ['cost <@U1AAA>', 'EXTRA_ARGUMENT'],
  ['cost --weeks 2', 'UNKNOWN_FLAG'],
];

for (const [text, code] of refused) {
  test(`/gpu ${text} is refused with ${code}`, () => {
    const parsed = parseGpuCommand(text);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.error.code, code);
  });
}

test('a mention carries its user id; anything else is not a person', () => {
  assert.equal(parseUserRef('<@U024BE7LH|bob>'), 'U024BE7LH');
  assert.equal(parseUserRef('U024BE7LH'), 'U024BE7LH');
  assert.equal(parseUserRef('<#C024BE7LH|general>'), null);
  assert.equal(parseUserRef('@bob'), null);
});
