import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ZONE_ACCELERATORS, ZONES, zoneMachineTypes } from '../../src/sandbox/google/compute-catalog.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { computeHttpError } from '../../src/sandbox/google/compute-errors.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { PROJECT, TEST_TIMINGS, notebookInstance, startComputeHarness, type ComputeHarness } from './compute-harness.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in compute sandbox test: ${String(reason)}\n`);
});

const ZONE = 'us-central1-a';
const REQUEST_ID = '6f1d2c3b-4a59-4e87-9c10-2b3a4c5d6e7f';

/** What the client library rejects with: gaxios surfaces the HTTP status and Google's JSON envelope as the message. */
async function rejection(promise: Promise<unknown>): Promise<{ code: unknown; reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error, 'the client rejects with an Error');
    const code = (error as Error & { code?: unknown }).code;
    const parsed = JSON.parse(error.message) as { error: { message: string; errors: { reason: string }[] } };
    return { code, reason: parsed.error.errors[0]?.reason ?? '', message: parsed.error.message };
  }
  assert.fail('expected the call to be rejected');
}

// One server and one set of clients for the file; every test gets a fresh sandbox and clock behind them.
const shared = startComputeHarness();
after(async () => (await shared).close());

async function withHarness(run: (h: ComputeHarness) => Promise<void>, timings: Partial<typeof TEST_TIMINGS> = {}): Promise<void> {
  const h = await shared;
  h.reset(timings);
  await run(h);
}

/** Operations without an error decode with `error` absent. */
function assertNoError(op: { error?: unknown }): void {
  assert.equal(op.error ?? null, null, `unexpected operation error ${JSON.stringify(op.error)}`);
}

async function insert(h: ComputeHarness, name: string, zone = ZONE, extra: Parameters<typeof notebookInstance>[2] = {}, requestId?: string) {
  const [lro] = await h.instances.insert({
    project: PROJECT,
    zone,
    instanceResource: notebookInstance(name, zone, extra),
    ...(requestId ? { requestId } : {}),
  });
  const op = lro.latestResponse;
  assert.ok(op && typeof op === 'object' && 'name' in op && typeof op.name === 'string', 'insert returns an operation');
  return op as { name: string; id?: string | null; status?: string | null; targetId?: string | null };
}

async function waitDone(h: ComputeHarness, zone: string, operation: string) {
  const [op] = await h.operations.wait({ project: PROJECT, zone, operation });
  return op;
}

async function status(h: ComputeHarness, name: string, zone = ZONE): Promise<string | null | undefined> {
  const [instance] = await h.instances.get({ project: PROJECT, zone, instance: name });
  return instance.status;
}

test('an inserted instance goes PROVISIONING -> STAGING -> RUNNING as the clock moves, and its operation ends DONE', async () => {
  await withHarness(async (h) => {
    const op = await insert(h, 'exp42');
    assert.equal(op.status, 'RUNNING');
    assert.equal(await status(h, 'exp42'), 'PROVISIONING');

    // waitMaxMs is 0 in tests, so wait answers at once with the operation as it stands.
    assert.equal((await waitDone(h, ZONE, op.name)).status, 'RUNNING');
    h.clock.advance(TEST_TIMINGS.operationMs);
    const done = await waitDone(h, ZONE, op.name);
    assert.equal(done.status, 'DONE');
    assert.equal(done.progress, 100);
    assertNoError(done);

    h.clock.advance(TEST_TIMINGS.provisioningMs - TEST_TIMINGS.operationMs);
    assert.equal(await status(h, 'exp42'), 'STAGING');
    h.clock.advance(TEST_TIMINGS.stagingMs);
    const [running] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(running.status, 'RUNNING');
    assert.equal(running.cpuPlatform, 'Intel Broadwell');
    assert.ok(running.lastStartTimestamp, 'a running instance records when it started');
    assert.equal(Date.parse(running.lastStartTimestamp ?? ''), h.clock.time);
    assert.match(running.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-0[78]:00$/);
    assert.equal(running.guestAccelerators?.[0]?.acceleratorCount, 1);
    assert.match(running.guestAccelerators?.[0]?.acceleratorType ?? '', /\/zones\/us-central1-a\/acceleratorTypes\/nvidia-tesla-t4$/);
  });
});

test('a retried insert with the same requestId returns the same operation and creates one instance', async () => {
  await withHarness(async (h) => {
    const first = await insert(h, 'exp42', ZONE, {}, REQUEST_ID);
    h.clock.advance(100);
    const second = await insert(h, 'exp42', ZONE, {}, REQUEST_ID);
    assert.equal(second.id, first.id);
    assert.equal(second.name, first.name);
    assert.equal(h.compute.instances().length, 1);
    assert.equal(h.compute.count('instances.insert'), 2);

    const bad = await rejection(
      h.instances.insert({ project: PROJECT, zone: ZONE, requestId: 'exp42-up-1', instanceResource: notebookInstance('exp43', ZONE) }),
    );
    assert.equal(bad.code, 400);
    assert.match(bad.message, /must be a valid UUID/);
  });
});

test('inserting a name that exists in the zone is 409 alreadyExists; another zone is fine', async () => {
  await withHarness(async (h) => {
    await insert(h, 'exp42');
    const conflict = await rejection(h.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: notebookInstance('exp42', ZONE) }));
    assert.equal(conflict.code, 409);
    assert.equal(conflict.reason, 'alreadyExists');
    assert.equal(conflict.message, `The resource 'projects/${PROJECT}/zones/${ZONE}/instances/exp42' already exists`);
    await insert(h, 'exp42', 'us-central1-b');
    assert.equal(h.compute.instances().length, 2);
  });
});

test('insert refuses what Compute refuses', async () => {
  await withHarness(async (h) => {
    const cases: { why: string; body: Record<string, unknown>; zone?: string; code: number; message: RegExp }[] = [
      { why: 'bad name', body: notebookInstance('Exp_42', ZONE), code: 400, message: /resource\.name.*Must be a match of regex/ },
      {
        why: 'T4 on a G2 machine',
        body: { ...notebookInstance('exp42', ZONE, { machineType: 'g2-standard-8' }), guestAccelerators: [{ acceleratorType: `zones/${ZONE}/acceleratorTypes/nvidia-tesla-t4`, acceleratorCount: 1 }] },
        code: 400,
        message: /only be attached to N1/,
      },
      { why: 'GPU the zone lacks', body: notebookInstance('exp42', ZONE, { gpu: 'nvidia-tesla-p100' }), code: 400, message: /'nvidia-tesla-p100' does not exist in zone us-central1-a/ },
      { why: 'GPU VM that would live-migrate', body: { ...notebookInstance('exp42', ZONE), scheduling: { automaticRestart: true } }, code: 400, message: /do not support live migration/ },
      { why: 'A2 in a zone without A100', body: notebookInstance('exp42', 'us-east1-d', { machineType: 'a2-highgpu-1g' }), zone: 'us-east1-d', code: 400, message: /'a2-highgpu-1g' does not exist in zone 'us-east1-d'/ },
      { why: 'label value with capitals', body: notebookInstance('exp42', ZONE, { labels: { 'gpubot-owner': 'U123' } }), code: 400, message: /Label value 'U123' violates/ },
      { why: 'label key with a dot', body: notebookInstance('exp42', ZONE, { labels: { 'team.name': 'x' } }), code: 400, message: /Label key 'team.name' violates/ },
      { why: 'bare machine type name', body: { ...notebookInstance('exp42', ZONE), machineType: 'n1-standard-8' }, code: 400, message: /The URL is malformed/ },
      {
        why: 'unknown image family',
        body: { ...notebookInstance('exp42', ZONE), disks: [{ boot: true, initializeParams: { sourceImage: 'projects/deeplearning-platform-release/global/images/family/tf-9-9' } }] },
        code: 404,
        message: /family\/tf-9-9' was not found/,
      },
    ];
    for (const c of cases) {
      const error = await rejection(h.instances.insert({ project: PROJECT, zone: c.zone ?? ZONE, instanceResource: c.body }));
      assert.equal(error.code, c.code, c.why);
      assert.match(error.message, c.message, c.why);
    }
    assert.equal(h.compute.instances().length, 0);

    // The GPU machine families that bring their own GPUs need no guestAccelerators.
    await insert(h, 'l4box', ZONE, { machineType: 'g2-standard-8' });
    const [l4] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'l4box' });
    assert.match(l4.guestAccelerators?.[0]?.acceleratorType ?? '', /nvidia-l4$/);
  });
});

test('a stockout fails inserts in that zone only, leaving nothing behind', async () => {
  await withHarness(async (h) => {
    h.compute.stockout(ZONE);
    const op = await insert(h, 'exp42');
    assert.equal(await status(h, 'exp42'), 'PROVISIONING');
    h.clock.advance(TEST_TIMINGS.operationMs);
    const failed = await waitDone(h, ZONE, op.name);
    assert.equal(failed.status, 'DONE');
    assert.equal(failed.error?.errors?.[0]?.code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    assert.equal(
      failed.error?.errors?.[0]?.message,
      `The zone 'projects/${PROJECT}/zones/${ZONE}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.`,
    );
    assert.equal(failed.httpErrorStatusCode, 503);
    assert.equal((await rejection(h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' }))).code, 404);

    const elsewhere = await insert(h, 'exp42', 'us-central1-b');
    h.clock.advance(TEST_TIMINGS.operationMs);
    assertNoError(await waitDone(h, 'us-central1-b', elsewhere.name));

    h.compute.clearStockout(ZONE);
    const retry = await insert(h, 'exp42');
    h.clock.advance(TEST_TIMINGS.operationMs);
    assertNoError(await waitDone(h, ZONE, retry.name));
  });
});

test('a stockout of one GPU type spares other shapes in the zone', async () => {
  await withHarness(async (h) => {
    h.compute.stockout(ZONE, 'nvidia-tesla-t4');
    const t4 = await insert(h, 't4box');
    const l4 = await insert(h, 'l4box', ZONE, { machineType: 'g2-standard-4' });
    h.clock.advance(TEST_TIMINGS.operationMs);
    assert.equal((await waitDone(h, ZONE, t4.name)).error?.errors?.[0]?.code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    assertNoError(await waitDone(h, ZONE, l4.name));
  });
});

test('quota: the operation fails naming the quota and the region, and nothing is created', async () => {
  await withHarness(async (h) => {
    h.compute.quota('NVIDIA_T4_GPUS', 'us-central1', 1);
    const first = await insert(h, 'one');
    const second = await insert(h, 'two', 'us-central1-b');
    h.clock.advance(TEST_TIMINGS.operationMs);
    assertNoError(await waitDone(h, ZONE, first.name));
    const refused = await waitDone(h, 'us-central1-b', second.name);
    assert.equal(refused.error?.errors?.[0]?.code, 'QUOTA_EXCEEDED');
    assert.equal(refused.error?.errors?.[0]?.message, "Quota 'NVIDIA_T4_GPUS' exceeded.  Limit: 1.0 in region us-central1.");
    assert.equal(refused.error?.errors?.[0]?.errorDetails?.[0]?.quotaInfo?.metricName, 'compute.googleapis.com/nvidia_t4_gpus');
    assert.equal(refused.httpErrorStatusCode, 403);
    assert.deepEqual(
      h.compute.instances().map((i) => i.name),
      ['one'],
    );

    // Another region has its own quota.
    const west = await insert(h, 'two', 'us-west1-b');
    h.clock.advance(TEST_TIMINGS.operationMs);
    assertNoError(await waitDone(h, 'us-west1-b', west.name));

    // A stopped VM holds no GPU quota.
    h.clock.advance(10_000);
    await h.instances.stop({ project: PROJECT, zone: ZONE, instance: 'one' });
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    const third = await insert(h, 'three', 'us-central1-b');
    h.clock.advance(TEST_TIMINGS.operationMs);
    assertNoError(await waitDone(h, 'us-central1-b', third.name));
  });
});

test('quota as an HTTP 403 on the call itself', async () => {
  await withHarness(async (h) => {
    h.compute.quota('GPUS_ALL_REGIONS', 'global', 0, { as: 'http' });
    const error = await rejection(h.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: notebookInstance('exp42', ZONE) }));
    assert.equal(error.code, 403);
    assert.equal(error.reason, 'quotaExceeded');
    assert.equal(error.message, "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 0.0 globally.");
    // CPU-only boxes are not GPUs.
    const cpu = { ...notebookInstance('cpu', ZONE), guestAccelerators: [], scheduling: { onHostMaintenance: 'MIGRATE' } };
    await h.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: cpu });
    assert.equal(h.compute.instances().length, 1);
  });
});

test('a preempted Spot VM stops and the preemption shows in zoneOperations.list with its filter', async () => {
  await withHarness(async (h) => {
    await insert(h, 'spot1', ZONE, { spot: true });
    await insert(h, 'steady');
    h.clock.advance(10_000);
    assert.throws(() => h.compute.preempt('steady'), /not a Spot VM/);
    h.compute.preempt('spot1');
    assert.equal(await status(h, 'spot1'), 'STOPPING');
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    const [stopped] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'spot1' });
    assert.equal(stopped.status, 'TERMINATED');
    assert.ok(stopped.lastStopTimestamp);

    const [ops] = await h.operations.list(
      { project: PROJECT, zone: ZONE, filter: 'operationType = "compute.instances.preempted"' },
      { autoPaginate: false },
    );
    assert.equal(ops.length, 1);
    assert.equal(ops[0]?.targetId, stopped.id);
    assert.equal(ops[0]?.status, 'DONE');
    assert.equal(ops[0]?.statusMessage, 'Instance was preempted.');
    assert.match(ops[0]?.targetLink ?? '', /\/instances\/spot1$/);

    const [all] = await h.operations.list({ project: PROJECT, zone: ZONE }, { autoPaginate: false });
    assert.equal(all.length, 3);
  });
});

test('a Spot VM whose termination action is DELETE is gone after preemption', async () => {
  await withHarness(async (h) => {
    const body = notebookInstance('spot2', ZONE, { spot: true });
    body.scheduling = { provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE', onHostMaintenance: 'TERMINATE' };
    await h.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: body });
    h.clock.advance(10_000);
    h.compute.preempt('spot2');
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    assert.equal((await rejection(h.instances.get({ project: PROJECT, zone: ZONE, instance: 'spot2' }))).code, 404);
  });
});

test('aggregatedList finds our boxes across zones by label, page by page', async () => {
  await withHarness(async (h) => {
    await insert(h, 'a1', 'us-central1-a');
    await insert(h, 'b1', 'us-central1-b');
    await insert(h, 'b2', 'us-central1-b', { labels: { 'gpubot-owner': 'u999' } });
    await insert(h, 'e1', 'europe-west4-a');
    await insert(h, 'w1', 'us-west1-b');
    h.compute.consoleCreate({ zone: 'asia-east1-a', name: 'orphan', labels: { 'managed-by': 'gpubot', 'gpubot-owner': 'u123' } });
    h.compute.consoleCreate({ zone: 'asia-east1-a', name: 'someone-elses', labels: { team: 'vision' } });
    h.clock.advance(10_000);

    const found: string[] = [];
    const scopes = new Set<string>();
    for await (const [scope, list] of h.instances.aggregatedListAsync(
      { project: PROJECT, filter: 'labels.managed-by = "gpubot" AND labels.gpubot-owner=u123', maxResults: 2, returnPartialSuccess: true },
      { autoPaginate: false },
    )) {
      scopes.add(scope);
      for (const instance of list.instances ?? []) found.push(`${scope}/${instance.name ?? ''}`);
    }
    assert.deepEqual(found.sort(), [
      'zones/asia-east1-a/orphan',
      'zones/europe-west4-a/e1',
      'zones/us-central1-a/a1',
      'zones/us-central1-b/b1',
      'zones/us-west1-b/w1',
    ]);
    assert.equal(scopes.size, ZONES.length, 'every zone is a scope of every page');
    assert.equal(h.compute.count('instances.aggregatedList'), 3, '5 matches at 2 per page');

    const running: string[] = [];
    for await (const [, list] of h.instances.aggregatedListAsync({ project: PROJECT, filter: '(status = RUNNING) (name = "b2")' }, { autoPaginate: false })) {
      for (const instance of list.instances ?? []) running.push(instance.name ?? '');
    }
    assert.deepEqual(running, ['b2']);

    const badFilter = await rejection(h.instances.list({ project: PROJECT, zone: ZONE, filter: 'labels.x = ' }, { autoPaginate: false }));
    assert.equal(badFilter.code, 400);
  });
});

test('aggregatedList with returnPartialSuccess marks an unreachable zone with an UNREACHABLE warning; without it the call fails', async () => {
  await withHarness(async (h) => {
    await insert(h, 'a1');
    await insert(h, 'b1', 'us-central1-b');
    h.compute.unreachable('us-central1-b');
    // The client's aggregatedListAsync yields scopes only, so read the page itself.
    const page = (await (await fetch(`${h.url}/compute/v1/projects/${PROJECT}/aggregated/instances?returnPartialSuccess=true`)).json()) as {
      unreachables?: string[];
      items: Record<string, { instances?: unknown[]; warning?: { code: string; data: { key: string; value: string }[] } }>;
    };
    assert.deepEqual(page.unreachables, ['zones/us-central1-b']);
    const scope = page.items['zones/us-central1-b'];
    assert.equal(scope?.warning?.code, 'UNREACHABLE');
    assert.deepEqual(scope?.warning?.data, [{ key: 'scope', value: 'zones/us-central1-b' }]);
    assert.equal(scope?.instances, undefined, 'its VMs are absent from the page');
    const names: string[] = [];
    for await (const [, list] of h.instances.aggregatedListAsync({ project: PROJECT, returnPartialSuccess: true }, { autoPaginate: false })) {
      for (const instance of list.instances ?? []) names.push(instance.name ?? '');
    }
    assert.deepEqual(names, ['a1']);
    assert.equal(await status(h, 'b1', 'us-central1-b'), 'PROVISIONING', 'a direct get still reaches the zone');
    const whole = await fetch(`${h.url}/compute/v1/projects/${PROJECT}/aggregated/instances`);
    assert.equal(whole.status, 503);
    h.compute.unreachable('us-central1-b', false);
    assert.equal((await fetch(`${h.url}/compute/v1/projects/${PROJECT}/aggregated/instances`)).status, 200);
  });
});

test('with a listing lag, a new instance is missing from lists until it is old enough, while get finds it at once', async () => {
  await withHarness(async (h) => {
    h.compute.listingLag(5_000);
    await insert(h, 'fresh');
    const listed = async () => {
      const [items] = await h.instances.list({ project: PROJECT, zone: ZONE }, { autoPaginate: false });
      return items.map((i) => i.name);
    };
    assert.deepEqual(await listed(), []);
    assert.equal(await status(h, 'fresh'), 'PROVISIONING');
    h.clock.advance(5_000);
    assert.deepEqual(await listed(), ['fresh']);
  });
});

test('a hung call gets no answer until released; after: acting carries it out first', async () => {
  await withHarness(async (h) => {
    h.compute.hang('instances.insert', { after: 'acting' });
    const controller = new AbortController();
    const pending = fetch(`${h.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notebookInstance('lost-answer', ZONE)),
      signal: controller.signal,
    });
    const outcome = await Promise.race([pending.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('hung'), 300))]);
    assert.equal(outcome, 'hung');
    assert.equal(h.compute.instance('lost-answer')?.status, 'PROVISIONING', 'the insert was carried out');
    controller.abort();
    await pending.catch(() => undefined);
    h.compute.hang('instances.get');
    const gets = h.compute.count('instances.get');
    const get = fetch(`${h.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/lost-answer`);
    while (h.compute.count('instances.get') === gets) await new Promise((resolve) => setTimeout(resolve, 10));
    h.compute.releaseHangs();
    assert.equal((await get).status, 503);
    assert.equal(await status(h, 'lost-answer'), 'PROVISIONING', 'the next call answers');
  });
});

test('a fault policy is asked about every call: it can fail one method and let the others through', async () => {
  await withHarness(async (h) => {
    let asked = 0;
    h.compute.faults((method) => {
      asked++;
      return method === 'instances.get' ? computeHttpError(503, 'backendError', 'The service is currently unavailable.') : null;
    });
    await insert(h, 'chaotic');
    const got = await fetch(`${h.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/chaotic`);
    assert.equal(got.status, 503);
    assert.equal(asked, 2);
    h.compute.faults(null);
    assert.equal(await status(h, 'chaotic'), 'PROVISIONING');
  });
});

test('images.getFromFamily gives the newest DLVM image of a family; unknown families are 404', async () => {
  await withHarness(async (h) => {
    const [image] = await h.images.getFromFamily({ project: 'deeplearning-platform-release', family: 'common-cu128-ubuntu-2204-nvidia-570' });
    assert.equal(image.name, 'common-cu128-ubuntu-2204-nvidia-570-v20250815');
    assert.equal(image.family, 'common-cu128-ubuntu-2204-nvidia-570');
    assert.equal(image.status, 'READY');
    const [pytorch] = await h.images.getFromFamily({ project: 'deeplearning-platform-release', family: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' });
    assert.match(pytorch.selfLink ?? '', /projects\/deeplearning-platform-release\/global\/images\/pytorch-2-7-/);
    const missing = await rejection(h.images.getFromFamily({ project: 'deeplearning-platform-release', family: 'tf-1-15-cu110' }));
    assert.equal(missing.code, 404);
  });
});

test('Jupyter comes up after RUNNING: proxy-url lands in metadata and the guest attribute says ready', async () => {
  await withHarness(async (h) => {
    await insert(h, 'exp42');
    h.clock.advance(TEST_TIMINGS.provisioningMs + TEST_TIMINGS.stagingMs);
    const [early] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(early.status, 'RUNNING');
    assert.equal(early.metadata?.items?.find((i) => i.key === 'proxy-url'), undefined);
    const notYet = await rejection(h.instances.getGuestAttributes({ project: PROJECT, zone: ZONE, instance: 'exp42', queryPath: 'notebooks/' }));
    assert.equal(notYet.code, 404);

    h.clock.advance(TEST_TIMINGS.jupyterReadyMs);
    const [ready] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    const proxyUrl = ready.metadata?.items?.find((i) => i.key === 'proxy-url')?.value ?? '';
    assert.match(proxyUrl, /^https:\/\/[0-9a-f]{16}-dot-us-central1\.notebooks\.googleusercontent\.com\/$/);
    assert.notEqual(ready.metadata?.fingerprint, early.metadata?.fingerprint);
    const [attributes] = await h.instances.getGuestAttributes({ project: PROJECT, zone: ZONE, instance: 'exp42', queryPath: 'notebooks/' });
    assert.deepEqual(
      attributes.queryValue?.items?.map((i) => [i.namespace, i.key, i.value]),
      [['notebooks', 'jupyter', 'ready']],
    );
    const [single] = await h.instances.getGuestAttributes({ project: PROJECT, zone: ZONE, instance: 'exp42', variableKey: 'notebooks/jupyter' });
    assert.equal(single.variableValue, 'ready');

    // After a stop and start the URL is the same, and readiness is earned again.
    await h.instances.stop({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    await h.instances.start({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    h.clock.advance(TEST_TIMINGS.stagingMs);
    assert.equal(
      (await rejection(h.instances.getGuestAttributes({ project: PROJECT, zone: ZONE, instance: 'exp42', variableKey: 'notebooks/jupyter' }))).code,
      404,
    );
    h.clock.advance(TEST_TIMINGS.jupyterReadyMs);
    const [again] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(again.metadata?.items?.filter((i) => i.key === 'proxy-url').length, 1);
    assert.equal(again.metadata?.items?.find((i) => i.key === 'proxy-url')?.value, proxyUrl);
  });
});

test('no proxy-url without proxy-mode, and guest attributes need enable-guest-attributes', async () => {
  await withHarness(async (h) => {
    const body = notebookInstance('plain', ZONE);
    body.metadata = { items: [{ key: 'install-nvidia-driver', value: 'True' }] };
    await h.instances.insert({ project: PROJECT, zone: ZONE, instanceResource: body });
    h.clock.advance(60_000);
    const [plain] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'plain' });
    assert.equal(plain.metadata?.items?.some((i) => i.key === 'proxy-url'), false);
    const disabled = await rejection(h.instances.getGuestAttributes({ project: PROJECT, zone: ZONE, instance: 'plain', queryPath: 'notebooks/' }));
    assert.equal(disabled.code, 400);
    assert.match(disabled.message, /enable-guest-attributes/);
  });
});

test('a missing instance is 404 notFound with the resource path, as the client reports it', async () => {
  await withHarness(async (h) => {
    const error = await rejection(h.instances.get({ project: PROJECT, zone: ZONE, instance: 'nope' }));
    assert.equal(error.code, 404);
    assert.equal(error.reason, 'notFound');
    assert.equal(error.message, `The resource 'projects/${PROJECT}/zones/${ZONE}/instances/nope' was not found`);
    const badZone = await rejection(h.instances.get({ project: PROJECT, zone: 'us-central1-z', instance: 'nope' }));
    assert.equal(badZone.code, 400);
    assert.match(badZone.message, /Unknown zone/);
    const op = await rejection(h.operations.get({ project: PROJECT, zone: ZONE, operation: 'operation-1-2-3-4' }));
    assert.equal(op.code, 404);
  });
});

test('stop, start and delete move the instance like Compute does', async () => {
  await withHarness(async (h) => {
    await insert(h, 'exp42');
    h.clock.advance(10_000);

    // Starting a running instance is a no-op that is DONE at once.
    const [noop] = await h.instances.start({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(noop.latestResponse && 'status' in noop.latestResponse ? noop.latestResponse.status : undefined, 'DONE');

    const [stopOp] = await h.instances.stop({ project: PROJECT, zone: ZONE, instance: 'exp42', requestId: REQUEST_ID });
    assert.equal(await status(h, 'exp42'), 'STOPPING');
    const restart = await rejection(h.instances.start({ project: PROJECT, zone: ZONE, instance: 'exp42' }));
    assert.equal(restart.code, 400);
    assert.equal(restart.reason, 'resourceNotReady');
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    const stopName = stopOp.latestResponse && 'name' in stopOp.latestResponse ? String(stopOp.latestResponse.name) : '';
    assert.equal((await waitDone(h, ZONE, stopName)).status, 'DONE');
    const [stopped] = await h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(stopped.status, 'TERMINATED');
    assert.equal(stopped.cpuPlatform, 'Unknown CPU Platform');
    assert.equal(Date.parse(stopped.lastStopTimestamp ?? ''), h.clock.time);
    assert.equal(stopped.networkInterfaces?.[0]?.accessConfigs?.[0]?.natIP ?? null, null, 'the ephemeral IP is released');

    await h.instances.start({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(await status(h, 'exp42'), 'STAGING');
    h.clock.advance(TEST_TIMINGS.stagingMs);
    assert.equal(await status(h, 'exp42'), 'RUNNING');

    const [deleteOp] = await h.instances.delete({ project: PROJECT, zone: ZONE, instance: 'exp42' });
    assert.equal(await status(h, 'exp42'), 'STOPPING');
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    const deleteName = deleteOp.latestResponse && 'name' in deleteOp.latestResponse ? String(deleteOp.latestResponse.name) : '';
    const deleted = await waitDone(h, ZONE, deleteName);
    assert.equal(deleted.status, 'DONE');
    assert.equal(deleted.operationType, 'delete');
    assert.equal((await rejection(h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' }))).code, 404);
    assert.equal((await rejection(h.instances.stop({ project: PROJECT, zone: ZONE, instance: 'exp42' }))).code, 404);
  });
});

test('someone in the console stops and deletes boxes; the operations say who', async () => {
  await withHarness(async (h) => {
    await insert(h, 'exp42');
    await insert(h, 'exp43');
    h.clock.advance(10_000);
    h.compute.consoleStop('exp42');
    h.compute.consoleDelete('exp43');
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    assert.deepEqual(
      h.compute.instances().map((i) => [i.name, i.status]),
      [['exp42', 'TERMINATED']],
    );
    const [ops] = await h.operations.list({ project: PROJECT, zone: ZONE, filter: 'user = "someone@example.com"' }, { autoPaginate: false });
    assert.deepEqual(
      ops.map((o) => o.operationType),
      ['stop', 'delete'],
    );
  });
});

test('failNext makes the next call fail once; the call log counts every call', async () => {
  await withHarness(async (h) => {
    await insert(h, 'exp42');
    h.compute.failNext('instances.get', computeHttpError(503, 'backendError', 'Internal error. Please try again or contact Google Support.'));
    const failure = await rejection(h.instances.get({ project: PROJECT, zone: ZONE, instance: 'exp42' }));
    assert.equal(failure.code, 503);
    assert.equal(await status(h, 'exp42'), 'PROVISIONING');
    assert.deepEqual(
      h.compute.calls.map((c) => c.method),
      ['instances.insert', 'instances.get', 'instances.get'],
    );
    assert.equal(h.compute.calls[1]?.path, `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances/exp42`);
  });
});

test('accelerator and machine type catalogues follow the zone', async () => {
  await withHarness(async (h) => {
    const [types] = await h.acceleratorTypes.list({ project: PROJECT, zone: 'us-central1-c' }, { autoPaginate: false });
    assert.deepEqual(
      types.map((t) => t.name).sort(),
      [...(ZONE_ACCELERATORS['us-central1-c'] ?? [])].sort(),
    );
    const [h100] = await h.acceleratorTypes.get({ project: PROJECT, zone: ZONE, acceleratorType: 'nvidia-h100-80gb' });
    assert.equal(h100.maximumCardsPerInstance, 8);

    const h100Zones: string[] = [];
    for await (const [scope, list] of h.acceleratorTypes.aggregatedListAsync({ project: PROJECT, filter: 'name = nvidia-h100-80gb' }, { autoPaginate: false })) {
      if ((list.acceleratorTypes ?? []).length > 0) h100Zones.push(scope.replace('zones/', ''));
    }
    assert.deepEqual(
      h100Zones.sort(),
      ZONES.filter((z) => ZONE_ACCELERATORS[z]?.includes('nvidia-h100-80gb')),
    );

    const [machines] = await h.machineTypes.list({ project: PROJECT, zone: 'us-east1-d' }, { autoPaginate: false });
    assert.deepEqual(
      machines.map((m) => m.name),
      zoneMachineTypes('us-east1-d').map((m) => m.name),
    );
    assert.ok(machines.every((m) => !m.name?.startsWith('a2-')), 'no A100 machines where there are no A100s');
    const [a2] = await h.machineTypes.get({ project: PROJECT, zone: ZONE, machineType: 'a2-highgpu-1g' });
    assert.equal(a2.guestCpus, 12);
    assert.deepEqual(
      a2.accelerators?.map((a) => [a.guestAcceleratorType, a.guestAcceleratorCount]),
      [['nvidia-tesla-a100', 1]],
    );
    assert.equal((await rejection(h.machineTypes.get({ project: PROJECT, zone: 'us-east1-d', machineType: 'a2-highgpu-1g' }))).code, 404);
  });
});

test('zoneOperations.wait blocks until the operation is DONE, or answers RUNNING after waitMaxMs', async () => {
  const compute = new ComputeSandbox({ project: PROJECT, timings: { ...TEST_TIMINGS, operationMs: 150, waitMaxMs: 400 } });
  const sandbox = await startGoogleSandbox({ handlers: [compute] });
  try {
    const request = (method: string, path: string, body?: unknown) =>
      fetch(`${sandbox.url}/compute/v1/projects/${PROJECT}/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    // Timed from before the insert: on a busy machine the insert's own answer can take most of the
    // operation's 150 ms, and the wait then rightly holds for less.
    const started = performance.now();
    const inserted = await request('POST', `zones/${ZONE}/instances`, notebookInstance('exp42', ZONE));
    assert.equal(inserted.status, 200);
    const waited = await request('POST', `zones/${ZONE}/operations/${String(inserted.body.name)}/wait`);
    assert.equal(waited.body.status, 'DONE');
    assert.ok(performance.now() - started >= 145, 'wait held the call until the operation finished');

    const slow = new ComputeSandbox({ project: PROJECT, timings: { ...TEST_TIMINGS, operationMs: 60_000, waitMaxMs: 50 } });
    const answer = await slow.handle({
      method: 'POST',
      path: `/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances`,
      query: new URLSearchParams(),
      body: notebookInstance('exp42', ZONE),
      headers: {},
    });
    const op = answer?.body as { name: string };
    const held = await slow.handle({
      method: 'POST',
      path: `/compute/v1/projects/${PROJECT}/zones/${ZONE}/operations/${op.name}/wait`,
      query: new URLSearchParams(),
      body: undefined,
      headers: {},
    });
    assert.equal((held?.body as { status: string }).status, 'RUNNING');
  } finally {
    await sandbox.close();
  }
});

test('the server answers unknown paths with a 404 and malformed JSON with a 400, in Google error envelopes', async () => {
  const sandbox = await startGoogleSandbox({ handlers: [new ComputeSandbox({ project: PROJECT })] });
  try {
    const unknown = await fetch(`${sandbox.url}/nothing/here`);
    assert.equal(unknown.status, 404);
    const unknownBody = (await unknown.json()) as { error: { code: number; status: string; errors: { reason: string }[] } };
    assert.equal(unknownBody.error.code, 404);
    assert.equal(unknownBody.error.status, 'NOT_FOUND');
    assert.equal(unknownBody.error.errors[0]?.reason, 'notFound');

    const malformed = await fetch(`${sandbox.url}/compute/v1/projects/${PROJECT}/zones/${ZONE}/instances`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": ',
    });
    assert.equal(malformed.status, 400);
    const malformedBody = (await malformed.json()) as { error: { status: string; message: string } };
    assert.equal(malformedBody.error.status, 'INVALID_ARGUMENT');
    assert.match(malformedBody.error.message, /^Invalid JSON payload received/);
  } finally {
    await sandbox.close();
  }
});
