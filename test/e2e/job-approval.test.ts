/**
 * `/train` requests a policy rule sends to an admin, through the real HTTP surface: they wait (nothing
 * reaches Vertex AI), the admins get [Approve] [Deny] with the price and the rule, every admin's copy
 * shows who decided, nobody approves their own request unless they are the only admin, requests
 * expire, the requester hears each step, and Approve submits the job exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { JOB_ACTIONS } from '../../src/slack/views/job-card.js';
import { JOB_APPROVAL_ACTIONS, JOB_DECISION_FORM } from '../../src/slack/views/job-approval.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const H = 3_600_000;
const ADMIN2 = 'UADMIN2';
const ADMINS_CHANNEL = 'CADMINS';
const IMAGE = 'us-docker.pkg.dev/team/train/img:1';
const t4Pool = (replicas: number): string =>
  `--worker-pool-spec=machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,replica-count=${replicas},container-image-uri=${IMAGE}`;
/** A chief and four workers, one T4 each: five GPUs, past the default policy's "more than 4 GPUs needs an approval". */
const FIVE_T4 = `${t4Pool(1)} ${t4Pool(4)}`;

async function submit(bot: Bot, name: string, user = ALICE) {
  const res = await bot.slack.sendCommand({ command: '/train', text: `submit --display-name ${name} --region us-central1 ${FIVE_T4}`, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200);
  return res;
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

/** The admins' request about job `name`, in the admin channel or an admin's DM. */
function requestFor(messages: SimMessage[], name: string): SimMessage | undefined {
  return messages.find((m) => m.fromBot && m.text.includes(`Training job ${name}`) && /submitted training job/.test(JSON.stringify(m.blocks)));
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

async function answered(bot: Bot, user: string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (bot.slack.ephemerals(user).some((e) => pattern.test(e.text))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${user} was never told ${String(pattern)}: ${JSON.stringify(bot.slack.ephemerals(user).map((e) => e.text))}`);
}

function stripDate(line: string): string {
  return line.replace(/^<!date\^\d+\^[^>]*> · /, '');
}

test('a job past a rule waits with nothing in Vertex AI; a non-admin cannot approve; Approve submits it once and the requester hears each step', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMIN_CHANNEL: ADMINS_CHANNEL } });
  try {
    await bot.gpubot.pricesReady;
    const res = await submit(bot, 'wide');
    // Slack retries a command it thinks timed out: the same request, asked once.
    assert.equal((await bot.slack.resend(res, { retryNum: 1, retryReason: 'http_timeout' })).status, 200);
    const said = answerText(res.body);
    assert.match(said, /waits for an admin's approval under the policy: \*GPU count that needs an approval\*/);
    assert.match(said, /nothing is submitted to Vertex AI until one approves/);

    await ticks(bot, 5);
    assert.equal(bot.vertex.jobs().length, 0, 'nothing in Vertex AI while it waits');
    assert.match(jobCard(bot, 'wide')?.text ?? '', /Awaiting an admin's approval/);
    const requests = bot.slack.messages(ADMINS_CHANNEL).filter((m) => requestFor([m], 'wide') !== undefined);
    assert.equal(requests.length, 1, 'the admins were asked once');
    const request = requests[0];
    assert.ok(request);
    const shown = JSON.stringify(request.blocks);
    assert.match(shown, /GPU count that needs an approval/, 'the rule that caught it');
    assert.match(shown, /\/h while it runs/, 'the price');
    assert.match(shown, /1 × n1-standard-8 with 1 NVIDIA_TESLA_T4, 4 × n1-standard-8 with 1 NVIDIA_TESLA_T4/);
    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    assert.notEqual(id, '');
    const where = { channelId: ADMINS_CHANNEL, messageTs: request.ts };

    for (const user of [BOB, ALICE]) await bot.slack.sendAction({ userId: user, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, ...where });
    for (const user of [BOB, ALICE]) await answered(bot, user, /Only an admin can approve a training job request/);
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 0, 'a non-admin’s Approve submitted nothing');

    // A double click: two Approves at once act once.
    await Promise.all([1, 2].map(() => bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, ...where })));
    await bot.tickUntil(() => bot.vertex.jobs().length === 1 && /Approved by <@UADMIN>/.test(JSON.stringify(latest(bot.slack.messages(ADMINS_CHANNEL), request.ts)?.blocks)), 'wide submitted');
    await ticks(bot, 5);
    assert.equal(bot.vertex.jobs().length, 1, 'one Vertex AI job');
    assert.equal(bot.vertex.jobs()[0]?.displayName, 'wide');
    await answered(bot, ADMIN, /Approved training job `wide`/);
    await answered(bot, ADMIN, /`wide` was already approved by <@UADMIN>/);
    assert.equal(buttonsOf(latest(bot.slack.messages(ADMINS_CHANNEL), request.ts)).length, 0, 'the request lost its buttons');
    assert.equal(threadOf(bot, 'wide').filter((m) => /Approved by <@UADMIN>; submitting it to Vertex AI/.test(m.text)).length, 1, 'the thread heard once');
    assert.equal(bot.dmsTo(ALICE).filter((m) => /wide/.test(m.text) && /Approved by <@UADMIN>/.test(m.text)).length, 1, 'the requester heard once');
    assert.match(JSON.stringify(jobCard(bot, 'wide')?.blocks), /Approved by <@UADMIN>/);

    const trail = (await auditLines(bot, 'wide')).map(stripDate);
    assert.deepEqual(trail, [`<@${ADMIN}> approved job \`wide\` · button in <#${ADMINS_CHANNEL}>`, `<@${ALICE}> submitted job \`wide\` · command in <#${CHANNEL}>`]);
    assert.deepEqual(bot.slack.violations, [], 'no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});

test('two admins get a job request; the requester, an admin, cannot approve their own; the other approves and both copies show who', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMINS: `${ADMIN},${ADMIN2}` } });
  try {
    await bot.gpubot.pricesReady;
    assert.match(answerText((await submit(bot, 'mine', ADMIN)).body), /waits for an admin's approval/);
    await ticks(bot, 3);
    const first = requestFor(bot.dmsTo(ADMIN), 'mine');
    const second = requestFor(bot.dmsTo(ADMIN2), 'mine');
    assert.ok(first && second, 'each admin got the request by DM');
    const id = buttonsOf(first).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: first.ts });
    await answered(bot, ADMIN, /`mine` is your own request; another admin has to approve it/);
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 0, 'the own approval submitted nothing');

    await bot.slack.sendAction({ userId: ADMIN2, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN2, messageTs: second.ts });
    await bot.tickUntil(() => bot.vertex.jobs().length === 1 && [ADMIN, ADMIN2].every((a) => buttonsOf(latest(bot.dmsTo(a), a === ADMIN ? first.ts : second.ts)).length === 0), 'mine submitted, copies updated');
    for (const [admin, ts] of [[ADMIN, first.ts], [ADMIN2, second.ts]] as const) {
      assert.match(JSON.stringify(latest(bot.dmsTo(admin), ts)?.blocks), /Approved by <@UADMIN2>/, `${admin}'s copy says who approved`);
    }
    assert.ok(bot.dmsTo(ADMIN).some((m) => /mine/.test(m.text) && /Approved by <@UADMIN2>/.test(m.text)), 'the requester heard');
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('the only admin may approve their own job request, and the record says so', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    await submit(bot, 'solo', ADMIN);
    await ticks(bot, 3);
    const request = requestFor(bot.dmsTo(ADMIN), 'solo');
    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: request?.ts ?? '' });
    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'solo submitted');
    await ticks(bot, 2);
    assert.match(JSON.stringify(latest(bot.dmsTo(ADMIN), request?.ts)?.blocks), /Approved by <@UADMIN> \(their own request; they are the only admin\)/);
    const trail = (await auditLines(bot, 'solo')).map(stripDate);
    assert.equal(trail.filter((l) => l.startsWith(`<@${ADMIN}> approved job \`solo\` (their own request; the only admin) · button`)).length, 1, trail.join('\n'));
  } finally {
    await bot.stop();
  }
});

test('Deny with a reason: nothing reaches Vertex AI, the requester and the other admin read the reason, decided once', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMINS: `${ADMIN},${ADMIN2}` } });
  try {
    await bot.gpubot.pricesReady;
    await submit(bot, 'why');
    await ticks(bot, 3);
    const mine = requestFor(bot.dmsTo(ADMIN2), 'why');
    const other = requestFor(bot.dmsTo(ADMIN), 'why');
    assert.ok(mine && other);
    const id = buttonsOf(mine).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.withReason)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN2, actionId: JOB_APPROVAL_ACTIONS.withReason, value: id, channelId: ADMIN2, messageTs: mine.ts });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const values = {
      [JOB_DECISION_FORM.blocks.decision]: { [JOB_DECISION_FORM.actions.decision]: { type: 'radio_buttons', selected_option: { value: 'deny' } } },
      [JOB_DECISION_FORM.blocks.reason]: { [JOB_DECISION_FORM.actions.reason]: { type: 'plain_text_input', value: 'Run it on two replicas first.' } },
    };
    const first = await bot.slack.sendViewSubmission({ userId: ADMIN2, values });
    assert.equal(first.outcome, 'closed');
    assert.equal((await bot.slack.resend(first, { retryNum: 1, retryReason: 'http_timeout' })).status, 200);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /Denied by <@UADMIN2>/.test(m.text)), 'Alice hears the deny');
    await ticks(bot, 5);
    assert.ok(bot.dmsTo(ALICE).some((m) => /why/.test(m.text) && /Reason: Run it on two replicas first\./.test(m.text)), 'with the reason');
    assert.equal(bot.dmsTo(ALICE).filter((m) => /Denied by/.test(m.text)).length, 1, 'one decision, one notice');
    assert.match(JSON.stringify(latest(bot.dmsTo(ADMIN), other.ts)?.blocks), /Denied by <@UADMIN2>.*Reason: Run it on two replicas first/);
    assert.match(JSON.stringify(jobCard(bot, 'why')?.blocks), /Denied by <@UADMIN2>/);
    assert.equal(bot.vertex.jobs().length, 0);
    const trail = (await auditLines(bot, 'why')).map(stripDate);
    assert.equal(trail.filter((l) => l.includes('denied job `why`')).length, 1, trail.join('\n'));
  } finally {
    await bot.stop();
  }
});

test('a job request nobody decides ends after 24 hours: the requester is told, the copy loses its buttons, the trail says so once', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    await submit(bot, 'late');
    await ticks(bot, 3);
    const request = requestFor(bot.dmsTo(ADMIN), 'late');
    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    bot.clock.advance(23 * H);
    await ticks(bot, 2);
    assert.match(jobCard(bot, 'late')?.text ?? '', /Awaiting an admin's approval/, 'still waiting after 23 hours');
    bot.clock.advance(H);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /late/.test(m.text) && /request ended/.test(m.text)), 'the expiry DM');
    await ticks(bot, 5);
    const copy = latest(bot.dmsTo(ADMIN), request?.ts);
    assert.equal(buttonsOf(copy).length, 0, 'the expired request lost its buttons');
    assert.match(JSON.stringify(copy?.blocks), /Nobody decided in time/);
    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: request?.ts ?? '' });
    await answered(bot, ADMIN, /`late` already ended: nobody decided in time/);
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 0);
    const trail = (await auditLines(bot, 'late')).map(stripDate);
    assert.equal(trail.filter((l) => l.includes('ended for want of a decision the request for job `late`')).length, 1, trail.join('\n'));
  } finally {
    await bot.stop();
  }
});

test('the requester withdraws a waiting job with Cancel; a later Approve submits nothing', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    await submit(bot, 'changed');
    await ticks(bot, 3);
    const request = requestFor(bot.dmsTo(ADMIN), 'changed');
    const id = buttonsOf(request).find((b) => b.action_id === JOB_APPROVAL_ACTIONS.approve)?.value ?? '';
    const cancel = buttonsOf(jobCard(bot, 'changed')).find((b) => b.action_id === JOB_ACTIONS.cancel);
    assert.ok(cancel, 'the card offers Cancel while it waits');
    await bot.slack.sendAction({ userId: ALICE, actionId: JOB_ACTIONS.cancel, value: cancel.value ?? '', channelId: CHANNEL, messageTs: jobCard(bot, 'changed')?.ts ?? '' });
    await answered(bot, ALICE, /Withdrew the request for `changed`/);
    await ticks(bot, 3);
    assert.match(JSON.stringify(latest(bot.dmsTo(ADMIN), request?.ts)?.blocks), /Withdrawn by <@UALICE>/, "the admin's copy says it was withdrawn");
    await bot.slack.sendAction({ userId: ADMIN, actionId: JOB_APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: request?.ts ?? '' });
    await answered(bot, ADMIN, /was already withdrawn by <@UALICE>/);
    await ticks(bot, 5);
    assert.equal(bot.vertex.jobs().length, 0);
  } finally {
    await bot.stop();
  }
});
