// The bot's insert body, built from a real box through resolveBoxSpec and instancePlan, sent by the real
// adapter to the Compute sandbox, which refuses what Compute refuses (provisioning per shape, networks,
// the external-IP organization policy, gVNIC on A3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { resolveBoxSpec } from '../../src/domain/box-request.js';
import { instancePlan, type PlanContext } from '../../src/domain/instance-plan.js';
import type { BoxRequest } from '../../src/domain/box-request.js';
import { makeBox, makeRequest } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';

const PROJECT = 'gpubot-test';
const DEFAULT_PLAN: PlanContext = { network: 'default', subnetwork: null, serviceAccount: null };

function boxFor(req: Partial<BoxRequest>) {
  const spec = resolveBoxSpec(makeRequest(req), { defaultRegion: 'us-central1' });
  assert.ok(spec.ok, JSON.stringify(spec));
  return makeBox({ name: req.name ?? 'exp42', spec: spec.value, status: 'requested' });
}

async function insert(cloud: TestCloud, req: Partial<BoxRequest>, zone: string, ctx: PlanContext = DEFAULT_PLAN) {
  const plan = instancePlan(boxFor(req), zone, ctx);
  return cloud.compute.insertInstance(plan, randomUUID());
}

function lastInsertBody(cloud: TestCloud): Record<string, unknown> {
  const body = cloud.sandbox.calls.filter((c) => c.method === 'instances.insert').at(-1)?.body;
  assert.ok(typeof body === 'object' && body !== null, 'the sandbox records the insert body');
  return body as Record<string, unknown>;
}

test('/gpu up --gpu h100 gives an insert Compute accepts: a3-highgpu-1g as Spot, gVNIC, no guestAccelerators', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    const result = await insert(cloud, { gpu: 'h100' }, 'us-central1-a');
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(cloud.sandbox.refusedInserts(), []);
    const body = lastInsertBody(cloud);
    assert.equal(body.guestAccelerators, undefined);
    assert.deepEqual(body.scheduling, { onHostMaintenance: 'TERMINATE', automaticRestart: false, provisioningModel: 'SPOT', instanceTerminationAction: 'STOP' });
    assert.equal((body.networkInterfaces as { nicType?: string }[])[0]?.nicType, 'GVNIC');
    assert.equal(cloud.sandbox.instance('exp42')?.scheduling.provisioningModel, 'SPOT');
  } finally {
    await cloud.close();
  }
});

test('/gpu up --gpu h100 --flex-start --max-run 6h sends FLEX_START with its run, stop at the end and no reservation', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    const result = await insert(cloud, { gpu: 'h100', gpuCount: 2, flexStart: true, flexMaxRunMs: 6 * 3_600_000 }, 'europe-west4-a');
    assert.ok(result.ok, JSON.stringify(result));
    const body = lastInsertBody(cloud);
    assert.deepEqual(body.scheduling, {
      onHostMaintenance: 'TERMINATE',
      automaticRestart: false,
      provisioningModel: 'FLEX_START',
      instanceTerminationAction: 'STOP',
      maxRunDuration: { seconds: '21600' },
    });
    assert.deepEqual(body.reservationAffinity, { consumeReservationType: 'NO_RESERVATION' });
    assert.deepEqual(cloud.sandbox.refusedInserts(), []);
  } finally {
    await cloud.close();
  }
});

test('the sandbox refuses an H100 1g box bought standard, as Compute does (the request the bot used to send)', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    // What the bot sent before provisioning was resolved per shape.
    const plan = { ...instancePlan(boxFor({ gpu: 'h100' }), 'us-central1-a', DEFAULT_PLAN), spot: false, provisioning: 'standard' as const };
    const result = await cloud.compute.insertInstance(plan, randomUUID());
    assert.equal(result.ok, false);
    const refused = cloud.sandbox.refusedInserts();
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.status, 400);
  } finally {
    await cloud.close();
  }
});

test('a Shared VPC network path and a subnetwork per region reach the insert as paths Compute resolves', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    cloud.sandbox.setNetworks([
      {
        project: 'host-net',
        name: 'shared',
        autoMode: false,
        subnetworks: [
          { region: 'us-central1', name: 'ml-usc1' },
          { region: 'europe-west4', name: 'ml-euw4' },
        ],
      },
    ]);
    const ctx: PlanContext = {
      network: 'projects/host-net/global/networks/shared',
      subnetwork: null,
      subnetworksByRegion: {
        'us-central1': 'projects/host-net/regions/us-central1/subnetworks/ml-usc1',
        'europe-west4': 'projects/host-net/regions/europe-west4/subnetworks/ml-euw4',
      },
      serviceAccount: null,
    };
    const us = await insert(cloud, { name: 'us-box' }, 'us-central1-a', ctx);
    assert.ok(us.ok, JSON.stringify(us));
    const eu = await insert(cloud, { name: 'eu-box', region: 'europe-west4' }, 'europe-west4-a', ctx);
    assert.ok(eu.ok, JSON.stringify(eu));
    const nic = (cloud.sandbox.instance('eu-box')?.networkInterfaces ?? [])[0] ?? {};
    assert.match(String(nic.network), /projects\/host-net\/global\/networks\/shared$/);
    assert.match(String(nic.subnetwork), /projects\/host-net\/regions\/europe-west4\/subnetworks\/ml-euw4$/);
    assert.deepEqual(cloud.sandbox.refusedInserts(), []);
  } finally {
    await cloud.close();
  }
});

test('a subnetwork given by name becomes a path in the box’s region (Compute takes no bare name)', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    const result = await insert(cloud, {}, 'us-central1-b', { network: 'default', subnetwork: 'default', serviceAccount: null });
    assert.ok(result.ok, JSON.stringify(result));
    const nic = (lastInsertBody(cloud).networkInterfaces as { subnetwork?: string }[])[0];
    assert.equal(nic?.subnetwork, 'regions/us-central1/subnetworks/default');
  } finally {
    await cloud.close();
  }
});

test('where the organization forbids external IPs, GPUBOT_EXTERNAL_IP=false boxes are created and others are refused', async () => {
  const cloud = await startTestCloud(new ManualClock(), {}, PROJECT);
  try {
    cloud.sandbox.forbidExternalIp();
    const withIp = await insert(cloud, { name: 'with-ip' }, 'us-central1-a');
    assert.equal(withIp.ok, false, 'an accessConfig violates constraints/compute.vmExternalIpAccess');
    assert.equal(cloud.sandbox.refusedInserts()[0]?.status, 412);
    const without = await insert(cloud, { name: 'no-ip' }, 'us-central1-a', { ...DEFAULT_PLAN, externalIp: false });
    assert.ok(without.ok, JSON.stringify(without));
    const nic = (cloud.sandbox.instance('no-ip')?.networkInterfaces ?? [])[0] ?? {};
    assert.equal(nic.accessConfigs, undefined);
  } finally {
    await cloud.close();
  }
});
