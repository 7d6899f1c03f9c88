// What Compute refuses, the sandbox refuses, with Compute's error envelope, driven by Google's own
// client library (@google-cloud/compute): provisioning per shape, Flex-start's run, guestAccelerators
// on machines that carry their GPUs, networks and subnetworks that do not exist or do not fit, A3
// without gVNIC, and external IPs under the organization policy.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startComputeHarness, notebookInstance, type ComputeHarness } from './compute-harness.js';

const ZONE = 'us-central1-a';
const shared = startComputeHarness();
after(async () => (await shared).close());

/** An insert body as JSON; some are wrong on purpose, so the client's types are not the judge. */
type Body = { name: string; networkInterfaces: Record<string, unknown>[]; [field: string]: unknown };
const body = (name: string, extra: Parameters<typeof notebookInstance>[2] = {}): Body => notebookInstance(name, ZONE, extra) as unknown as Body;

/** The status and Compute's error (reason, message) the client library rejects an insert with. */
async function refusal(h: ComputeHarness, insert: Body, zone = ZONE): Promise<{ code: unknown; reason: string; message: string }> {
  try {
    await h.instances.insert({ project: 'gpu-lab', zone, instanceResource: insert as never });
  } catch (error) {
    assert.ok(error instanceof Error);
    const parsed = JSON.parse(error.message) as { error: { message: string; errors: { reason: string }[] } };
    return { code: (error as Error & { code?: unknown }).code, reason: parsed.error.errors[0]?.reason ?? '', message: parsed.error.message };
  }
  return assert.fail(`expected ${insert.name} to be refused`);
}

async function accepted(h: ComputeHarness, insert: Body, zone = ZONE): Promise<void> {
  await h.instances.insert({ project: 'gpu-lab', zone, instanceResource: insert as never });
}

const a3 = (name: string, scheduling: Record<string, unknown>, nic: Record<string, unknown> = { nicType: 'GVNIC' }): Body => {
  const b = body(name, { machineType: 'a3-highgpu-1g' });
  return { ...b, scheduling, networkInterfaces: [{ ...b.networkInterfaces[0], ...nic }] };
};

test('A3 High 1g is refused as a standard VM and accepted as Spot or Flex-start', async () => {
  const h = await shared;
  h.reset();
  const standard = await refusal(h, a3('std', { onHostMaintenance: 'TERMINATE', automaticRestart: true }));
  assert.equal(standard.reason, 'invalid');
  assert.match(standard.message, /a3-highgpu-1g' is only available with the provisioning models: SPOT, FLEX_START/);
  await accepted(h, a3('spot', { provisioningModel: 'SPOT', instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE' }));
  await accepted(
    h,
    a3('flex', { provisioningModel: 'FLEX_START', maxRunDuration: { seconds: '28800' }, instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE', automaticRestart: false }),
  );
  assert.equal(h.compute.instance('flex')?.scheduling.provisioningModel, 'FLEX_START');
  // Eight H100s are sold on demand too.
  const eight = body('eight', { machineType: 'a3-highgpu-8g' });
  await accepted(h, { ...eight, networkInterfaces: [{ ...eight.networkInterfaces[0], nicType: 'GVNIC' }] });
});

test('Flex-start needs its maximum run, between 10 minutes and 7 days, and is not offered on N1', async () => {
  const h = await shared;
  h.reset();
  const flex = { provisioningModel: 'FLEX_START', instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE' };
  assert.match((await refusal(h, a3('norun', flex))).message, /must specify maxRunDuration/);
  assert.match((await refusal(h, a3('short', { ...flex, maxRunDuration: { seconds: '300' } }))).message, /between 600 and 604800 seconds/);
  assert.match((await refusal(h, a3('long', { ...flex, maxRunDuration: { seconds: String(8 * 86_400) } }))).message, /between 600 and 604800/);
  const n1 = { ...body('n1flex'), scheduling: { ...flex, maxRunDuration: { seconds: '3600' } } };
  assert.match((await refusal(h, n1)).message, /n1-standard-8' is only available with the provisioning models: STANDARD, SPOT/);
});

test('guestAccelerators on a machine type that carries its GPUs is refused', async () => {
  const h = await shared;
  h.reset();
  const a2 = body('a2', { machineType: 'a2-highgpu-1g' });
  const r = await refusal(h, { ...a2, guestAccelerators: [{ acceleratorType: `zones/${ZONE}/acceleratorTypes/nvidia-tesla-a100`, acceleratorCount: 1 }] });
  assert.equal(r.reason, 'invalidResourceUsage');
  assert.match(r.message, /a2-highgpu-1g' comes with its GPUs/);
});

test('A3 without a gVNIC interface is refused', async () => {
  const h = await shared;
  h.reset();
  const r = await refusal(h, a3('virtio', { provisioningModel: 'SPOT', onHostMaintenance: 'TERMINATE' }, { nicType: 'VIRTIO_NET' }));
  assert.match(r.message, /requires the GVNIC network interface type/);
});

test('a network or subnetwork that does not exist, or does not fit the instance, is refused', async () => {
  const h = await shared;
  h.reset();
  h.compute.setNetworks([
    { project: 'gpu-lab', name: 'default', autoMode: true, subnetworks: [{ region: 'us-central1', name: 'default' }] },
    { project: 'host-net', name: 'shared', autoMode: false, subnetworks: [{ region: 'us-central1', name: 'ml' }, { region: 'europe-west4', name: 'ml-eu' }] },
  ]);
  const base = body('n');
  const withNic = (name: string, nic: Record<string, unknown>): Body => ({ ...base, name, networkInterfaces: [nic] });
  const missing = await refusal(h, withNic('missing', { network: 'global/networks/nope' }));
  assert.equal(missing.code, 404);
  assert.match(missing.message, /projects\/gpu-lab\/global\/networks\/nope' was not found/);
  // The old bot turned a Shared VPC path into global/networks/<path>.
  assert.match((await refusal(h, withNic('mangled', { network: 'global/networks/projects/host-net/global/networks/shared' }))).message, /malformed/);
  assert.match((await refusal(h, withNic('bare', { network: 'projects/host-net/global/networks/shared', subnetwork: 'ml' }))).message, /subnetwork': 'ml'. The URL is malformed/);
  assert.match(
    (await refusal(h, withNic('far', { network: 'projects/host-net/global/networks/shared', subnetwork: 'projects/host-net/regions/europe-west4/subnetworks/ml-eu' }))).message,
    /same region as the instance: 'us-central1'/,
  );
  assert.match((await refusal(h, withNic('nosub', { network: 'projects/host-net/global/networks/shared' }))).message, /Subnetwork should be specified for custom subnetmode network/);
  assert.equal((await refusal(h, withNic('nosubnet', { subnetwork: 'regions/us-central1/subnetworks/gone' }))).code, 404);
  await accepted(h, withNic('shared-ok', { network: 'projects/host-net/global/networks/shared', subnetwork: 'projects/host-net/regions/us-central1/subnetworks/ml' }));
});

test('with the external-IP organization policy on, an accessConfig is refused as a violated constraint', async () => {
  const h = await shared;
  h.reset();
  h.compute.forbidExternalIp();
  const ext = body('ext');
  const r = await refusal(h, ext);
  assert.equal(r.code, 412);
  assert.equal(r.reason, 'conditionNotMet');
  assert.match(r.message, /Constraint constraints\/compute.vmExternalIpAccess violated for project gpu-lab/);
  await accepted(h, { ...ext, name: 'no-ext', networkInterfaces: [{ network: 'global/networks/default' }] });
  assert.equal(h.compute.refusedInserts().length, 1);
});

test('a Flex-start VM stops when its maximum run is over, and a start gives it another run', async () => {
  const h = await shared;
  h.reset();
  const scheduling = { provisioningModel: 'FLEX_START', maxRunDuration: { seconds: '600' }, instanceTerminationAction: 'STOP', onHostMaintenance: 'TERMINATE' };
  await accepted(h, a3('run', scheduling));
  h.clock.advance(60_000);
  assert.equal(h.compute.instance('run')?.status, 'RUNNING');
  h.clock.advance(600_000);
  assert.equal(h.compute.instance('run')?.status, 'TERMINATED');
  await h.instances.start({ project: 'gpu-lab', zone: ZONE, instance: 'run' });
  h.clock.advance(60_000);
  assert.equal(h.compute.instance('run')?.status, 'RUNNING');
});
