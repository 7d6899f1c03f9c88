/** The Slack Web API client gives up on a hung or failing Slack within a bounded time, instead of half an hour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { SLACK_CALL_POLICY, slackClientOptions } from '../../src/slack/app.js';

/** A Slack that hangs (never answers) or fails every call, counting them. */
async function brokenSlack(mode: 'hang' | '500'): Promise<{ url: string; calls: () => number; close: () => Promise<void> }> {
  let calls = 0;
  const server = http.createServer((req, res) => {
    calls++;
    req.resume();
    if (mode === '500') {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// The same policy shape as production, with waits shrunk so the test does not sleep for seconds.
const fast = { timeoutMs: 150, retry: { ...SLACK_CALL_POLICY.retry, minTimeout: 10, maxTimeout: 20 } };

test('a Slack that never answers: each attempt times out, and the call fails after the bounded retries', { timeout: 20_000 }, async () => {
  const slack = await brokenSlack('hang');
  try {
    const client = new WebClient('xoxb-test', slackClientOptions(slack.url, fast));
    await assert.rejects(client.chat.postMessage({ channel: 'C1', text: 'hello' }));
    assert.equal(slack.calls(), SLACK_CALL_POLICY.retry.retries + 1, 'one first attempt and the configured retries');
  } finally {
    await slack.close();
  }
});

test('a Slack answering 500 is tried a bounded number of times', { timeout: 20_000 }, async () => {
  const slack = await brokenSlack('500');
  try {
    const client = new WebClient('xoxb-test', slackClientOptions(slack.url, fast));
    await assert.rejects(client.chat.postMessage({ channel: 'C1', text: 'hello' }));
    assert.equal(slack.calls(), SLACK_CALL_POLICY.retry.retries + 1);
  } finally {
    await slack.close();
  }
});

test('the production policy has a timeout and gives up within a minute, not the client default of about half an hour', () => {
  const options = slackClientOptions('http://127.0.0.1:1/api/');
  assert.equal(options.timeout, SLACK_CALL_POLICY.timeoutMs);
  const retry = SLACK_CALL_POLICY.retry;
  let waits = 0;
  for (let i = 0; i < retry.retries; i++) waits += Math.min(retry.minTimeout * retry.factor ** i, retry.maxTimeout) * (retry.randomize ? 2 : 1);
  const worst = (retry.retries + 1) * SLACK_CALL_POLICY.timeoutMs + waits;
  assert.ok(worst <= 60_000, `worst case ${worst} ms`);
  assert.deepEqual(options.retryConfig, { ...retry });
});
