/**
 * `/train --from-box` and [Train] past a policy rule, through the real HTTP surface: the job waits for
 * an admin with nothing packaged on the box, nothing in the bucket and nothing in Vertex AI; [Approve]
 * packages the code and submits it; [Deny] and expiry end it with nothing left; a retried Slack request
 * asks the admins once; the requester hears each step.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { JOB_APPROVAL_ACTIONS } from '../../src/slack/views/job-approval.js';
import { ADMIN, ALICE, CHANNEL, STAGING_BUCKET, answerText, auditLines, buttonValue, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const H = 3_600_000;
const ADMINS_CHANNEL = 'CADMINS';
/** Five replicas of a one-T4 box: five GPUs, past the default policy's "more than 4 GPUs needs an approval". */
const FIVE_REPLICAS = '--entry train.py --replicas 5';

async function readyBox(bot: Bot, name: string): Promise<void> {
  const res = await bot.slack.sendCommand({ command: '/gpu', text: `up ${name} --gpu t4`, userId: ALICE, channelId: CHANNEL });
  assert.equal(res.status, 200);
  await bot.tickUntil(() => /Ready/.test(bot.card(name)?.text ?? ''), `${name} ready`);
  bot.agent.files(name, { 'train.py': 'print(1)\n' });
}

function jobCard(bot: Bot, name: string): SimMessage | undefined {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

function threadOf(bot: Bot, name: string): SimMessage[] {
  const card = jobCard(bot, name);
  return card === undefined ? [] : bot.slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts);
}

type ButtonSeen = { type?: string; action_id?: string; value?: string };

function buttonsOf(message: SimMessage | undefined): ButtonSeen[] {
  return (message?.blocks ?? []).flatMap((b) => (b.elements as ButtonSeen[] | undefined) ?? []).filter((e) => e.type === 'button');
}

/** The admins' requests about job `name`, in the admin channel or an admin's DM. */
function requestsFor(messages: SimMessage[], name: string): SimMessage[] {
  return messages.filter((m) => m.fromBot && m.text.includes(`Training job ${name}`) && /submitted training job/.test(JSON.stringify(m.blocks)));
}

function latest(messages: SimMessage[], ts: string | undefined): SimMessage | undefined {
  return messages.find((m) => m.ts === ts);
}

async function ticks(bot: Bot, n: number, stepMs = 1000): Promise<void> {
  for (let i = 0; i < n; i++) {
    await bot.gpubot.worker.tick();
    bot.clock.advance(stepMs);
  }
}

/** Nothing of the job exists outside its record: no request in the box's metadata, nothing read or staged, no Vertex AI job. */
function nothingMade(bot: Bot, box: string, what: string): void {
  const asked = (bot.compute.instance(box)?.metadata.items ?? []).filter((i) => i.key === 'gpubot-agent-request');
  assert.deepEqual(asked, [], `${what}: the box was asked nothing`);
  assert.equal(bot.agent.requests.length, 0, `${what}: the agent packaged nothing`);
  assert.deepEqual(bot.storage.list(STAGING_BUCKET).map((o) => o.name), [], `${what}: nothing in the bucket`);
  assert.equal(bot.vertex.count('customJobs.create'), 0, `${what}: nothing asked of Vertex AI`);
}

function stripDate(line: string): string {
  return line.replace(/^<!date\^\d+\^[^>]*> · /, '');
}

test('a job from a box past a rule waits with nothing packaged; a retried command asks once; Approve packages it and submits it once; the requester hears each step', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMIN_CHANNEL: ADMINS_CHANNEL } });
  try {
    await bot.gpubot.pricesReady;
    await readyBox(bot, 'exp80');
    const res = await bot.slack.sendCommand({ command: '/train', text: `submit wide_box --from-box exp80 ${FIVE_REPLICAS}`, userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    const said = answerText(res.body);
    assert.match(said, /`wide_box` waits for an admin's approval under the policy: \*GPU count that needs an approval\*/);
    assert.match(said, /nothing is packaged on `exp80` or submitted to Vertex AI until one approves/);
    // Slack retries a command it thinks timed out: the same request, one job, one request to the admins.
    const again = await bot.slack.resend(res, { retryNum: 1, retryReason: 'http_timeout' });
    assert.equal(again.status, 200);
    assert.match(answerText(again.body), /waits for an admin's approval/);

    await ticks(bot, 5);
    nothingMade(bot, 'exp80', 'while it waits');
    assert.match(jobCard(bot, 'wide_box')?.text ?? '', /Awaiting an admin's approval/);
    assert.match(JSON.stringify(jobCard(bot, 'wide_box')?.blocks), /The code on `exp80` is packaged once an admin approves/);
    assert.equal(bot.slack.messages(CHANNEL).filter((m) => m.fromBot && m.threadTs === undefined && m.text.includes('Training job wide_box')).length, 1, 'one job card');
    const requests = requestsFor(bot.slack.messages(ADMINS_CHANNEL), 'wide_box');
    assert.equal(requests.length, 1, 'the admins were asked once');
    const request = requests[0];
    assert.ok(request);
    const shown = JSON.stringify(request.blocks);
    assert.match(shown, /GPU count that needs an approval/, 'the rule that caught it');
    assert.match(shown, /\/h while it runs/, 'the price');
    assert.match(shown, /from the code on box `exp80`/, 'where the code comes from');
    assert.match(shown, /Approve packages that code and submits it to Vertex AI/);
    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    assert.notEqual(id, '');

    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMINS_CHANNEL, messageTs: request.ts });
    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'wide_box packaged and submitted');
    await ticks(bot, 5);
    assert.equal(bot.vertex.jobs().length, 1, 'one Vertex AI job');
    assert.equal(bot.vertex.jobs()[0]?.displayName, 'wide_box');
    assert.equal(bot.agent.requests.length, 1, 'the box packaged once');
    assert.deepEqual(bot.storage.list(STAGING_BUCKET).map((o) => o.name), [`jobs/${id}/code/code.tar.gz`], 'its code under its own prefix');
    assert.match(JSON.stringify(bot.vertex.jobs()[0]?.jobSpec), new RegExp(`jobs/${id}/code/code\\.tar\\.gz`));

    const step = /Approved by <@UADMIN>; packaging the code on `exp80`, then submitting it to Vertex AI now/;
    assert.equal(threadOf(bot, 'wide_box').filter((m) => step.test(m.text)).length, 1, 'the thread heard once');
    assert.equal(bot.dmsTo(ALICE).filter((m) => /wide_box/.test(m.text) && step.test(m.text)).length, 1, 'the requester heard once');
    assert.match(JSON.stringify(latest(bot.slack.messages(ADMINS_CHANNEL), request.ts)?.blocks), /Approved by <@UADMIN>/);
    assert.equal(buttonsOf(latest(bot.slack.messages(ADMINS_CHANNEL), request.ts)).length, 0, 'the request lost its buttons');
    assert.match(JSON.stringify(jobCard(bot, 'wide_box')?.blocks), /From `exp80`: 1 files/, 'the card shows what was packaged');

    const trail = (await auditLines(bot, 'wide_box')).map(stripDate);
    assert.deepEqual(trail, [`<@${ADMIN}> approved job \`wide_box\` · button in <#${ADMINS_CHANNEL}>`, `<@${ALICE}> submitted job \`wide_box\` (from box exp80) · command in <#${CHANNEL}>`]);
    assert.deepEqual(bot.slack.violations, [], 'no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});

test('[Train] past a rule: a retried form asks once; Deny ends it and an undecided one expires, each with nothing packaged, staged or submitted, and the requester told', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    await readyBox(bot, 'exp81');
    // [Train] on the box's card opens the /train form with --from-box filled in.
    await bot.slack.sendAction({ userId: ALICE, actionId: 'box_train', value: buttonValue(bot, 'exp81', 'box_train'), channelId: CHANNEL, messageTs: bot.card('exp81')?.ts ?? '' });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const line = (value: string) => ({ train_command: { command: { type: 'plain_text_input', value } } });
    const first = await bot.slack.sendViewSubmission({ userId: ALICE, values: line(`no_box --from-box exp81 ${FIVE_REPLICAS}`) });
    assert.equal(first.outcome, 'closed');
    assert.equal((await bot.slack.resend(first, { retryNum: 1, retryReason: 'http_timeout' })).status, 200);
    await bot.slack.waitUntil(() => bot.slack.ephemerals(ALICE, CHANNEL).find((e) => /`no_box` waits for an admin's approval/.test(e.text)), 3000, 'Alice told it waits');

    await ticks(bot, 3);
    const requests = requestsFor(bot.dmsTo(ADMIN), 'no_box');
    assert.equal(requests.length, 1, 'the retried form asked the admin once');
    const request = requests[0];
    assert.ok(request);
    nothingMade(bot, 'exp81', 'while it waits');

    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.deny)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.deny, value: id, channelId: ADMIN, messageTs: request.ts });
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /no_box/.test(m.text) && /Denied by <@UADMIN>: nothing was submitted/.test(m.text)), 'Alice hears the deny');
    await ticks(bot, 5);
    assert.ok(threadOf(bot, 'no_box').some((m) => /Denied by <@UADMIN>/.test(m.text)), 'the thread heard');
    assert.match(JSON.stringify(latest(bot.dmsTo(ADMIN), request.ts)?.blocks), /Denied by <@UADMIN>/);
    assert.match(JSON.stringify(jobCard(bot, 'no_box')?.blocks), /Denied by <@UADMIN>/);
    assert.doesNotMatch(JSON.stringify(jobCard(bot, 'no_box')?.blocks), /Packaging|packaged once/, 'the card promises no packaging');
    nothingMade(bot, 'exp81', 'after the deny');

    // One nobody decides on ends after 24 hours, with nothing made either.
    const res = await bot.slack.sendCommand({ command: '/train', text: `submit late_box --from-box exp81 ${FIVE_REPLICAS}`, userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(res.body), /waits for an admin's approval/);
    await ticks(bot, 3);
    bot.clock.advance(23 * H);
    await ticks(bot, 2);
    assert.match(jobCard(bot, 'late_box')?.text ?? '', /Awaiting an admin's approval/, 'still waiting after 23 hours');
    nothingMade(bot, 'exp81', 'after 23 hours');
    bot.clock.advance(H);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /late_box/.test(m.text) && /request ended: nothing was submitted/.test(m.text)), 'the expiry DM');
    await ticks(bot, 5);
    assert.equal(buttonsOf(latest(bot.dmsTo(ADMIN), requestsFor(bot.dmsTo(ADMIN), 'late_box')[0]?.ts)).length, 0, 'the expired request lost its buttons');
    nothingMade(bot, 'exp81', 'after the expiry');
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});
