/** GET /healthz over HTTP: the startup answer, and a stuck worker reported so a liveness probe restarts it. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { healthRoute } from '../../src/worker/health-route.js';

test('/healthz is 503 before the bot serves, 200 while it works, 503 naming the step when the worker is stuck', async (t) => {
  const state: { ready: boolean; stuck: { step: string; ms: number } | null } = { ready: false, stuck: null };
  const server = createServer(healthRoute({ ready: () => state.ready, leader: () => true, stuckStep: () => state.stuck }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  const ask = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  assert.equal((await ask()).status, 503);
  state.ready = true;
  assert.deepEqual(await ask(), { status: 200, body: { ok: true, leader: true } });
  state.stuck = { step: 'idle', ms: 151_400 };
  assert.deepEqual(await ask(), { status: 503, body: { ok: false, leader: true, stuck: { step: 'idle', seconds: 151 } } });
  state.stuck = null;
  assert.equal((await ask()).status, 200, 'healthy again once the step returned');
});
