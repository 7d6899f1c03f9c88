import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger } from '../src/log.js';

test('log lines are JSON with the severity Cloud Logging reads', () => {
  const log = memoryLogger();
  log.warn('disk almost full', { boxId: 'b1' });
  assert.equal(log.entries[0]?.severity, 'WARNING');
  assert.equal(log.entries[0]?.message, 'disk almost full');
  assert.equal(log.entries[0]?.boxId, 'b1');
});

test('tokens and secrets never reach a log line, by field name or by shape', () => {
  const log = memoryLogger();
  const child = log.child({ botToken: 'xoxb-123-456-abc' });
  child.error('call failed with xoxb-123-456-abc and Bearer ya29.a0AfH6SMB', {
    headers: { Authorization: 'Bearer abc.def', 'x-slack-signature': 'v0=deadbeef' },
    nested: { note: 'app token xapp-1-A0-123-xyz' },
    error: new Error('bad token xoxp-999'),
  });
  const line = JSON.stringify(log.entries);
  for (const secret of ['xoxb-123', 'ya29.a0', 'abc.def', 'v0=deadbeef', 'xapp-1-A0', 'xoxp-999']) {
    assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
  }
  assert.match(line, /\[redacted\]/);
});
