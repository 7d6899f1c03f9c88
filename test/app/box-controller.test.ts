import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxCommands } from '../../src/app/box-commands.js';
import { BoxController } from '../../src/app/box-controller.js';
import type { Box } from '../../src/domain/box.js';
import type { JupyterAccess } from '../../src/domain/jupyter-access.js';
import type { Notice } from '../../src/domain/notice.js';
import { parseGpuCommand } from '../../src/domain/gpu-command.js';
import { FirestoreBoxStore } from '../../src/store/box-store.js';
import { FirestoreNoticeStore } from '../../src/store/notice-store.js';
import { FirestoreLeaseStore, WORKER_LEASE } from '../../src/store/lease-store.js';
import { ComputeAdapter } from '../../src/gcp/compute.js';
import { computeHttpError } from '../../src/sandbox/google/compute-errors.js';
import type { ComputePort, GoogleAccountsPort, LeaseCheck } from '../../src/app/ports.js';
import type { Firestore } from '@google-cloud/firestore';
import { memoryLogger } from '../../src/log.js';
import { ManualClock } from '../support/clock.js';
import { sandboxAuth, startTestCloud, type TestCloud } from '../support/cloud.js';
import { boxStoreOptions, testFirestore } from '../support/firestore.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

interface World {
  db: Firestore;
  clock: ManualClock;
  cloud: TestCloud;
  store: FirestoreBoxStore;
  notices: FirestoreNoticeStore;
  commands: BoxCommands;
  controller: BoxController;
  up(text: string, user?: string): Promise<Box>;
  tickUntil(boxName: string, done: (b: Box) => boolean, maxTicks?: number): Promise<Box>;
  noticesFor(boxId: string | null): Promise<Notice[]>;
  close(): Promise<void>;
}

/** Worlds not closed yet: a test that fails before its `close()` would otherwise keep the file's process alive. */
const open = new Set<World>();
after(async () => {
  for (const w of open) await w.close();
});

interface WorldOptions {
  /** Wraps the Compute port the controller sees (the real adapter against the sandbox). */
  compute?: (real: ComputePort, w: { commands: () => BoxCommands; cloud: TestCloud; clock: ManualClock }) => ComputePort;
  /** Builds the lease check the controller asks before each cloud call. */
  lease?: (db: Firestore, clock: ManualClock) => LeaseCheck;
  /** Where owners' Google accounts come from; default: everyone has `<id>@example.com`. */
  accounts?: GoogleAccountsPort;
  /** Who Jupyter admits; default the owner alone. */
  plan?: { jupyterAccess: JupyterAccess };
}

/** Everyone's Google account is their lowercased Slack id at example.com. */
const EVERYONE_HAS_ONE: GoogleAccountsPort = { accountOf: async (user) => ({ ok: true, address: `${user.toLowerCase()}@example.com` }) };

async function world(options: WorldOptions = {}): Promise<World> {
  const clock = new ManualClock();
  const cloud = await startTestCloud(clock, { provisioningMs: 2000, stagingMs: 2000, jupyterReadyMs: 5000, stoppingMs: 2000, operationMs: 1000 });
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, clock, boxStoreOptions());
  const notices = new FirestoreNoticeStore(db, clock);
  let ids = 0;
  const commands = new BoxCommands({
    store,
    policy: { isAdmin: (u) => u === 'UADMIN' },
    clock,
    nudge: { nudge: () => undefined },
    newId: () => `box${++ids}`,
    defaultRegion: 'us-central1',
    minDiskGb: 50,
    maxDiskGb: 4000,
    idle: { defaultWindowMs: 3_600_000, maxWindowMs: 8 * 3_600_000, offAllowed: true, maxKeepMs: 8 * 3_600_000, maxRunningMs: 72 * 3_600_000 },
  });
  const controller = new BoxController({
    compute: options.compute?.(cloud.compute, { commands: () => commands, cloud, clock }) ?? cloud.compute,
    store,
    clock,
    log: memoryLogger(),
    plan: { network: 'default', subnetwork: null, serviceAccount: null, ...options.plan },
    project: 'gpubot-test',
    ...(options.lease ? { lease: options.lease(db, clock) } : {}),
    accounts: options.accounts ?? EVERYONE_HAS_ONE,
  });
  let requests = 0;
  const w: World = {
    db,
    clock,
    cloud,
    store,
    notices,
    commands,
    controller,
    async up(text, user = 'UALICE') {
      const parsed = parseGpuCommand(text);
      assert.ok(parsed.ok && parsed.value.kind === 'up' && parsed.value.request, `bad command ${text}`);
      const result = await commands.requestBox({ userId: user, channelId: 'CTEAM', requestKey: `k${++requests}` }, parsed.value.request);
      assert.ok(result.ok, JSON.stringify(result));
      return result.value.box;
    },
    async tickUntil(name, done, maxTicks = 40) {
      for (let i = 0; i < maxTicks; i++) {
        await controller.reconcileAll();
        const all = await store.boxesOwnedBy('UALICE', { includeEnded: true, limit: 100 });
        const box = all.find((b) => b.name === name);
        if (box && done(box)) return box;
        clock.advance(1000);
      }
      const all = await store.boxesOwnedBy('UALICE', { includeEnded: true, limit: 100 });
      assert.fail(`box ${name} never got there: ${JSON.stringify(all.find((b) => b.name === name))}`);
    },
    async noticesFor(boxId) {
      const all = await notices.pending(500);
      return all.filter((n) => n.boxId === boxId);
    },
    async close() {
      open.delete(w);
      await cloud.close();
      await db.terminate();
    },
  };
  open.add(w);
  return w;
}

test('/gpu up reaches ready with the Jupyter link, on a VM built the way its GPU needs', async () => {
  const w = await world();
  const box = await w.up('up exp42 --gpu t4');
  const ready = await w.tickUntil('exp42', (b) => b.status === 'ready');
  assert.match(ready.jupyterUrl ?? '', /^https:\/\/.*notebooks\.googleusercontent\.com/);
  const [vm] = w.cloud.sandbox.instances();
  assert.ok(vm);
  const raw = vm as unknown as { resource: Record<string, unknown> } & Record<string, unknown>;
  const resource = (raw.resource ?? raw) as {
    labels?: Record<string, string>;
    scheduling?: { onHostMaintenance?: string };
    guestAccelerators?: { acceleratorType?: string; acceleratorCount?: number }[];
    metadata?: { items?: { key: string; value: string }[] };
  };
  assert.deepEqual(resource.labels, { 'managed-by': 'gpubot', 'gpubot-owner': 'ualice', 'gpubot-id': box.id });
  assert.equal(resource.scheduling?.onHostMaintenance, 'TERMINATE');
  assert.match(resource.guestAccelerators?.[0]?.acceleratorType ?? '', /nvidia-tesla-t4$/);
  const keys = (resource.metadata?.items ?? []).map((i) => i.key);
  for (const key of ['install-nvidia-driver', 'proxy-mode', 'startup-script']) assert.ok(keys.includes(key), `metadata ${key}`);
  // Jupyter opens for the owner's Google account alone: the proxy's single-user mode, with their address.
  const value = (key: string) => resource.metadata?.items?.find((i) => i.key === key)?.value;
  assert.equal(value('proxy-mode'), 'mail');
  assert.equal(value('proxy-user-mail'), 'ualice@example.com');
  assert.equal(ready.ownerAccount, 'ualice@example.com');
  const notices = await w.noticesFor(box.id);
  assert.deepEqual(notices.map((n) => `${n.to}:${n.event.type}`).sort(), ['dm:box-ready', 'thread:box-ready']);
  await w.close();
});

/**
 * The real Compute client with a short timeout and one retry, for tests whose calls hang or lose their
 * answer (the sandbox holds them until the client gives up). 1.5 s: long enough for a loaded machine's
 * ordinary calls, short enough that a hung one costs little.
 */
function shortTimeouts(_real: ComputePort, ctx: { cloud: TestCloud; clock: ManualClock }): ComputePort {
  return new ComputeAdapter({ project: 'gpubot-test', authClient: sandboxAuth(), endpoint: ctx.cloud.server.url, clock: ctx.clock, rest: { timeoutMs: 1500, retries: 1, firstRetryDelayMs: 10 } });
}

/**
 * Asks for `action` on the box and runs one tick in which Compute carries it out but both attempts
 * lose their answer; returns when the first attempt was sent.
 */
async function answerLostTwice(w: World, box: { id: string; name: string }, action: 'stop' | 'start' | 'delete'): Promise<number> {
  assert.ok((await w.commands[action]({ userId: 'UALICE', channelId: 'CTEAM', requestKey: `${action}-${box.name}` }, { id: box.id })).ok);
  w.cloud.sandbox.hang(`instances.${action}`, { after: 'acting', times: 2 });
  const sent = w.clock.now();
  await w.controller.reconcileAll();
  return sent;
}

/** When the record last moved to `status` (NaN: never). */
function lastAt(box: { history: readonly { status: string; at: number }[] }, status: string): number {
  return box.history.findLast((e) => e.status === status)?.at ?? NaN;
}

test('a box noticed running a minute late is billed from when Compute says its insert ended, not from the tick', async () => {
  const w = await world();
  await w.up('up late1 --gpu t4');
  const sent = w.clock.now();
  await w.controller.reconcileAll();
  // The next tick comes 90 s later (a hung call held the one before): the insert ended long before.
  w.clock.advance(90_000);
  const booting = await w.tickUntil('late1', (b) => b.status !== 'creating' && b.status !== 'requested');
  const event = booting.history.find((e) => e.status === 'booting');
  assert.ok(event, JSON.stringify(booting.history));
  assert.ok(event.at - sent <= 5_000, `booting recorded ${event.at - sent} ms after the insert was sent`);
  assert.ok(booting.updatedAt >= sent + 90_000, 'the record itself changed when the tick saw it');
  await w.close();
});

test('a stop whose answer was lost is dated from the operation Compute began then, and stopped from when it ended, not from the retry', { timeout: 60_000 }, async () => {
  const w = await world({ compute: shortTimeouts });
  try {
    const box = await w.up('up late2 --gpu t4');
    await w.tickUntil('late2', (b) => b.status === 'ready');
    const sent = await answerLostTwice(w, box, 'stop');
    assert.equal((await w.store.getBox(box.id))?.status, 'ready', 'nothing recorded without an answer');
    // The next tick, a minute later, asks again with the same request id and gets the first operation back.
    w.clock.advance(60_000);
    const stopped = await w.tickUntil('late2', (b) => b.status === 'stopped');
    assert.equal(w.cloud.sandbox.count('instances.stop'), 3, 'two lost attempts, then the retry');
    assert.ok(lastAt(stopped, 'stopping') - sent <= 1_000, `stopping recorded ${lastAt(stopped, 'stopping') - sent} ms after the first stop was sent`);
    assert.ok(lastAt(stopped, 'stopped') - sent <= 5_000, `stopped recorded ${lastAt(stopped, 'stopped') - sent} ms after the first stop was sent`);
    assert.ok(stopped.updatedAt >= sent + 60_000, 'the record itself changed when the tick saw it');
  } finally {
    w.cloud.sandbox.releaseHangs();
    await w.close();
  }
});

test('a delete whose answer was lost and whose VM is gone by the next tick is dated from the operation Compute began then', { timeout: 60_000 }, async () => {
  const w = await world({ compute: shortTimeouts });
  try {
    const box = await w.up('up late4 --gpu t4');
    await w.tickUntil('late4', (b) => b.status === 'ready');
    const sent = await answerLostTwice(w, box, 'delete');
    // A minute later the VM is gone; the record was never told of the delete.
    w.clock.advance(60_000);
    assert.equal(w.cloud.sandbox.instances().length, 0);
    const deleted = await w.tickUntil('late4', (b) => b.status === 'deleted');
    assert.ok(lastAt(deleted, 'deleting') - sent <= 1_000, `deleting recorded ${lastAt(deleted, 'deleting') - sent} ms after the first delete was sent`);
    assert.ok(lastAt(deleted, 'deleted') - sent <= 5_000, `deleted recorded ${lastAt(deleted, 'deleted') - sent} ms after the first delete was sent`);
    assert.equal(w.cloud.sandbox.count('instances.delete'), 3, 'two lost attempts, then the same request id once more');
  } finally {
    w.cloud.sandbox.releaseHangs();
    await w.close();
  }
});

test('a start whose answer was lost and a stop made in the console are dated from when Compute says the VM started and stopped, not from the tick that saw them', { timeout: 60_000 }, async () => {
  const w = await world({ compute: shortTimeouts });
  try {
    const box = await w.up('up late3 --gpu t4');
    await w.tickUntil('late3', (b) => b.status === 'ready');
    assert.ok((await w.commands.stop({ userId: 'UALICE', channelId: 'CTEAM', requestKey: 'stop-late3' }, { id: box.id })).ok);
    await w.tickUntil('late3', (b) => b.status === 'stopped');
    const sent = await answerLostTwice(w, box, 'start');
    // The next tick comes a minute later and finds the VM running, with no operation to follow.
    w.clock.advance(60_000);
    const running = await w.tickUntil('late3', (b) => b.status === 'booting' || b.status === 'ready');
    const vm = w.cloud.sandbox.instance('late3') as unknown as { lastStartTimestamp?: string } | undefined;
    const booted = lastAt(running, 'booting');
    assert.ok(booted - sent <= 10_000, `booting recorded ${booted - sent} ms after the start was sent`);
    assert.equal(booted, Date.parse(vm?.lastStartTimestamp ?? ''), "dated by the VM's lastStartTimestamp");
    // Stopped in the console; the tick that sees it comes two minutes later.
    await w.tickUntil('late3', (b) => b.status === 'ready');
    const stoppedOutside = w.clock.now();
    w.cloud.sandbox.consoleStop('late3');
    w.clock.advance(120_000);
    const stopped = await w.tickUntil('late3', (b) => b.status === 'stopped');
    assert.equal(stopped.history.findLast((e) => e.status === 'stopped')?.note, 'outside');
    assert.ok(lastAt(stopped, 'stopped') - stoppedOutside <= 10_000, `stopped recorded ${lastAt(stopped, 'stopped') - stoppedOutside} ms after the console stop`);
  } finally {
    w.cloud.sandbox.releaseHangs();
    await w.close();
  }
});

test('a stockout in the first zone lands the box in the next zone and the thread says so', async () => {
  const w = await world();
  w.cloud.sandbox.stockout('us-central1-a');
  const box = await w.up('up exp43 --gpu t4');
  const ready = await w.tickUntil('exp43', (b) => b.status === 'ready');
  assert.notEqual(ready.zone, 'us-central1-a');
  assert.deepEqual(ready.zonesTried.map((z) => z.zone), ['us-central1-a']);
  const retries = (await w.noticesFor(box.id)).filter((n) => n.event.type === 'box-zone-retry');
  assert.equal(retries.length, 1);
  assert.deepEqual(retries[0]?.event, { type: 'box-zone-retry', zone: 'us-central1-a', nextZone: ready.zone, reason: 'no capacity for this GPU right now' });
  assert.equal(w.cloud.sandbox.instances().length, 1);
  await w.close();
});

test('every zone out of stock fails the box with what to try instead', async () => {
  const w = await world();
  for (const z of ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f']) w.cloud.sandbox.stockout(z);
  await w.up('up exp44 --gpu t4');
  const failed = await w.tickUntil('exp44', (b) => b.status === 'failed');
  assert.equal(failed.failure?.code, 'STOCKOUT');
  assert.match(failed.failure?.hint ?? '', /region|Spot|another GPU/);
  assert.equal(w.cloud.sandbox.instances().length, 0);
  await w.close();
});

test('an owner whose Google account nobody knows gets a failed box saying how to fix it, and no VM open to anyone else', async () => {
  const w = await world({ accounts: { accountOf: async () => ({ ok: false, kind: 'none', reason: 'Slack shows no email address for <@UALICE>.' }) } });
  const box = await w.up('up exp46 --gpu t4');
  const failed = await w.tickUntil('exp46', (b) => b.status === 'failed');
  assert.equal(failed.failure?.code, 'NO_GOOGLE_ACCOUNT');
  assert.match(failed.failure?.message ?? '', /no email address/);
  assert.match(failed.failure?.hint ?? '', /GPUBOT_GOOGLE_ACCOUNTS/);
  assert.equal(w.cloud.sandbox.instances().length, 0);
  const types = (await w.noticesFor(box.id)).map((n) => `${n.to}:${n.event.type}`).sort();
  assert.deepEqual(types, ['dm:box-failed', 'thread:box-failed']);
  await w.close();
});

test('a lookup of the owner\'s account that fails for now is tried again next tick, then the VM admits that account', async () => {
  let calls = 0;
  const w = await world({
    accounts: { accountOf: async () => (++calls <= 2 ? { ok: false, kind: 'unavailable', reason: 'ratelimited' } : { ok: true, address: 'alice@corp.example' }) },
  });
  await w.up('up exp47 --gpu t4');
  await w.controller.reconcileAll();
  await w.controller.reconcileAll();
  assert.equal(w.cloud.sandbox.instances().length, 0, 'no VM before the account is known');
  const ready = await w.tickUntil('exp47', (b) => b.status === 'ready');
  assert.equal(ready.ownerAccount, 'alice@corp.example');
  const inserts = w.cloud.sandbox.calls.filter((c) => c.method === 'instances.insert' && c.status === 200);
  assert.equal(inserts.length, 1);
  const body = JSON.stringify(inserts[0]?.body);
  assert.ok(body.includes('"key":"proxy-mode","value":"mail"'), body.slice(0, 400));
  assert.ok(body.includes('"key":"proxy-user-mail","value":"alice@corp.example"'));
  await w.close();
});

test('GPUBOT_JUPYTER_ACCESS=project-editors, set on purpose, asks for no account and opens Jupyter to the project\'s editors', async () => {
  const w = await world({ accounts: { accountOf: async () => assert.fail('no lookup in project-editors mode') }, plan: { jupyterAccess: 'project-editors' } });
  await w.up('up exp48 --gpu t4');
  const ready = await w.tickUntil('exp48', (b) => b.status === 'ready');
  assert.equal(ready.ownerAccount, undefined);
  assert.match(ready.jupyterUrl ?? '', /notebooks\.googleusercontent\.com/);
  await w.close();
});

test('quota exhaustion fails the box naming the quota and how to raise it, leaving no VM', async () => {
  const w = await world();
  w.cloud.sandbox.quota('NVIDIA_T4_GPUS', 'us-central1', 0);
  const box = await w.up('up exp45 --gpu t4');
  const failed = await w.tickUntil('exp45', (b) => b.status === 'failed');
  assert.equal(failed.failure?.code, 'QUOTA_EXCEEDED');
  assert.match(failed.failure?.message ?? '', /NVIDIA_T4_GPUS/);
  assert.match(failed.failure?.hint ?? '', /iam-admin\/quotas/);
  assert.equal(w.cloud.sandbox.instances().length, 0);
  assert.equal(await w.store.liveBoxNamed('exp45'), null, 'the name is free again');
  const types = (await w.noticesFor(box.id)).map((n) => `${n.to}:${n.event.type}`).sort();
  assert.deepEqual(types, ['dm:box-failed', 'thread:box-failed']);
  await w.close();
});

test('a VM stopped in the console is noticed, recorded as stopped and said in the thread and DM', async () => {
  const w = await world();
  const box = await w.up('up exp46 --gpu t4');
  await w.tickUntil('exp46', (b) => b.status === 'ready');
  w.cloud.sandbox.consoleStop('exp46');
  const stopped = await w.tickUntil('exp46', (b) => b.status === 'stopped');
  assert.equal(stopped.desired, 'stopped', 'observed state wins');
  const stops = (await w.noticesFor(box.id)).filter((n) => n.event.type === 'box-stopped');
  assert.deepEqual(stops.map((n) => [n.to, n.event.type === 'box-stopped' ? n.event.cause : '']).sort(), [['dm', 'outside'], ['thread', 'outside']]);
  await w.close();
});

test('a preempted Spot box is told apart from a console stop', async () => {
  const w = await world();
  const box = await w.up('up exp47 --gpu t4 --spot');
  await w.tickUntil('exp47', (b) => b.status === 'ready');
  w.cloud.sandbox.preempt('exp47');
  await w.tickUntil('exp47', (b) => b.status === 'stopped');
  const causes = (await w.noticesFor(box.id)).flatMap((n) => (n.event.type === 'box-stopped' ? [n.event.cause] : []));
  assert.deepEqual(causes, ['preempted', 'preempted']);
  await w.close();
});

test('a VM deleted in the console ends the box and frees its name', async () => {
  const w = await world();
  await w.up('up exp48 --gpu t4');
  await w.tickUntil('exp48', (b) => b.status === 'ready');
  w.cloud.sandbox.consoleDelete('exp48');
  await w.tickUntil('exp48', (b) => b.status === 'deleted');
  assert.equal(await w.store.liveBoxNamed('exp48'), null);
  await w.close();
});

test('stop, start and delete requested from Slack are carried out by the controller', async () => {
  const w = await world();
  const box = await w.up('up exp49 --gpu l4');
  await w.tickUntil('exp49', (b) => b.status === 'ready');
  const asker = { userId: 'UALICE', channelId: 'CTEAM', requestKey: 'stop-1' };
  assert.ok((await w.commands.stop(asker, { name: 'exp49' })).ok);
  await w.tickUntil('exp49', (b) => b.status === 'stopped');
  assert.equal(w.cloud.sandbox.instance('exp49')?.status, 'TERMINATED');
  assert.ok((await w.commands.start({ ...asker, requestKey: 'start-1' }, { id: box.id })).ok);
  await w.tickUntil('exp49', (b) => b.status === 'ready');
  assert.ok((await w.commands.delete({ ...asker, requestKey: 'delete-1' }, { id: box.id })).ok);
  await w.tickUntil('exp49', (b) => b.status === 'deleted');
  assert.equal(w.cloud.sandbox.instances().length, 0);
  await w.close();
});

test('nobody but the owner or an admin can stop a box', async () => {
  const w = await world();
  const box = await w.up('up exp50 --gpu t4');
  const refused = await w.commands.stop({ userId: 'UBOB', channelId: 'CTEAM', requestKey: 'bob-1' }, { id: box.id });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, 'NOT_YOURS');
  assert.equal((await w.store.getBox(box.id))?.desired, 'running');
  await w.tickUntil('exp50', (b) => b.status === 'ready');
  const admin = await w.commands.stop({ userId: 'UADMIN', channelId: 'CTEAM', requestKey: 'admin-1' }, { id: box.id });
  assert.ok(admin.ok && admin.value.changed);
  await w.close();
});

test('a VM labelled as ours that Firestore does not know is reported once to the admins and never deleted', async () => {
  const w = await world();
  w.cloud.sandbox.consoleCreate({
    name: 'mystery',
    zone: 'us-central1-b',
    machineType: 'n1-standard-4',
    labels: { 'managed-by': 'gpubot', 'gpubot-owner': 'ucarol', 'gpubot-id': 'bgone' },
  } as Parameters<typeof w.cloud.sandbox.consoleCreate>[0]);
  const first = await w.controller.reconcileAll();
  const second = await w.controller.reconcileAll();
  assert.equal(first.orphans, 1);
  assert.equal(second.orphans, 0);
  const orphanNotices = (await w.noticesFor(null)).filter((n) => n.event.type === 'orphan-found');
  assert.equal(orphanNotices.length, 1);
  assert.equal(orphanNotices[0]?.to, 'admins');
  assert.equal(w.cloud.sandbox.instances().length, 1);
  assert.equal(w.cloud.sandbox.count('instances.delete'), 0);
  await w.close();
});

test('a controller that restarts after the insert was sent, before it was recorded, adopts the VM instead of making another', async () => {
  const w = await world();
  const box = await w.up('up exp51 --gpu t4');
  // Simulate a crash right after Compute accepted the insert: the call happens, the record does not.
  const plan = (await import('../../src/domain/instance-plan.js')).instancePlan({ ...box, ownerAccount: 'ualice@example.com' }, 'us-central1-a', { network: 'default', subnetwork: null, serviceAccount: null });
  const { stepRequestId } = await import('../../src/domain/request-id.js');
  await w.cloud.compute.insertInstance(plan, stepRequestId(box.id, 'request', 0, 'insert', 'us-central1-a'));
  await w.tickUntil('exp51', (b) => b.status === 'ready');
  assert.equal(w.cloud.sandbox.instances().length, 1);
  await w.close();
});

test('a pinned zone that does not offer the GPU fails the box naming the zones that do', async () => {
  const w = await world();
  await w.up('up exp52 --gpu h100 --zone us-central1-c');
  const failed = await w.tickUntil('exp52', (b) => b.status === 'failed');
  assert.equal(failed.failure?.code, 'ZONE_UNAVAILABLE');
  assert.match(failed.failure?.hint ?? '', /us-central1-a/);
  assert.equal(w.cloud.sandbox.count('instances.insert'), 0);
  await w.close();
});

// ---------------------------------------------------------------- faults: listings, lease, request ids, cleanup

test('a box in a zone a partial listing could not read keeps its state; it ends only once a get says 404', async () => {
  const w = await world();
  const box = await w.up('up exp60 --gpu t4');
  const ready = await w.tickUntil('exp60', (b) => b.status === 'ready');
  const zone = ready.zone ?? '';
  w.cloud.sandbox.unreachable(zone);
  for (let i = 0; i < 3; i++) {
    await w.controller.reconcileAll();
    w.clock.advance(1000);
  }
  const kept = await w.store.getBox(box.id);
  assert.equal(kept?.status, 'ready', 'the listing left the zone out; the box was not deleted');
  assert.notEqual(await w.store.liveBoxNamed('exp60'), null, 'its name is still taken');
  assert.deepEqual((await w.noticesFor(box.id)).filter((n) => n.event.type === 'box-deleted'), []);
  // The zone answers again, and the VM is really gone: only now does the box end.
  w.cloud.sandbox.consoleDelete('exp60');
  w.clock.advance(5000);
  w.cloud.sandbox.unreachable(zone, false);
  const gets = w.cloud.sandbox.count('instances.get');
  await w.tickUntil('exp60', (b) => b.status === 'deleted');
  assert.ok(w.cloud.sandbox.count('instances.get') > gets, 'a direct get confirmed the VM was gone');
  await w.close();
});

test('a box created while a partial listing leaves its zone out still becomes ready, through direct gets', async () => {
  const w = await world();
  const box = await w.up('up exp63 --gpu t4 --zone us-central1-a');
  await w.controller.reconcileAll();
  assert.equal((await w.store.getBox(box.id))?.status, 'creating');
  // From the insert on, the box's zone is out of the aggregated listing.
  w.cloud.sandbox.unreachable('us-central1-a');
  const ready = await w.tickUntil('exp63', (b) => b.status === 'ready' || b.status === 'failed' || b.status === 'deleted');
  assert.equal(ready.status, 'ready', 'the box did not wait for the zone to list again');
  assert.equal(w.cloud.sandbox.instances().length, 1);
  // At rest, it makes no direct get: it keeps its last observed state until the zone lists again.
  const gets = w.cloud.sandbox.count('instances.get');
  await w.controller.reconcileAll();
  assert.equal(w.cloud.sandbox.count('instances.get'), gets);
  assert.equal((await w.store.getBox(box.id))?.status, 'ready');
  await w.close();
});

test('a listing that lags behind creates neither ends the box nor makes a second VM', async () => {
  const w = await world();
  w.cloud.sandbox.listingLag(60_000);
  const box = await w.up('up exp61 --gpu t4');
  const ready = await w.tickUntil('exp61', (b) => b.status === 'ready' || b.status === 'deleted');
  assert.equal(ready.status, 'ready');
  assert.equal(w.cloud.sandbox.instances().length, 1);
  assert.deepEqual((await w.noticesFor(box.id)).filter((n) => n.event.type === 'box-deleted'), []);
  await w.close();
});

test('a replica whose lease passed to another makes no cloud call', async () => {
  const w = await world({ lease: (db, clock) => ({ holds: (fence) => new FirestoreLeaseStore(db, clock).holds(WORKER_LEASE, fence) }) });
  const leases = new FirestoreLeaseStore(w.db, w.clock);
  const mine = await leases.acquire(WORKER_LEASE, 'replica-a', 2000);
  assert.ok(mine);
  await w.up('up exp62 --gpu t4');
  // replica-a pauses past its lease; replica-b takes over before replica-a's tick reaches the cloud.
  w.clock.advance(3000);
  assert.ok(await leases.acquire(WORKER_LEASE, 'replica-b', 2000));
  await assert.rejects(w.controller.reconcileAll(mine), (error: { code?: string }) => error.code === 'LOST_LEASE');
  assert.equal(w.cloud.sandbox.count('instances.insert'), 0, 'no insert was sent without the lease');
  await w.close();
});

test('Delete pressed while an insert is being sent keeps the recorded operation, and the VM is deleted', async () => {
  const w = await world({
    compute: (real, ctx) => ({
      ...bindAll(real),
      async insertInstance(plan, requestId) {
        const result = await real.insertInstance(plan, requestId);
        // The owner presses Delete between Compute accepting the insert and the controller recording it.
        const box = await ctx.commands().delete({ userId: 'UALICE', channelId: 'CTEAM', requestKey: 'del-during-insert' }, { name: plan.name });
        assert.ok(box.ok);
        return result;
      },
    }),
  });
  // The new VM is not in listings yet, as happens right after a create.
  w.cloud.sandbox.listingLag(60_000);
  const box = await w.up('up exp63 --gpu t4');
  await w.controller.reconcileAll();
  const after = await w.store.getBox(box.id);
  assert.equal(after?.desired, 'deleted');
  assert.equal(after?.operation?.action, 'insert', 'the insert operation is on the record');
  await w.tickUntil('exp63', (b) => b.status === 'deleted');
  w.clock.advance(10_000);
  assert.deepEqual(w.cloud.sandbox.instances(), [], 'no VM is left running');
  await w.close();
});

test('a stop after the history is full gets its own request id, so Compute stops the VM again', async () => {
  const w = await world();
  const box = await w.up('up exp64 --gpu t4');
  const ready = await w.tickUntil('exp64', (b) => b.status === 'ready');
  // A long-lived box: its history is at the cap of 200 entries.
  await w.store.transact({}, async (tx) => {
    const padding = Array.from({ length: 200 }, (_, i) => ({ status: 'ready' as const, at: ready.createdAt + i }));
    tx.putBox({ ...ready, history: padding, rev: ready.rev + 1 });
  });
  const asker = (key: string) => ({ userId: 'UALICE', channelId: 'CTEAM', requestKey: key });
  assert.ok((await w.commands.stop(asker('s1'), { id: box.id })).ok);
  await w.tickUntil('exp64', (b) => b.status === 'stopped');
  assert.ok((await w.commands.start(asker('s2'), { id: box.id })).ok);
  await w.tickUntil('exp64', (b) => b.status === 'ready');
  assert.ok((await w.commands.stop(asker('s3'), { id: box.id })).ok);
  await w.tickUntil('exp64', (b) => b.status === 'stopped');
  w.clock.advance(5000);
  assert.equal(w.cloud.sandbox.instance('exp64')?.status, 'TERMINATED', 'the second stop reached Compute as a new request');
  await w.close();
});

test('a failed create whose VM exists stays deleting until the VM is gone, however often the delete fails', async () => {
  const w = await world();
  const box = await w.up('up exp65 --gpu t4');
  await w.controller.reconcileAll();
  const creating = await w.store.getBox(box.id);
  assert.equal(creating?.operation?.action, 'insert');
  const op = w.cloud.sandbox.operations().find((o) => o.name === creating?.operation?.name);
  assert.ok(op);
  // Compute ends the insert with an error although the VM record exists, and refuses the first deletes.
  w.cloud.sandbox.failNext('zoneOperations.get', {
    status: 200,
    body: { ...op, status: 'DONE', progress: 100, error: { errors: [{ code: 'QUOTA_EXCEEDED', message: "Quota 'NVIDIA_T4_GPUS' exceeded. Limit: 0.0 in region us-central1." }] } },
  });
  w.cloud.sandbox.failNext('instances.delete', computeHttpError(503, 'backendError', 'The service is currently unavailable.'), 3);
  w.clock.advance(1000);
  await w.controller.reconcileAll();
  const cleaning = await w.store.getBox(box.id);
  assert.equal(cleaning?.status, 'deleting', 'not failed while its VM may still run');
  assert.equal(cleaning?.failure?.code, 'QUOTA_EXCEEDED');
  assert.equal(w.cloud.sandbox.instances().length, 1, 'the first delete failed');
  const failed = await w.tickUntil('exp65', (b) => b.status === 'failed');
  assert.equal(failed.failure?.code, 'QUOTA_EXCEEDED');
  w.clock.advance(5000);
  assert.deepEqual(w.cloud.sandbox.instances(), [], 'the VM is gone');
  assert.equal(await w.store.liveBoxNamed('exp65'), null, 'the name is free again');
  const told = (await w.noticesFor(box.id)).map((n) => `${n.to}:${n.event.type}`).sort();
  assert.deepEqual(told, ['dm:box-failed', 'thread:box-failed'], 'the owner is told once');
  await w.close();
});

test('a Compute call that hangs times out and is retried; the tick ends, and a lost insert answer makes no second VM', { timeout: 60_000 }, async () => {
  const w = await world({ compute: shortTimeouts });
  try {
    const box = await w.up('up exp66 --gpu t4');
    // The listing hangs once: the retry answers, and the tick goes on to send the insert.
    w.cloud.sandbox.hang('instances.aggregatedList');
    // Compute carries the insert out, but both attempts lose their answer.
    w.cloud.sandbox.hang('instances.insert', { after: 'acting', times: 2 });
    const report = await w.controller.reconcileAll();
    assert.equal(report.boxes, 1);
    assert.equal(w.cloud.sandbox.count('instances.aggregatedList'), 2, 'the hung listing was abandoned and asked again');
    assert.equal(w.cloud.sandbox.count('instances.insert'), 2, 'the insert was retried with the same request id, then given up for this tick');
    assert.equal((await w.store.getBox(box.id))?.operation, null, 'nothing recorded without an answer');
    await w.tickUntil('exp66', (b) => b.status === 'ready');
    assert.equal(w.cloud.sandbox.instances().length, 1, 'the VM the lost answer made is adopted, not doubled');
  } finally {
    w.cloud.sandbox.releaseHangs();
    await w.close();
  }
});

/** The port's methods bound to it, so a test can replace one and keep the rest. */
function bindAll(port: ComputePort): ComputePort {
  return {
    listManagedInstances: () => port.listManagedInstances(),
    getInstance: (zone, name) => port.getInstance(zone, name),
    insertInstance: (plan, id) => port.insertInstance(plan, id),
    startInstance: (zone, name, id) => port.startInstance(zone, name, id),
    stopInstance: (zone, name, id) => port.stopInstance(zone, name, id),
    deleteInstance: (zone, name, id) => port.deleteInstance(zone, name, id),
    getOperation: (ref) => port.getOperation(ref),
    zonesOffering: (region, type) => port.zonesOffering(region, type),
    wasPreempted: (zone, name, since) => port.wasPreempted(zone, name, since),
  };
}

test('a box pass hands on every live box as it left it, the same as Firestore holds, so the idle pass need not read them again', async () => {
  const w = await world();
  await w.up('up handed --gpu t4');
  // Records as plain data, in id order: what Firestore keeps drops fields left undefined.
  const plain = (boxes: readonly Box[]): unknown => JSON.parse(JSON.stringify([...boxes].sort((a, b) => a.id.localeCompare(b.id))));
  const statuses: string[] = [];
  for (let i = 0; i < 40 && statuses.at(-1) !== 'ready'; i++) {
    const report = await w.controller.reconcileAll();
    const stored = await w.store.liveBoxes();
    assert.deepEqual(plain(report.live), plain(stored), `after pass ${i + 1}`);
    statuses.push(stored[0]?.status ?? 'none');
    w.clock.advance(1000);
  }
  assert.equal(statuses.at(-1), 'ready');
  assert.ok(new Set(statuses).size > 2, `the passes moved the box through its steps: ${[...new Set(statuses)].join(', ')}`);
  await w.close();
});
