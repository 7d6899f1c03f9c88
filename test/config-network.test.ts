// GPUBOT_NETWORK, GPUBOT_SUBNETWORK and GPUBOT_EXTERNAL_IP: Shared VPC paths, a subnetwork per region,
// boxes without external IPs; and each mistake named with what would be right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  return assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

test('by default boxes use the default network, its own subnetwork and an external IP', () => {
  const c = loadConfig({});
  assert.equal(c.network, 'default');
  assert.equal(c.subnetwork, null);
  assert.deepEqual(c.subnetworksByRegion, {});
  assert.equal(c.externalIp, true);
});

test('GPUBOT_NETWORK keeps a Shared VPC path or a full URL as written', () => {
  for (const network of ['ml-vpc', 'projects/host-net/global/networks/shared', 'https://www.googleapis.com/compute/v1/projects/host-net/global/networks/shared']) {
    assert.equal(loadConfig({ GPUBOT_NETWORK: network }).network, network);
  }
  assert.match(problems({ GPUBOT_NETWORK: 'projects/host-net/networks/shared' }), /GPUBOT_NETWORK .*projects\/HOST_PROJECT\/global\/networks\/NAME/);
});

test('GPUBOT_SUBNETWORK is one subnetwork for every region, or one per region', () => {
  assert.equal(loadConfig({ GPUBOT_SUBNETWORK: 'ml-subnet' }).subnetwork, 'ml-subnet');
  const per = loadConfig({
    GPUBOT_SUBNETWORK: 'us-central1=projects/h/regions/us-central1/subnetworks/s, europe-west4=ml-euw4',
  });
  assert.equal(per.subnetwork, null);
  assert.deepEqual(per.subnetworksByRegion, { 'us-central1': 'projects/h/regions/us-central1/subnetworks/s', 'europe-west4': 'ml-euw4' });
});

test('a subnetwork given for the wrong region, or written oddly, is named', () => {
  assert.match(
    problems({ GPUBOT_SUBNETWORK: 'europe-west4=projects/h/regions/us-central1/subnetworks/s' }),
    /gives europe-west4 a subnetwork in us-central1/,
  );
  assert.match(problems({ GPUBOT_SUBNETWORK: 'us-central1=' }), /GPUBOT_SUBNETWORK has "us-central1="; write region=subnet pairs/);
  assert.match(problems({ GPUBOT_SUBNETWORK: 'Bad Name' }), /GPUBOT_SUBNETWORK is "Bad Name"/);
});

test('GPUBOT_EXTERNAL_IP=false gives boxes no external IP', () => {
  assert.equal(loadConfig({ GPUBOT_EXTERNAL_IP: 'false' }).externalIp, false);
  assert.match(problems({ GPUBOT_EXTERNAL_IP: 'nope' }), /GPUBOT_EXTERNAL_IP is "nope"; write true or false/);
});
