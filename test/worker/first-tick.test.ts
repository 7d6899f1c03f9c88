/**
 * The worker's first tick waits for the server's first answered Slack request (health checks do not
 * count), or for a delay when none comes, so that loading client libraries never delays a first answer.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { firstAnswerOrDelay } from '../../src/worker/first-tick.js';

async function request(port: number, method: string, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  await res.arrayBuffer();
  return res.status;
}

test('the first tick may start once a Slack request has been answered, not on a health check', async () => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    let settled = false;
    // A delay far longer than the test: only the request can settle it.
    const gate = firstAnswerOrDelay(server, 600_000).then(() => {
      settled = true;
    });
    assert.equal(await request(port, 'GET', '/healthz'), 200);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false, 'a health check is not a first answer');
    assert.equal(await request(port, 'POST', '/slack/events'), 200);
    await gate;
    assert.equal(settled, true);
    assert.equal(server.listenerCount('request'), 1, 'the gate stops listening once it opened');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('without any request, or without an HTTP server (Socket Mode), the first tick starts after the delay', async () => {
  const started = Date.now();
  await firstAnswerOrDelay(undefined, 30);
  assert.ok(Date.now() - started >= 25, 'it waited for the delay');
});
