// The box agent's adapter (Compute metadata and guest attributes, through @google-cloud/compute) and the
// staging bucket's (Cloud Storage through googleapis' storage module), against the Compute and Cloud
// Storage stand-ins on one sandbox server, as GCP_ENDPOINT puts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { resolveBoxSpec } from '../../src/domain/box-request.js';
import { instancePlan } from '../../src/domain/instance-plan.js';
import type { BoxAgentRequest } from '../../src/domain/box-agent-script.js';
import { ComputeAdapter } from '../../src/gcp/compute.js';
import { ComputeBoxAgent } from '../../src/gcp/box-agent.js';
import { StagingAdapter } from '../../src/gcp/staging.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { conditionNotMet } from '../../src/sandbox/google/compute-errors.js';
import { StorageSandbox } from '../../src/sandbox/google/storage.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { makeBox, makeRequest } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { sandboxAuth } from '../support/cloud.js';

const PROJECT = 'gpubot-test';
const ZONE = 'us-central1-a';
const BUCKET = 'ml-lab-staging';

async function start() {
  const clock = new ManualClock();
  const sandbox = new ComputeSandbox({ project: PROJECT, now: () => clock.now(), timings: { waitMaxMs: 0 } });
  const storage = new StorageSandbox({ buckets: [BUCKET], now: () => clock.now(), maxPageSize: 2 });
  const server = await startGoogleSandbox({ handlers: [sandbox, storage] });
  const compute = new ComputeAdapter({ project: PROJECT, authClient: sandboxAuth(), endpoint: server.url, clock });
  const agent = new ComputeBoxAgent(compute, PROJECT);
  const staging = new StagingAdapter({ authClient: sandboxAuth(), rootUrl: server.url });
  return {
    clock,
    sandbox,
    storage,
    agent,
    staging,
    async vm(name: string) {
      const spec = resolveBoxSpec(makeRequest({ name, gpu: 't4' }), { defaultRegion: 'us-central1' });
      assert.ok(spec.ok, JSON.stringify(spec));
      const made = await compute.insertInstance(instancePlan(makeBox({ name, spec: spec.value, status: 'requested' }), ZONE, { network: 'default', subnetwork: null, serviceAccount: null }), randomUUID());
      assert.ok(made.ok, JSON.stringify(made));
      clock.advance(600_000);
    },
    close: async () => {
      await compute.close();
      await server.close();
    },
  };
}

const request = (id: string): BoxAgentRequest => ({ id, action: 'package', dir: 'census', entry: 'train.py', bucket: BUCKET, object: 'jobs/j1/code/code.tar.gz', maxBytes: 1000 });
const items = (sandbox: ComputeSandbox, name: string) => sandbox.instance(name)?.metadata.items ?? [];

test('a request goes into the VM metadata beside every other item; asking again for the same one writes nothing', async () => {
  const cloud = await start();
  try {
    await cloud.vm('exp80');
    const before = items(cloud.sandbox, 'exp80').map((i) => i.key);
    assert.ok(before.includes('startup-script'), before.join(', '));
    const asked = await cloud.agent.ask(ZONE, 'exp80', request('p1'));
    assert.ok(asked.ok, JSON.stringify(asked));
    const after = items(cloud.sandbox, 'exp80');
    assert.deepEqual(after.map((i) => i.key).sort(), [...before, 'gpubot-agent-request'].sort());
    assert.deepEqual(JSON.parse(after.find((i) => i.key === 'gpubot-agent-request')?.value ?? ''), request('p1'));
    assert.equal(cloud.sandbox.count('instances.setMetadata'), 1);
    assert.ok((await cloud.agent.ask(ZONE, 'exp80', request('p1'))).ok);
    assert.equal(cloud.sandbox.count('instances.setMetadata'), 1, 'the same request is already there');
  } finally {
    await cloud.close();
  }
});

test('a metadata write that lost the fingerprint race (412) is read and sent again', async () => {
  const cloud = await start();
  try {
    await cloud.vm('exp81');
    cloud.sandbox.failNext('instances.setMetadata', conditionNotMet('Supplied fingerprint does not match current metadata fingerprint.'));
    const asked = await cloud.agent.ask(ZONE, 'exp81', request('p2'));
    assert.ok(asked.ok, JSON.stringify(asked));
    assert.equal(cloud.sandbox.count('instances.setMetadata'), 2);
    assert.ok(items(cloud.sandbox, 'exp81').some((i) => i.key === 'gpubot-agent-request'));
  } finally {
    await cloud.close();
  }
});

test('no answer yet reads as null; the agent’s guest attribute is read back, and one for another request is not taken', async () => {
  const cloud = await start();
  try {
    await cloud.vm('exp82');
    const none = await cloud.agent.answerTo(ZONE, 'exp82', 'p3');
    assert.deepEqual(none, { ok: true, value: null });
    cloud.sandbox.setGuestAttribute('exp82', 'gpubot/answer-other', JSON.stringify({ id: 'other', ok: true, bytes: 1, files: 1, skipped: [], skippedCount: 0 }), ZONE);
    assert.deepEqual(await cloud.agent.answerTo(ZONE, 'exp82', 'p3'), { ok: true, value: null });
    cloud.sandbox.setGuestAttribute('exp82', 'gpubot/answer-p3', JSON.stringify({ id: 'p3', ok: false, code: 'NO_ENTRY', message: 'train.py is not in census on the box.' }), ZONE);
    const answer = await cloud.agent.answerTo(ZONE, 'exp82', 'p3');
    assert.ok(answer.ok && answer.value !== null && !answer.value.ok);
    assert.equal(answer.value.code, 'NO_ENTRY');
  } finally {
    await cloud.close();
  }
});

test('withdrawing takes out only the request it names', async () => {
  const cloud = await start();
  try {
    await cloud.vm('exp83');
    assert.ok((await cloud.agent.ask(ZONE, 'exp83', request('p4'))).ok);
    assert.ok((await cloud.agent.withdraw(ZONE, 'exp83', 'another')).ok);
    assert.ok(items(cloud.sandbox, 'exp83').some((i) => i.key === 'gpubot-agent-request'), 'another request id leaves it');
    assert.ok((await cloud.agent.withdraw(ZONE, 'exp83', 'p4')).ok);
    assert.ok(!items(cloud.sandbox, 'exp83').some((i) => i.key === 'gpubot-agent-request'));
    assert.ok(items(cloud.sandbox, 'exp83').some((i) => i.key === 'startup-script'), 'the rest stays');
    assert.ok((await cloud.agent.withdraw(ZONE, 'gone-vm', 'p4')).ok, 'a VM that is gone has nothing to withdraw');
  } finally {
    await cloud.close();
  }
});

test('the staging bucket: a prefix listed over pages and deleted, nothing outside it; a whole-bucket delete is refused', async () => {
  const cloud = await start();
  try {
    for (const name of ['jobs/j1/code/code.tar.gz', 'jobs/j1/model/a.pt', 'jobs/j1/model/b.pt', 'jobs/j10/code/code.tar.gz', 'jobs/j2/model/c.pt']) cloud.storage.put(BUCKET, name, 'x');
    const listed = await cloud.staging.list(BUCKET, 'jobs/j1/');
    assert.deepEqual(listed, { ok: true, value: ['jobs/j1/code/code.tar.gz', 'jobs/j1/model/a.pt', 'jobs/j1/model/b.pt'] });
    assert.ok(cloud.storage.calls.filter((c) => c.method === 'objects.list').length >= 2, 'more than one page');
    assert.deepEqual(await cloud.staging.deletePrefix(BUCKET, 'jobs/j1/'), { ok: true, value: 3 });
    assert.deepEqual(cloud.storage.list(BUCKET).map((o) => o.name), ['jobs/j10/code/code.tar.gz', 'jobs/j2/model/c.pt']);
    const whole = await cloud.staging.deletePrefix(BUCKET, '');
    assert.equal(whole.ok, false);
    assert.equal(cloud.storage.list(BUCKET).length, 2);
    const missing = await cloud.staging.list('no-such-bucket', 'jobs/');
    assert.equal(missing.ok ? null : missing.failure.kind, 'not-found');
  } finally {
    await cloud.close();
  }
});
