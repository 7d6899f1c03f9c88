import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOX_AGENT_REQUEST_KEY, type BoxAgentRequest } from '../../src/domain/box-agent-script.js';
import { agentAnswerOf, agentAnswerQueryPath, agentRequestMetadata, type GuestAttributesResult, type InstanceMetadata } from '../../src/gcp/box-agent-bodies.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';

const PROJECT = 'ml-lab';
const ZONE = 'us-central1-a';
const REQUEST: BoxAgentRequest = { id: 'r1', action: 'copy', bucket: 'staging', prefix: 'jobs/j1/', to: 'census/gpubot-jobs/j1' };

test('asking a box’s agent keeps its other metadata, sends the fingerprint it read, and its answer is read back from guest attributes', async () => {
  const sandbox = new ComputeSandbox({ project: PROJECT });
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const base = `${server.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/exp42`;
  const headers = { authorization: 'Bearer t', 'content-type': 'application/json' };
  try {
    sandbox.consoleCreate({ zone: ZONE, name: 'exp42', metadata: { 'enable-guest-attributes': 'TRUE', 'startup-script': '#!/bin/bash', [BOX_AGENT_REQUEST_KEY]: '{"id":"old"}' } });
    const read = async (): Promise<InstanceMetadata> => ((await (await fetch(base, { headers })).json()) as { metadata: InstanceMetadata }).metadata;
    const first = await read();
    const body = agentRequestMetadata(first, REQUEST);
    assert.ok(body !== null);
    const set = await fetch(`${base}/setMetadata`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(set.status, 200, await set.clone().text());
    const after = await read();
    const items = Object.fromEntries((after.items ?? []).map((i) => [i.key, i.value]));
    assert.equal(items['startup-script'], '#!/bin/bash', 'the other keys stay');
    assert.equal(items['enable-guest-attributes'], 'TRUE');
    assert.deepEqual(JSON.parse(items[BOX_AGENT_REQUEST_KEY] ?? ''), REQUEST, 'one request key, the new request');

    // The same body again carries a fingerprint that is no longer current: Compute refuses it.
    const stale = await fetch(`${base}/setMetadata`, { method: 'POST', headers, body: JSON.stringify(body) });
    assert.equal(stale.status, 412);

    const path = agentAnswerQueryPath('r1');
    const none = await fetch(`${base}/getGuestAttributes?queryPath=${encodeURIComponent(path)}`, { headers });
    assert.equal(none.status, 404, 'no answer yet');
    sandbox.setGuestAttribute('exp42', path, JSON.stringify({ id: 'r1', ok: true, bytes: 12, files: 2, skipped: [], skippedCount: 0 }), ZONE);
    const answered = (await (await fetch(`${base}/getGuestAttributes?queryPath=${encodeURIComponent(path)}`, { headers })).json()) as GuestAttributesResult;
    assert.deepEqual(agentAnswerOf(answered, 'r1'), { id: 'r1', ok: true, bytes: 12, files: 2, skipped: [], skippedCount: 0 });
    assert.equal(agentAnswerOf(answered, 'r2'), null, 'an answer to another request is not this one');
  } finally {
    await server.close();
  }
});

test('metadata without a fingerprint gives no setMetadata body', () => {
  assert.equal(agentRequestMetadata({ items: [] }, REQUEST), null);
});
