/**
 * Boxes in more than one project (a team's, `/gpu team`): the controller lists each project and sends
 * each box's calls to its own; a listing that fails in one project leaves its boxes as they were and
 * the other project's boxes judged as usual. Real adapters against two sandbox projects on one server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxController } from '../../src/app/box-controller.js';
import { FirestoreBoxStore } from '../../src/store/box-store.js';
import { ComputeAdapter } from '../../src/gcp/compute.js';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { computeHttpError } from '../../src/sandbox/google/compute-errors.js';
import { ProjectsSandbox } from '../../src/sandbox/google/projects.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { memoryLogger } from '../../src/log.js';
import { makeBox } from '../support/boxes.js';
import { ManualClock } from '../support/clock.js';
import { sandboxAuth } from '../support/cloud.js';
import { boxStoreOptions, testFirestore } from '../support/firestore.js';

const HOME = 'gpubot-home';
const TEAM = 'vision-lab';

/** Two sandbox projects behind one server, the real Compute client over them, and a box store. */
async function twoProjects() {
  const clock = new ManualClock();
  const home = new ComputeSandbox({ project: HOME, now: () => clock.now(), timings: { waitMaxMs: 0 } });
  const team = new ComputeSandbox({ project: TEAM, now: () => clock.now(), timings: { waitMaxMs: 0 } });
  const server = await startGoogleSandbox({ handlers: [new ProjectsSandbox({ projects: new Map([[HOME, [home]], [TEAM, [team]]]) })] });
  const compute = new ComputeAdapter({ project: HOME, authClient: sandboxAuth(), endpoint: server.url, clock });
  const db = testFirestore();
  const store = new FirestoreBoxStore(db, clock, boxStoreOptions());
  const close = async (): Promise<void> => {
    await compute.close();
    await server.close();
    await db.terminate();
  };
  return { clock, home, team, compute, db, store, log: memoryLogger(), close };
}

test("each box is reconciled in its own project; a project whose listing fails keeps its boxes, the other's go on", async () => {
  const { clock, home, team, compute, db, store, log, close } = await twoProjects();
  try {
    const controller = new BoxController({
      compute,
      computeFor: (p) => compute.forProject(p),
      store,
      clock,
      log,
      plan: { network: 'default', subnetwork: null, serviceAccount: null, jupyterAccess: 'project-editors' },
      project: HOME,
    });
    const vm = (sandbox: ComputeSandbox, id: string, name: string) =>
      sandbox.consoleCreate({ name, zone: 'us-central1-a', machineType: 'n1-standard-8', labels: { 'managed-by': 'gpubot', 'gpubot-id': id }, status: 'RUNNING' });
    vm(home, 'bhome', 'homebox');
    vm(team, 'bteam', 'teambox');
    // The home box is a record from before teams: no project field.
    const homeBox = makeBox({ id: 'bhome', name: 'homebox', status: 'ready', desired: 'stopped', zone: 'us-central1-a', createdAt: clock.now(), updatedAt: clock.now() });
    const teamBox = makeBox({ id: 'bteam', name: 'teambox', status: 'ready', desired: 'stopped', zone: 'us-central1-a', project: TEAM, team: 'CVISION', createdAt: clock.now(), updatedAt: clock.now() });
    await store.transact({}, async (tx) => {
      tx.putBox(homeBox);
      tx.putBox(teamBox);
    });
    // The team project cannot be listed this pass: its box keeps its state, the home box is stopped.
    // (A refusal, which is not retried: one answer, one pass.)
    team.failNext('instances.aggregatedList', computeHttpError(403, 'forbidden', `Required 'compute.instances.list' permission for 'projects/${TEAM}'`));
    const first = await controller.reconcileAll();
    assert.equal(first.orphans, 0);
    assert.equal(home.count('instances.stop'), 1, 'the home box is stopped in the home project');
    assert.equal(team.count('instances.stop'), 0);
    assert.equal((await store.getBox('bteam'))?.status, 'ready', 'the team box keeps its state');
    assert.ok(log.entries.some((e) => /could not list the VMs of a project/.test(JSON.stringify(e))), 'the failure is logged');
    // Listed again: the team box's stop goes to the team project, and nothing is taken for an orphan.
    const second = await controller.reconcileAll();
    assert.equal(second.orphans, 0);
    assert.equal(team.count('instances.stop'), 1, 'the team box is stopped in the team project');
    assert.equal(home.count('instances.stop'), 1);
    assert.equal((await store.getBox('bteam'))?.status, 'stopping');
    // A VM of ours in the team project that no record knows is an orphan there, and the notice says where.
    vm(team, 'bgone', 'stray');
    const third = await controller.reconcileAll();
    assert.equal(third.orphans, 1);
    const orphan = (await db.collection('notices').get()).docs.map((d) => d.data()).find((n) => n.event?.type === 'orphan-found');
    assert.equal(orphan?.event?.instance?.project, TEAM);
    // The other project's adapter shares the first one's clients and counts.
    assert.equal(compute.forProject(TEAM), compute.forProject(TEAM));
    assert.ok((compute.callCounts.get('instances.stop') ?? 0) >= 2);
  } finally {
    await close();
  }
});

test('a project nobody serves answers 403 in Compute\'s words; the public image project is readable from any', async () => {
  const clock = new ManualClock();
  const home = new ComputeSandbox({ project: HOME, now: () => clock.now() });
  const server = await startGoogleSandbox({ handlers: [new ProjectsSandbox({ projects: new Map([[HOME, [home]]]) })] });
  try {
    const res = await fetch(`${server.url}/compute/v1/projects/nobody-here/aggregated/instances`, { headers: { authorization: 'Bearer x' } });
    assert.equal(res.status, 403);
    const body = (await res.json()) as { error: { code: number; message: string; errors: { reason: string }[] } };
    assert.equal(body.error.errors[0]?.reason, 'forbidden');
    assert.equal(body.error.message, "Required 'compute.instances.list' permission for 'projects/nobody-here'");
    const insert = await fetch(`${server.url}/compute/v1/projects/nobody-here/zones/us-central1-a/instances`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: '{}' });
    assert.match(((await insert.json()) as { error: { message: string } }).error.message, /compute\.instances\.create/);
    const image = await fetch(`${server.url}/compute/v1/projects/deeplearning-platform-release/global/images/family/common-cu128-ubuntu-2204-nvidia-570`, { headers: { authorization: 'Bearer x' } });
    assert.equal(image.status, 200);
  } finally {
    await server.close();
  }
});

test('a project bound to a team is listed with no live box there: a stray VM of ours in it is an orphan; its failed listing, or unreadable bindings, leave the other boxes as usual', async () => {
  const { clock, home, team, compute, db, store, log, close } = await twoProjects();
  try {
    let bindings: () => Promise<readonly string[]> = () => Promise.resolve([TEAM]);
    const controller = new BoxController({
      compute,
      computeFor: (p) => compute.forProject(p),
      boundProjects: () => bindings(),
      store,
      clock,
      log,
      plan: { network: 'default', subnetwork: null, serviceAccount: null, jupyterAccess: 'project-editors' },
      project: HOME,
    });
    const vm = (sandbox: ComputeSandbox, id: string, name: string) =>
      sandbox.consoleCreate({ name, zone: 'us-central1-a', machineType: 'n1-standard-8', labels: { 'managed-by': 'gpubot', 'gpubot-id': id }, status: 'RUNNING' });
    // The only live box is in the configured project; the team project holds a VM whose record was lost.
    vm(home, 'bhome', 'homebox');
    await store.transact({}, async (tx) => {
      tx.putBox(makeBox({ id: 'bhome', name: 'homebox', status: 'ready', desired: 'running', zone: 'us-central1-a', createdAt: clock.now(), updatedAt: clock.now() }));
    });
    // The team project cannot be listed: no orphan is made up, the pass does not fail, the home box is judged.
    team.failNext('instances.aggregatedList', computeHttpError(403, 'forbidden', `Required 'compute.instances.list' permission for 'projects/${TEAM}'`));
    vm(team, 'blost', 'lostbox');
    const first = await controller.reconcileAll();
    assert.equal(first.orphans, 0);
    assert.equal(first.boxes, 1);
    assert.equal(team.count('instances.aggregatedList'), 1, 'the bound project was asked for its VMs');
    assert.equal((await store.getBox('bhome'))?.status, 'ready');
    // Listed: the stray VM is reported once, naming its project.
    const second = await controller.reconcileAll();
    assert.equal(second.orphans, 1);
    const third = await controller.reconcileAll();
    assert.equal(third.orphans, 0, 'reported once');
    const orphans = (await db.collection('notices').get()).docs.map((d) => d.data()).filter((n) => n.event?.type === 'orphan-found');
    assert.deepEqual(orphans.map((n) => [n.event.instance.name, n.event.instance.project]), [['lostbox', TEAM]]);
    // Bindings that cannot be read: logged, the configured project still listed and its box still judged.
    bindings = () => Promise.reject(new Error('firestore unavailable'));
    await store.transact({}, async (tx) => {
      const box = await tx.getBox('bhome');
      assert.ok(box);
      tx.putBox({ ...box, desired: 'stopped' });
    });
    const listedBefore = team.count('instances.aggregatedList');
    const fourth = await controller.reconcileAll();
    assert.equal(fourth.errors, 0);
    assert.equal(home.count('instances.stop'), 1, 'the home box is stopped');
    assert.equal(team.count('instances.aggregatedList'), listedBefore, 'no bound project is listed without the bindings');
    assert.ok(log.entries.some((e) => /could not read the team bindings/.test(JSON.stringify(e))), 'the failure is logged');
  } finally {
    await close();
  }
});
