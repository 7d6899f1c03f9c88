/**
 * The worker's first tick waits for the server's first answered Slack request (health checks do not
 * count) and then for a moment with no request in flight, or for a delay when none comes, so that
 * loading client libraries never delays the first answers after a start.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { firstAnswerOrDelay } from '../../src/worker/first-tick.js';

/** A server that answers at once, except `/slack/slow`, which waits until `release()`. */
async function server(): Promise<{ server: http.Server; port: number; release(): void; close(): Promise<void> }> {
  const held: http.ServerResponse[] = [];
  const s = http.createServer((req, res) => {
    if (req.url === '/slack/slow') {
      held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    server: s,
    port: (s.address() as AddressInfo).port,
    release: () => {
      for (const res of held.splice(0)) res.end('late');
    },
    close: async () => {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    },
  };
}

async function request(port: number, method: string, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  await res.arrayBuffer();
  return res.status;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('the first tick may start once a Slack request has been answered, not on a health check', async () => {
  const s = await server();
  try {
    let settled = false;
    // A delay far longer than the test: only the request can settle it.
    const gate = firstAnswerOrDelay(s.server, { delayMs: 600_000, quietMs: 10, mostWaitMs: 600_000 }).then(() => {
      settled = true;
    });
    assert.equal(await request(s.port, 'GET', '/healthz'), 200);
    await tick();
    assert.equal(settled, false, 'a health check is not a first answer');
    assert.equal(await request(s.port, 'POST', '/slack/events'), 200);
    await gate;
    assert.equal(s.server.listenerCount('request'), 1, 'the gate stops listening once it opened');
  } finally {
    await s.close();
  }
});

test('after the first answer, the first tick waits while other Slack requests are still in flight', async () => {
  const s = await server();
  try {
    let settled = false;
    const gate = firstAnswerOrDelay(s.server, { delayMs: 600_000, quietMs: 10, mostWaitMs: 600_000 }).then(() => {
      settled = true;
    });
    const slow = request(s.port, 'POST', '/slack/slow');
    assert.equal(await request(s.port, 'POST', '/slack/events'), 200);
    // Many quiet periods long, but a request is still being answered: no start.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(settled, false, 'a request in flight holds the first tick back');
    s.release();
    assert.equal(await slow, 200);
    await gate;
    assert.equal(settled, true);
  } finally {
    await s.close();
  }
});

test('without any request, or without an HTTP server (Socket Mode), the first tick starts after the delay', async () => {
  const started = Date.now();
  await firstAnswerOrDelay(undefined, { delayMs: 30 });
  assert.ok(Date.now() - started >= 25, 'it waited for the delay');
});
