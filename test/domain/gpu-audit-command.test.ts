/** `/gpu audit [NAME | @someone] [--days N]` as the parser reads it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGpuCommand } from '../../src/domain/gpu-command.js';

test('/gpu audit reads everyone, a name or a person, and --days', () => {
  const cases: [string, unknown][] = [
    ['audit', { kind: 'audit', of: { kind: 'all' }, days: 7 }],
    ['audit exp42', { kind: 'audit', of: { kind: 'name', name: 'exp42' }, days: 7 }],
    ['audit my_Job.v2 --days 30', { kind: 'audit', of: { kind: 'name', name: 'my_Job.v2' }, days: 30 }],
    ['audit <@U024BE7LH|alice> --days=2', { kind: 'audit', of: { kind: 'user', userId: 'U024BE7LH' }, days: 2 }],
  ];
  for (const [text, expected] of cases) {
    const parsed = parseGpuCommand(text);
    assert.ok(parsed.ok, `${text}: ${JSON.stringify(parsed)}`);
    assert.deepEqual(parsed.value, expected, text);
  }
});

test('/gpu audit refuses what it cannot read, saying what would work', () => {
  const cases: [string, string][] = [
    ['audit @alice', 'BAD_VALUE'],
    ['audit exp42 exp43', 'EXTRA_ARGUMENT'],
    ['audit --days 0', 'BAD_NUMBER'],
    ['audit --days 401', 'BAD_NUMBER'],
    ['audit --weeks 2', 'UNKNOWN_FLAG'],
  ];
  for (const [text, code] of cases) {
    const parsed = parseGpuCommand(text);
    assert.ok(!parsed.ok && parsed.error.code === code, `${text}: ${JSON.stringify(parsed)}`);
    assert.ok(!parsed.ok && /\/gpu audit|--days 30/.test(parsed.error.message), parsed.ok ? '' : parsed.error.message);
  }
});
