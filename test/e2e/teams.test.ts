/**
 * A channel is a team, end to end: an admin binds the channel to a second Google Cloud project, a
 * region and a budget; boxes and jobs asked for there are created in that project (the second
 * project's stand-ins receive the calls, the first's none), the tick's stops reach them there, the
 * channel's `/gpu cost` is the team's, and the team's budget sends a request past it to an admin. A
 * bound project with no box yet is watched for orphans; `--from-box` there follows the team's region
 * and refuses a box of another project to all but an admin.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFirestore } from '../../src/store/firestore.js';
import { BOXES } from '../../src/store/box-store.js';
import { JOBS } from '../../src/store/job-store.js';
import { emulatorHost } from '../support/firestore.js';
import { ADMIN, ALICE, CHANNEL, answerText, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const TEAM_PROJECT = 'vision-team-lab';
const MIN = 60_000;

async function gpu(bot: Bot, text: string, user = ALICE): Promise<string> {
  const res = await bot.slack.sendCommand({ text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200, `ack of /gpu ${text}`);
  // The whole answer (text and blocks): what the person reads.
  return `${answerText(res.body)} ${JSON.stringify(res.body)}`;
}

/** A box or job record as Firestore holds it. */
async function record(bot: Bot, collection: string, name: string): Promise<Record<string, unknown>> {
  const db = createFirestore({ projectId: bot.config.firestore.kind === 'emulator' ? bot.config.firestore.project : bot.project, emulatorHost: emulatorHost() });
  try {
    const snap = await db.collection(collection).where('name', '==', name).get();
    const doc = snap.docs[0];
    assert.ok(doc, `${collection} record of ${name}`);
    return doc.data();
  } finally {
    await db.terminate();
  }
}

/** The initial option's value of the select `actionId` anywhere in a view. */
function initialOf(node: unknown, actionId: string): string | undefined {
  if (Array.isArray(node)) return node.map((n) => initialOf(n, actionId)).find((v) => v !== undefined);
  if (typeof node !== 'object' || node === null) return undefined;
  const o = node as { action_id?: unknown; initial_option?: { value?: string } };
  if (o.action_id === actionId) return o.initial_option?.value;
  return Object.values(node).map((v) => initialOf(v, actionId)).find((v) => v !== undefined);
}

function teamCompute(bot: Bot) {
  const other = bot.others.get(TEAM_PROJECT);
  assert.ok(other, 'the team project is served');
  return other;
}

test('a bound channel sends its boxes to the team project: created, idle-stopped, started and stopped there; unbound boxes stay in the configured project', async () => {
  const bot = await startBot({ otherProjects: [TEAM_PROJECT], env: { IDLE_AFTER: '10m', IDLE_GRACE: '5m', TICK_INTERVAL: '1m' } });
  try {
    const team = teamCompute(bot);
    // Before any binding: the box goes where it always went, and its record names no project.
    await gpu(bot, 'up plain --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('plain')?.text ?? ''), 'plain ready');
    assert.equal(bot.compute.instances().filter((i) => i.name === 'plain').length, 1, 'the unbound box is in the configured project');
    assert.equal((await record(bot, BOXES, 'plain')).project, undefined, 'an unbound box records no project');

    // A non-admin may see the binding, not change it; the refusal names who can.
    assert.match(await gpu(bot, `team set --project ${TEAM_PROJECT}`), new RegExp(`Only an admin can change this channel's team binding: <@${ADMIN}>`));
    assert.match(await gpu(bot, 'team'), /is no team's/);
    const inDm = await bot.slack.sendCommand({ text: 'team', userId: ALICE, channelId: 'D0ALICE' });
    assert.match(JSON.stringify(inDm.body), /A team is a channel/);
    // Validation: a project id, a known region, a positive amount.
    assert.match(await gpu(bot, 'team set --project Not_A_Project', ADMIN), /is not a Google Cloud project id/);
    assert.match(await gpu(bot, 'team set --region mars-north1', ADMIN), /is not a region gpubot knows/);
    assert.match(await gpu(bot, 'team set --budget -5', ADMIN), /takes the monthly budget in US dollars/);
    const bound = await gpu(bot, `team set --project ${TEAM_PROJECT} --region europe-west4 --budget 500`, ADMIN);
    assert.match(bound, /Bound/);
    assert.match(bound, new RegExp(TEAM_PROJECT));
    assert.match(await gpu(bot, 'team'), /europe-west4/, 'anyone sees the binding');
    // The form opened in the channel starts at the team's region.
    await gpu(bot, '');
    await bot.slack.waitFor((c) => c.method === 'views.open');
    assert.equal(initialOf(bot.slack.topView(ALICE), 'region'), 'europe-west4');

    // A region outside the team's is refused, naming the team's.
    assert.match(await gpu(bot, 'up elsewhere --gpu t4 --region us-east1'), /team uses region `europe-west4`/);
    assert.equal(bot.card('elsewhere'), undefined);

    bot.activity.set('teambox', 'idle');
    await gpu(bot, 'up teambox --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('teambox')?.text ?? ''), 'teambox ready');
    const vm = team.compute.instances().find((i) => i.name === 'teambox');
    assert.ok(vm, 'the VM is in the team project');
    assert.match(vm.zone, /zones\/europe-west4-[a-z]$/, "in the team's region");
    assert.equal(bot.compute.instances().some((i) => i.name === 'teambox'), false, 'and not in the configured project');
    assert.equal(team.compute.calls.filter((c) => c.method === 'instances.insert' && c.status === 200).length, 1, 'one insert reached the team project');
    const saved = await record(bot, BOXES, 'teambox');
    assert.equal(saved.project, TEAM_PROJECT);
    assert.equal(saved.team, CHANNEL);

    // The idle check reads the team project's Monitoring and its stop reaches the team project's Compute.
    await bot.tickUntil(() => /Stopped/.test(bot.card('teambox')?.text ?? ''), 'the idle stop', 40, MIN);
    assert.equal(team.compute.count('instances.stop'), 1, 'the idle stop went to the team project');
    assert.equal(bot.compute.count('instances.stop'), 0);

    // Start and stop by command reach it there too.
    bot.activity.set('teambox', 'gpu-busy');
    assert.match(await gpu(bot, 'start teambox'), /Starting/);
    await bot.tickUntil(() => /Ready/.test(bot.card('teambox')?.text ?? ''), 'teambox started');
    assert.equal(team.compute.count('instances.start'), 1);
    assert.match(await gpu(bot, 'stop teambox'), /Stopping/);
    await bot.tickUntil(() => /Stopped/.test(bot.card('teambox')?.text ?? ''), 'teambox stopped');
    assert.equal(team.compute.count('instances.stop'), 2);

    // The box asked for before the binding still lives, and is stopped, in the configured project.
    await gpu(bot, 'stop plain');
    await bot.tickUntil(() => /Stopped/.test(bot.card('plain')?.text ?? ''), 'plain stopped');
    assert.equal(bot.compute.count('instances.stop'), 1);
    assert.equal(team.compute.instances().some((i) => i.name === 'plain'), false);

    // The channel's /gpu cost is the team's: teambox, not plain.
    const cost = await gpu(bot, 'cost');
    assert.match(cost, /This channel’s team’s spend/);
    assert.match(cost, /teambox/);
    assert.doesNotMatch(cost, /`plain`/);
    // An admin's --all splits spend by team, with the unbound spend on its own line.
    const all = await gpu(bot, 'cost --all', ADMIN);
    assert.match(all, /By team/);
    assert.match(all, new RegExp(`<#${CHANNEL}>`));
    assert.match(all, /No team/);

    // The binding and its validation refusals: the trail has the one change.
    const trail = await auditLines(bot, '--days 1');
    assert.equal(trail.filter((l) => / bound the team of /.test(l)).length, 1, trail.join('\n'));
  } finally {
    await bot.stop();
  }
});

test("a job submitted in a bound channel is created in the team project's Vertex AI and watched there", async () => {
  const bot = await startBot({ otherProjects: [TEAM_PROJECT], startAt: Date.UTC(2026, 2, 2, 9, 0, 0) });
  try {
    const team = teamCompute(bot);
    await gpu(bot, `team set --project ${TEAM_PROJECT}`, ADMIN);
    const res = await bot.slack.sendCommand({ command: '/train', text: 'submit census_gpu --scale-tier basic-gpu --module-name trainer.task --packages gs://ml-lab-trainers/census-0.1.tar.gz --runtime-version 2.11', userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    await bot.tickUntil(() => team.vertex.jobs().length === 1, 'the job created in the team project');
    assert.equal(bot.vertex.jobs().length, 0, 'nothing in the configured project');
    const saved = await record(bot, JOBS, 'census_gpu');
    assert.equal(saved.project, TEAM_PROJECT);
    // Watched there: the end is read from the team project's Vertex AI.
    await bot.tickUntil(() => /succeeded/i.test(JSON.stringify(bot.slack.messages(CHANNEL).map((m) => m.text))), 'the job ends', 200, MIN);
    assert.ok(team.vertex.count('customJobs.list') + team.vertex.count('customJobs.get') > 0);
  } finally {
    await bot.stop();
  }
});

test("past the team's budget, a new box in its channel waits for an admin; a project nobody serves answers 403", async () => {
  const bot = await startBot({ otherProjects: [TEAM_PROJECT] });
  try {
    const team = teamCompute(bot);
    await gpu(bot, `team set --project ${TEAM_PROJECT} --budget 0.05`, ADMIN);
    await gpu(bot, 'up spender --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('spender')?.text ?? ''), 'spender ready');
    // An hour of a T4 box: well past five cents.
    for (let i = 0; i < 6; i++) {
      bot.clock.advance(10 * MIN);
      await bot.gpubot.worker.tick();
    }
    const answer = await gpu(bot, 'up second --gpu t4');
    assert.match(answer, /approv/i, answer);
    const waiting = await record(bot, BOXES, 'second');
    assert.equal(waiting.status, 'awaiting-approval');
    assert.match(JSON.stringify(waiting.approval), /team budget/);
    await bot.gpubot.worker.tick();
    assert.equal(team.compute.instances().some((i) => i.name === 'second'), false, 'no VM while it waits');
    // The team's /gpu team shows what it spent against its budget.
    assert.match(await gpu(bot, 'team'), /spent this month/);

    // A channel bound to a project the cloud does not let gpubot use: the insert is refused, the box fails
    // with Google's words, and the other projects' boxes are untouched.
    await gpu(bot, 'team set --project nobody-serves-this --budget none', ADMIN);
    await gpu(bot, 'up lost --gpu t4');
    await bot.tickUntil(() => /Failed|failed/.test(bot.card('lost')?.text ?? ''), 'the box in an unserved project fails', 20);
    assert.match(JSON.stringify(bot.threadOf('lost').map((m) => [m.text, m.blocks])) + JSON.stringify(bot.card('lost')?.blocks), /refused gpubot in project .*nobody-serves-this.*Required 'compute\.acceleratorTypes\.list' permission/);
    assert.equal(team.compute.instances().find((i) => i.name === 'spender')?.status, 'RUNNING', 'the team box still runs');
  } finally {
    await bot.stop();
  }
});

test("a bound project with no box yet is still watched for VMs of ours no record knows; --from-box there trains in the team's project and region, and a box of another project only for an admin", async () => {
  const bot = await startBot({ otherProjects: [TEAM_PROJECT] });
  try {
    const team = teamCompute(bot);
    await gpu(bot, 'up plain --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('plain')?.text ?? ''), 'plain ready');
    bot.agent.files('plain', { 'train.py': 'print(1)\n' });
    await gpu(bot, `team set --project ${TEAM_PROJECT}`, ADMIN);
    // A VM of ours in the team project whose record is gone, while no live box lives there: the admins hear of it.
    team.compute.consoleCreate({ name: 'stray', zone: 'europe-west4-a', machineType: 'n1-standard-8', labels: { 'managed-by': 'gpubot', 'gpubot-id': 'bgone' }, status: 'RUNNING' });
    await bot.tickUntil(() => bot.dmsTo(ADMIN).some((m) => /Unknown gpubot VM stray/.test(m.text)), 'the stray VM reported', 10);
    assert.match(JSON.stringify(bot.dmsTo(ADMIN).map((m) => m.blocks)), new RegExp(`project=${TEAM_PROJECT}`), 'the console link opens the team project');

    await gpu(bot, 'up teambox --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('teambox')?.text ?? ''), 'teambox ready');
    team.agent.files('teambox', { 'train.py': 'print(2)\n' });
    const spec = (await record(bot, BOXES, 'teambox')).spec as { region?: unknown };
    assert.equal(typeof spec.region, 'string');
    assert.notEqual(spec.region, 'europe-west4', 'the box was made before the team had a region');
    await gpu(bot, 'team set --region europe-west4', ADMIN);

    const train = async (text: string, user = ALICE) => {
      const res = await bot.slack.sendCommand({ command: '/train', text, userId: user, channelId: CHANNEL });
      assert.equal(res.status, 200);
      return `${answerText(res.body)} ${JSON.stringify(res.body)}`;
    };
    // A box of the configured project cannot train into the team's project for a non-admin.
    const refused = await train('submit fromplain --from-box plain --entry train.py');
    assert.match(refused, /`plain` lives in project `[^`]+`\. This channel's team sends its jobs to project `vision-team-lab`/);
    // The team's box: the job goes to the team's project, in the team's region, and says so.
    const said = await train('submit fromteam --from-box teambox --entry train.py');
    assert.match(said, /Runs in `europe-west4`, this channel's team's region/, said);
    await bot.tickUntil(() => team.vertex.jobs().length === 1, 'the job created in the team project', 60);
    const job = await record(bot, JOBS, 'fromteam');
    assert.equal(job.project, TEAM_PROJECT);
    assert.equal(job.region, 'europe-west4');
    assert.match(JSON.stringify(team.vertex.jobs()[0]), /locations\/europe-west4\//);
    // An admin may cross on purpose; the trail says so.
    const crossed = await train('submit crossed --from-box plain --entry train.py', ADMIN);
    assert.doesNotMatch(crossed, /lives in project/, crossed);
    assert.equal((await record(bot, JOBS, 'crossed')).project, TEAM_PROJECT);
    const trail = await auditLines(bot, '--days 1');
    assert.ok(trail.some((l) => l.includes(`from box plain in project ${bot.project} into project ${TEAM_PROJECT}`)), trail.join('\n'));
    assert.equal(bot.vertex.jobs().length, 0, 'nothing in the configured project');
  } finally {
    await bot.stop();
  }
});
