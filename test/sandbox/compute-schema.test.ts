import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPUTE_METHODS } from '../../src/sandbox/google/compute.js';
import type { SandboxRequest, SandboxResponse } from '../../src/sandbox/google/server.js';
import { PROJECT, TEST_TIMINGS, notebookInstance, startComputeHarness } from './compute-harness.js';
import { ProtoSchema } from './proto-schema.js';

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection in compute schema test: ${String(reason)}\n`);
});

const schema = ProtoSchema.loadCompute();
const SERVICES = ['Instances', 'ZoneOperations', 'AcceleratorTypes', 'MachineTypes', 'Zones', 'Regions', 'Images'];
const DLVM = 'deeplearning-platform-release';

test('the validator rejects unknown fields, bad enum values and wrong scalar types', () => {
  const good = {
    kind: 'compute#instance',
    id: '1234567890123456789',
    name: 'exp42',
    status: 'RUNNING',
    labels: { 'managed-by': 'gpubot' },
    scheduling: { onHostMaintenance: 'TERMINATE', automaticRestart: true },
    guestAccelerators: [{ acceleratorType: 'zones/z/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 1 }],
  };
  assert.deepEqual(schema.validate('Instance', good), []);

  const cases: { why: string; type: string; value: unknown; problem: RegExp }[] = [
    { why: 'unknown field', type: 'Instance', value: { ...good, nmae: 'exp42' }, problem: /no field 'nmae'/ },
    { why: 'snake_case name', type: 'Instance', value: { creation_timestamp: 'x' }, problem: /no field 'creation_timestamp'/ },
    { why: 'status outside Instance.Status', type: 'Instance', value: { ...good, status: 'EXPLODED' }, problem: /"EXPLODED" is not a value of .*Instance\.Status/ },
    { why: 'proto default never sent', type: 'Instance', value: { status: 'UNDEFINED_STATUS' }, problem: /not a value of/ },
    { why: 'nested sibling enum', type: 'Instance', value: { scheduling: { onHostMaintenance: 'LIVE' } }, problem: /Scheduling\.OnHostMaintenance/ },
    { why: 'enum-typed field', type: 'Operation', value: { status: 'FINISHED' }, problem: /"FINISHED" is not a value of .*Operation\.Status/ },
    { why: 'int32 as a word', type: 'AcceleratorConfig', value: { acceleratorCount: 'one' }, problem: /expected an int32/ },
    { why: 'uint64 with letters', type: 'Instance', value: { id: '12ab' }, problem: /expected an uint64/ },
    { why: 'map of non-strings', type: 'Instance', value: { labels: { a: 1 } }, problem: /labels\["a"\]: expected a string/ },
    { why: 'repeated as object', type: 'Instance', value: { disks: {} }, problem: /disks: expected an array/ },
    { why: 'unknown field deep down', type: 'Operation', value: { error: { errors: [{ code: 'X', reason: 'y' }] } }, problem: /error\.errors\[0\]\.reason: no field/ },
  ];
  for (const c of cases) {
    const problems = schema.validate(c.type, c.value);
    assert.ok(
      problems.some((p) => c.problem.test(p)),
      `${c.why}: expected a problem matching ${String(c.problem)}, got ${JSON.stringify(problems)}`,
    );
  }
});

test('every sandbox route answers with JSON that fits the Compute protos, and takes request bodies that do', async () => {
  const exchanges: { req: SandboxRequest; res: SandboxResponse }[] = [];
  const h = await startComputeHarness({
    wrap: (compute) => ({
      async handle(req) {
        const res = await compute.handle(req);
        if (res) exchanges.push({ req, res });
        return res;
      },
    }),
  });
  try {
    const zone = 'us-central1-a';
    const op = async (lro: { latestResponse?: unknown }) => {
      const latest = lro.latestResponse as { name?: string | null; zone?: string | null };
      const opZone = (latest.zone ?? '').split('/').pop() ?? zone;
      return h.operations.wait({ project: PROJECT, zone: opZone, operation: latest.name ?? '' });
    };

    // Creation: a T4 box, an L4 box, a Spot box, one that meets a stockout, one refused for quota.
    h.compute.stockout('us-central1-f');
    h.compute.quota('NVIDIA_L4_GPUS', 'us-east1', 0);
    const [insert] = await h.instances.insert({
      project: PROJECT,
      zone,
      requestId: '0d9b3c2a-1f4e-4b6d-8a7c-5e6f7a8b9c0d',
      instanceResource: { ...notebookInstance('exp42', zone), description: 'exp42 for u123', tags: { items: ['jupyter'] } },
    });
    await h.instances.insert({ project: PROJECT, zone: 'us-central1-b', instanceResource: notebookInstance('l4box', 'us-central1-b', { machineType: 'g2-standard-8' }) });
    await h.instances.insert({ project: PROJECT, zone, instanceResource: notebookInstance('spot1', zone, { spot: true }) });
    // Flex-start on A3: a Duration, a gVNIC interface and a reservation affinity, both ways through the protos.
    const a3 = notebookInstance('flex1', zone, { machineType: 'a3-highgpu-1g' });
    await h.instances.insert({
      project: PROJECT,
      zone,
      instanceResource: {
        ...a3,
        networkInterfaces: [{ ...a3.networkInterfaces[0], nicType: 'GVNIC' }],
        scheduling: { provisioningModel: 'FLEX_START', maxRunDuration: { seconds: 28800 }, instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE', automaticRestart: false },
        reservationAffinity: { consumeReservationType: 'NO_RESERVATION' },
      },
    });
    await h.instances.get({ project: PROJECT, zone, instance: 'flex1' });
    const [doomed] = await h.instances.insert({ project: PROJECT, zone: 'us-central1-f', instanceResource: notebookInstance('doomed', 'us-central1-f') });
    const [refused] = await h.instances.insert({
      project: PROJECT,
      zone: 'us-east1-c',
      instanceResource: notebookInstance('nol4', 'us-east1-c', { machineType: 'g2-standard-4' }),
    });
    await h.instances.get({ project: PROJECT, zone, instance: 'exp42' });
    const insertName = (insert.latestResponse as { name: string }).name;
    await h.operations.get({ project: PROJECT, zone, operation: insertName });
    h.clock.advance(TEST_TIMINGS.operationMs);
    await op(insert);
    const [failedStockout] = await op(doomed);
    assert.equal(failedStockout.error?.errors?.[0]?.code, 'ZONE_RESOURCE_POOL_EXHAUSTED');
    const [failedQuota] = await op(refused);
    assert.equal(failedQuota.error?.errors?.[0]?.code, 'QUOTA_EXCEEDED');

    // Running, Jupyter up.
    h.clock.advance(TEST_TIMINGS.provisioningMs + TEST_TIMINGS.stagingMs + TEST_TIMINGS.jupyterReadyMs);
    const [running] = await h.instances.get({ project: PROJECT, zone, instance: 'exp42' });
    await h.instances.list({ project: PROJECT, zone, filter: 'labels.managed-by = gpubot' }, { autoPaginate: false });
    for await (const entry of h.instances.aggregatedListAsync({ project: PROJECT, filter: 'labels.managed-by = "gpubot"', maxResults: 2 }, { autoPaginate: false })) {
      assert.ok(entry[0].startsWith('zones/'));
    }
    await h.instances.getGuestAttributes({ project: PROJECT, zone, instance: 'exp42', queryPath: 'notebooks/' });
    await h.instances.getGuestAttributes({ project: PROJECT, zone, instance: 'exp42', variableKey: 'notebooks/jupyter' });
    const [setMetadata] = await h.instances.setMetadata({
      project: PROJECT,
      zone,
      instance: 'exp42',
      metadataResource: {
        fingerprint: running.metadata?.fingerprint ?? '',
        items: [...(running.metadata?.items ?? []).map((i) => ({ key: i.key ?? '', value: i.value ?? '' })), { key: 'gpubot-idle-since', value: '2026-03-02T09:00:00Z' }],
      },
    });
    await op(setMetadata);
    const [setLabels] = await h.instances.setLabels({
      project: PROJECT,
      zone,
      instance: 'exp42',
      instancesSetLabelsRequestResource: { labelFingerprint: running.labelFingerprint ?? '', labels: { ...running.labels, 'gpubot-state': 'idle' } },
    });
    await op(setLabels);

    // Preemption, stop, start, delete.
    h.compute.preempt('spot1');
    await h.operations.list({ project: PROJECT, zone, filter: 'operationType = "compute.instances.preempted"' }, { autoPaginate: false });
    const [stop] = await h.instances.stop({ project: PROJECT, zone, instance: 'exp42' });
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    await op(stop);
    await h.instances.get({ project: PROJECT, zone, instance: 'exp42' });
    const [start] = await h.instances.start({ project: PROJECT, zone, instance: 'exp42' });
    h.clock.advance(TEST_TIMINGS.stagingMs);
    await op(start);
    const [remove] = await h.instances.delete({ project: PROJECT, zone: 'us-central1-b', instance: 'l4box' });
    h.clock.advance(TEST_TIMINGS.stoppingMs);
    await op(remove);
    await h.operations.list({ project: PROJECT, zone }, { autoPaginate: false });

    // Catalogues.
    await h.acceleratorTypes.get({ project: PROJECT, zone, acceleratorType: 'nvidia-tesla-t4' });
    await h.acceleratorTypes.list({ project: PROJECT, zone }, { autoPaginate: false });
    for await (const entry of h.acceleratorTypes.aggregatedListAsync({ project: PROJECT, filter: 'name = nvidia-l4' }, { autoPaginate: false })) assert.ok(entry[0]);
    await h.machineTypes.get({ project: PROJECT, zone, machineType: 'a3-highgpu-1g' });
    await h.machineTypes.list({ project: PROJECT, zone }, { autoPaginate: false });
    for await (const entry of h.machineTypes.aggregatedListAsync({ project: PROJECT }, { autoPaginate: false })) assert.ok(entry[0]);
    await h.zones.get({ project: PROJECT, zone });
    await h.zones.list({ project: PROJECT }, { autoPaginate: false });
    await h.regions.get({ project: PROJECT, region: 'us-east1' });
    await h.regions.list({ project: PROJECT }, { autoPaginate: false });
    await h.images.getFromFamily({ project: DLVM, family: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' });
    await h.images.get({ project: DLVM, image: 'common-cu128-ubuntu-2204-nvidia-570-v20250701' });
    await h.images.list({ project: DLVM, filter: 'family = "common-cu128-ubuntu-2204-nvidia-570"' }, { autoPaginate: false });

    const routes = schema.httpRoutes(SERVICES);
    const answered = new Set<string>();
    const problems: string[] = [];
    for (const { req, res } of exchanges) {
      const route = routes.find((r) => r.verb === req.method && r.pattern.test(req.path));
      assert.ok(route, `the library has no RPC for ${req.method} ${req.path}`);
      if (route.bodyType && req.body !== undefined) {
        problems.push(...schema.validate(route.bodyType, req.body).map((p) => `request of ${route.rpc}: ${p}`));
      }
      assert.equal(res.status, 200, `${route.rpc} answered ${res.status}: ${JSON.stringify(res.body)}`);
      answered.add(route.method);
      problems.push(...schema.validate(route.responseType, res.body).map((p) => `response of ${route.rpc}: ${p}`));
    }
    assert.deepEqual(problems, []);
    assert.deepEqual([...answered].sort(), [...COMPUTE_METHODS].sort(), 'every route of the sandbox was exercised');
    assert.deepEqual(
      h.compute.calls.map((c) => c.method),
      exchanges.map(({ req }) => routes.find((r) => r.verb === req.method && r.pattern.test(req.path))?.method),
      'the call log names each call as the library names the RPC',
    );
  } finally {
    await h.close();
  }
});
