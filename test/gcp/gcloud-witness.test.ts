// Google's own client as a second witness: gcloud drives the Compute sandbox through a box's life, and
// the bot's insert body is compared with the one gcloud sends for the same box, field by field wherever
// both set one. gcloud runs offline against the sandbox with a throwaway configuration directory. It
// takes seconds to start, so the tests call it as few times as they can (eight in all, each box created once by each client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { OAuth2Client } from 'google-auth-library';
import { ComputeSandbox, type ComputeCall } from '../../src/sandbox/google/compute.js';
import { startGoogleSandbox, type GoogleSandbox } from '../../src/sandbox/google/server.js';
import { ComputeAdapter } from '../../src/gcp/compute.js';
import { resolveBoxSpec } from '../../src/domain/box-request.js';
import { boxLabels, instancePlan } from '../../src/domain/instance-plan.js';
import type { BoxRequest } from '../../src/domain/box-request.js';
import { makeBox, makeRequest } from '../support/boxes.js';

const PROJECT = 'gpubot-test';

function gcloudPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'gcloud');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

const GCLOUD = gcloudPath();

interface Witness {
  sandbox: ComputeSandbox;
  server: GoogleSandbox;
  adapter: ComputeAdapter;
  /** Runs gcloud against the sandbox; asynchronous, so the sandbox in this process can answer it. */
  gcloud(args: string[]): Promise<string>;
  close(): Promise<void>;
}

async function startWitness(gcloud: string): Promise<Witness> {
  // Real time, but with every step instant, so gcloud's own waiting ends at once.
  const sandbox = new ComputeSandbox({
    project: PROJECT,
    timings: { provisioningMs: 0, stagingMs: 0, stoppingMs: 0, operationMs: 0, jupyterReadyMs: 0, waitMaxMs: 0 },
  });
  const server = await startGoogleSandbox({ handlers: [sandbox] });
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'sandbox-token', expiry_date: Date.now() + 3600_000 });
  const adapter = new ComputeAdapter({ project: PROJECT, authClient: auth, endpoint: server.url, clock: { now: () => Date.now() } });
  const config = mkdtempSync(join(tmpdir(), 'gcloud-witness-'));
  writeFileSync(join(config, 'token'), 'sandbox-token');
  const env = {
    ...process.env,
    CLOUDSDK_CONFIG: config,
    CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE: `${server.url}/compute/v1/`,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(config, 'token'),
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    CLOUDSDK_CORE_PROJECT: PROJECT,
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
  };
  return {
    sandbox,
    server,
    adapter,
    gcloud: (args) =>
      new Promise((resolve, reject) => {
        execFile(gcloud, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`gcloud ${args.join(' ')}\n${stderr}`));
          else resolve(stdout);
        });
      }),
    close: async () => {
      await adapter.close();
      await server.close();
      rmSync(config, { recursive: true, force: true });
    },
  };
}

function boxFor(name: string, req: Partial<BoxRequest>) {
  const spec = resolveBoxSpec(makeRequest({ name, ...req }), { defaultRegion: 'us-central1' });
  assert.ok(spec.ok, JSON.stringify(spec));
  return makeBox({ name, spec: spec.value, status: 'requested' });
}

function insertBody(calls: readonly ComputeCall[], name: string): Record<string, unknown> {
  const call = calls.find((c) => c.method === 'instances.insert' && (c.body as { name?: string } | undefined)?.name === name);
  assert.ok(call !== undefined && typeof call.body === 'object' && call.body !== null, `an insert of ${name} was recorded`);
  return call.body as Record<string, unknown>;
}

/** gcloud writes full URLs, the bot partial ones in its own project: compare what they name. */
function resource(link: unknown): string {
  return String(link)
    .replace(/^https?:\/\/[^/]+\/compute\/v1\//, '')
    .replace(new RegExp(`^projects/${PROJECT}/`), '');
}

type Json = Record<string, unknown>;
const first = (value: unknown): Json => (Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null ? (value[0] as Json) : {});
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});

/**
 * Every field of the instance both clients set must agree: machine type, GPUs, scheduling, boot disk
 * and image, network, service account and scopes. Returns how many fields were compared, so a test
 * can see the comparison was not empty.
 */
function compareInserts(bot: Json, gcloud: Json, what: string): number {
  let compared = 0;
  const same = (a: unknown, b: unknown, field: string) => {
    assert.deepEqual(a, b, `${what}: ${field} differs (bot ${JSON.stringify(a)}, gcloud ${JSON.stringify(b)})`);
    compared++;
  };
  same(resource(bot.machineType), resource(gcloud.machineType), 'machineType');
  const gpus = (body: Json) =>
    (Array.isArray(body.guestAccelerators) ? (body.guestAccelerators as Json[]) : []).map((a) => ({ type: resource(a.acceleratorType), count: Number(a.acceleratorCount) }));
  same(gpus(bot), gpus(gcloud), 'guestAccelerators');
  const botScheduling = obj(bot.scheduling);
  const gcloudScheduling = obj(gcloud.scheduling);
  for (const key of Object.keys(botScheduling)) {
    if (key in gcloudScheduling) same(botScheduling[key], gcloudScheduling[key], `scheduling.${key}`);
  }
  const botDisk = first(bot.disks);
  const gcloudDisk = first(gcloud.disks);
  for (const key of ['boot', 'autoDelete']) if (key in botDisk && key in gcloudDisk) same(botDisk[key], gcloudDisk[key], `disks[0].${key}`);
  const botInit = obj(botDisk.initializeParams);
  const gcloudInit = obj(gcloudDisk.initializeParams);
  for (const key of ['sourceImage', 'diskType']) if (key in botInit && key in gcloudInit) same(resource(botInit[key]), resource(gcloudInit[key]), `initializeParams.${key}`);
  if ('diskSizeGb' in botInit && 'diskSizeGb' in gcloudInit) same(String(botInit.diskSizeGb), String(gcloudInit.diskSizeGb), 'initializeParams.diskSizeGb');
  const botNic = first(bot.networkInterfaces);
  const gcloudNic = first(gcloud.networkInterfaces);
  for (const key of ['network', 'subnetwork']) if (key in botNic && key in gcloudNic) same(resource(botNic[key]), resource(gcloudNic[key]), `networkInterfaces[0].${key}`);
  if ('nicType' in botNic || 'nicType' in gcloudNic) same(botNic.nicType, gcloudNic.nicType, 'networkInterfaces[0].nicType');
  // The access config's name is free text; its type is what matters.
  const types = (nic: Json) => (Array.isArray(nic.accessConfigs) ? (nic.accessConfigs as Json[]).map((a) => a.type) : []);
  same(types(botNic), types(gcloudNic), 'networkInterfaces[0].accessConfigs[].type');
  const botAccount = first(bot.serviceAccounts);
  const gcloudAccount = first(gcloud.serviceAccounts);
  same(botAccount.email, gcloudAccount.email, 'serviceAccounts[0].email');
  same([...((botAccount.scopes as string[] | undefined) ?? [])].sort(), [...((gcloudAccount.scopes as string[] | undefined) ?? [])].sort(), 'serviceAccounts[0].scopes');
  if (bot.labels !== undefined && gcloud.labels !== undefined) same(bot.labels, gcloud.labels, 'labels');
  return compared;
}

/** The gcloud flags for the box the bot would create: what a person would type for the same VM. */
function gcloudCreateArgs(name: string, zone: string, box: ReturnType<typeof boxFor>): string[] {
  const plan = instancePlan(box, zone, { network: 'default', subnetwork: null, serviceAccount: null });
  const args = [
    'compute', 'instances', 'create', name,
    `--zone=${zone}`,
    `--machine-type=${plan.machineType}`,
    `--image-family=${plan.bootDisk.imageFamily}`,
    `--image-project=${plan.bootDisk.imageProject}`,
    `--boot-disk-size=${plan.bootDisk.sizeGb}GB`,
    `--boot-disk-type=${plan.bootDisk.type}`,
    '--maintenance-policy=TERMINATE',
    '--scopes=cloud-platform',
    `--labels=${Object.entries(boxLabels(box)).map(([k, v]) => `${k}=${v}`).join(',')}`,
    '--format=json',
  ];
  for (const a of plan.accelerators) args.push(`--accelerator=type=${a.type},count=${a.count}`);
  if (plan.provisioning === 'spot') args.push('--provisioning-model=SPOT', '--instance-termination-action=STOP', '--no-restart-on-failure');
  if (plan.gvnic) args.push('--network-interface=nic-type=GVNIC');
  return args;
}

test('gcloud drives a box through its life on the sandbox: create with a GPU, list, describe, stop, start, delete', async (t) => {
  if (GCLOUD === null) {
    t.skip('gcloud (Google Cloud CLI) is not installed here, so it cannot witness the sandbox');
    return;
  }
  const w = await startWitness(GCLOUD);
  try {
    const box = boxFor('exp42', { gpu: 't4' });
    const created = JSON.parse(await w.gcloud(gcloudCreateArgs('exp42', 'us-central1-a', box))) as Json[];
    assert.equal(created[0]?.status, 'RUNNING');
    assert.match(String(first(created[0]?.guestAccelerators).acceleratorType), /nvidia-tesla-t4$/);
    // The same box from the bot, under another name: both insert bodies must agree.
    const botBox = boxFor('exp42-bot', { gpu: 't4' });
    const inserted = await w.adapter.insertInstance(instancePlan(botBox, 'us-central1-a', { network: 'default', subnetwork: null, serviceAccount: null }), randomUUID());
    assert.ok(inserted.ok, JSON.stringify(inserted));
    assert.ok(compareInserts(insertBody(w.sandbox.calls, 'exp42-bot'), insertBody(w.sandbox.calls, 'exp42'), 't4') >= 12);

    const listed = JSON.parse(await w.gcloud(['compute', 'instances', 'list', '--filter=labels.managed-by=gpubot', '--format=json'])) as Json[];
    assert.deepEqual(listed.map((i) => i.name).sort(), ['exp42', 'exp42-bot']);

    const described = JSON.parse(await w.gcloud(['compute', 'instances', 'describe', 'exp42', '--zone=us-central1-a', '--format=json'])) as Json;
    assert.equal(obj(described.labels)['managed-by'], 'gpubot');
    assert.equal(resource(described.machineType), 'zones/us-central1-a/machineTypes/n1-standard-8');

    await w.gcloud(['compute', 'instances', 'stop', 'exp42', '--zone=us-central1-a']);
    assert.equal(w.sandbox.instance('exp42')?.status, 'TERMINATED');
    await w.gcloud(['compute', 'instances', 'start', 'exp42', '--zone=us-central1-a']);
    assert.equal(w.sandbox.instance('exp42')?.status, 'RUNNING');
    await w.gcloud(['compute', 'instances', 'delete', 'exp42', '--zone=us-central1-a', '--quiet']);
    assert.equal(w.sandbox.instance('exp42'), undefined);
    assert.deepEqual(w.sandbox.refusedInserts(), []);
  } finally {
    await w.close();
  }
});

test('the bot’s insert body agrees with gcloud’s for the same H100 Spot and A100 boxes, on every field both set', async (t) => {
  if (GCLOUD === null) {
    t.skip('gcloud (Google Cloud CLI) is not installed here, so it cannot witness the bot’s insert body');
    return;
  }
  const w = await startWitness(GCLOUD);
  try {
    for (const [gcloudName, botName, req, zone] of [
      ['h100-gcloud', 'h100-bot', { gpu: 'h100' }, 'us-central1-a'],
      ['a100-gcloud', 'a100-bot', { gpu: 'a100', diskGb: 300, spot: true }, 'us-central1-b'],
    ] as const) {
      const box = boxFor(botName, req);
      await w.gcloud(gcloudCreateArgs(gcloudName, zone, box));
      const result = await w.adapter.insertInstance(instancePlan(box, zone, { network: 'default', subnetwork: null, serviceAccount: null }), randomUUID());
      assert.ok(result.ok, JSON.stringify(result));
      const bot = insertBody(w.sandbox.calls, botName);
      const gcloud = insertBody(w.sandbox.calls, gcloudName);
      // Names differ on purpose, so both can live in the sandbox at once.
      const compared = compareInserts(bot, gcloud, botName);
      assert.ok(compared >= 12, `${botName}: only ${compared} fields were compared`);
    }
    assert.deepEqual(w.sandbox.refusedInserts(), [], 'neither client sent a request Compute would refuse');
  } finally {
    await w.close();
  }
});
