// The Compute adapter over @google-cloud/compute's REST transport, against the Compute stand-in: what
// google-gax makes of Compute's error answers, which calls are tried again, and that the library is
// loaded by the first call, not by building the adapter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { resolveBoxSpec } from '../../src/domain/box-request.js';
import { instancePlan } from '../../src/domain/instance-plan.js';
import { computeHttpError } from '../../src/sandbox/google/compute-errors.js';
import { makeBox, makeRequest } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { startTestCloud } from '../support/cloud.js';

const PROJECT = 'gpubot-test';

function plan(name: string) {
  const spec = resolveBoxSpec(makeRequest({ name, gpu: 't4' }), { defaultRegion: 'us-central1' });
  assert.ok(spec.ok, JSON.stringify(spec));
  return instancePlan(makeBox({ name, spec: spec.value, status: 'requested' }), 'us-central1-a', { network: 'default', subnetwork: null, serviceAccount: null });
}

/** Module files of a package that Node has loaded into this process (the client libraries are CommonJS). */
function loaded(packagePath: string): string[] {
  return Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes(`/node_modules/${packagePath}/`));
}

test('building the adapter loads no Compute client; its first call does', async () => {
  assert.deepEqual(loaded('@google-cloud/compute'), [], 'nothing in this test file loaded the library before');
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    assert.deepEqual(loaded('@google-cloud/compute'), [], 'the adapter is built and the library is not loaded');
    await cloud.compute.listManagedInstances();
    const files = loaded('@google-cloud/compute').map((f) => f.replace(/.*\/build\/src\//, ''));
    assert.ok(files.includes('v1/instances_client.js'), files.join(', '));
    assert.equal(files.includes('index.js'), false, 'the package index, which loads every Compute client, is not');
  } finally {
    await cloud.close();
  }
});

test('a second VM of the same name is already-exists, not a fault to retry (Compute answers 409, gax says ABORTED)', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    const first = await cloud.compute.insertInstance(plan('exp70'), randomUUID());
    assert.ok(first.ok, JSON.stringify(first));
    const second = await cloud.compute.insertInstance(plan('exp70'), randomUUID());
    assert.equal(second.ok, false);
    assert.equal(second.ok ? null : second.failure.kind, 'already-exists', JSON.stringify(second));
    assert.equal(cloud.sandbox.count('instances.insert'), 2, 'asked once each, not retried');
  } finally {
    await cloud.close();
  }
});

test('a 503 on a read is asked again and answered; a 404 on a direct get means the VM is gone', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    const made = await cloud.compute.insertInstance(plan('exp71'), randomUUID());
    assert.ok(made.ok, JSON.stringify(made));
    cloud.sandbox.failNext('instances.get', computeHttpError(503, 'backendError', 'The service is currently unavailable.'));
    const got = await cloud.compute.getInstance('us-central1-a', 'exp71');
    assert.ok(got.ok && got.value !== null, JSON.stringify(got));
    assert.equal(got.value.name, 'exp71');
    assert.equal(cloud.sandbox.count('instances.get'), 2, 'the 503 was asked again once');
    const gone = await cloud.compute.getInstance('us-central1-a', 'exp404');
    assert.deepEqual(gone, { ok: true, value: null });
  } finally {
    await cloud.close();
  }
});

test('a 403 quota refusal is not retried, names the quota and says Google’s sentence', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    cloud.sandbox.failNext('instances.insert', computeHttpError(403, 'quotaExceeded', "Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in region us-central1."));
    const refused = await cloud.compute.insertInstance(plan('exp72'), randomUUID());
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.ok ? null : { kind: refused.failure.kind, quota: refused.failure.quota }, { kind: 'quota', quota: 'NVIDIA_T4_GPUS' });
    // Google's sentence, not the JSON body gaxios leaves as the error's message: it reaches the owner.
    assert.equal(refused.ok ? null : refused.failure.message, "Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in region us-central1.");
    assert.equal(cloud.sandbox.count('instances.insert'), 1);
  } finally {
    await cloud.close();
  }
});

test('the zones offering a GPU: one unreachable zone does not fail the listing, and a zone it could not read is never taken for one that does not offer the GPU', async () => {
  const clock = new ManualClock();
  const cloud = await startTestCloud(clock, {}, PROJECT);
  try {
    // Before any full answer: a zone of the region left out cannot be judged, so the answer is "try later".
    cloud.sandbox.unreachable('us-central1-a');
    const blind = await cloud.compute.zonesOffering('us-central1', 'nvidia-tesla-t4');
    assert.equal(blind.ok ? 'ok' : blind.failure.kind, 'transient', JSON.stringify(blind));
    // A zone of another region left out does not matter to this one.
    cloud.sandbox.unreachable('us-central1-a', false);
    cloud.sandbox.unreachable('us-east1-c');
    const other = await cloud.compute.zonesOffering('us-central1', 'nvidia-tesla-t4');
    assert.ok(other.ok && other.value.includes('us-central1-a'), JSON.stringify(other));
    cloud.sandbox.unreachable('us-east1-c', false);
    // A full answer is cached; once it is stale, a partial one keeps the old answer for the zone it missed.
    const full = await cloud.compute.zonesOffering('us-central1', 'nvidia-tesla-t4');
    assert.ok(full.ok && full.value.includes('us-central1-a'), JSON.stringify(full));
    clock.advance(2 * 3600_000);
    cloud.sandbox.unreachable('us-central1-a');
    const partial = await cloud.compute.zonesOffering('us-central1', 'nvidia-tesla-t4');
    assert.deepEqual(partial, full);
  } finally {
    await cloud.close();
  }
});
