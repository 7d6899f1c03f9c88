/**
 * GPUBOT_OVER_BUDGET=approve through the real HTTP surface: a `/gpu up` past a budget is recorded to
 * wait, creates no VM, and goes on only when an admin presses Approve. Budgets come from the leader's
 * tick (CostWatch) over box records written as the controller writes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, BoxStatus } from '../../src/domain/box.js';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { APPROVAL_ACTIONS } from '../../src/slack/views/approval.js';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { FirestoreBoxStore } from '../../src/store/box-store.js';
import { makeBox } from '../support/boxes.js';
import { testFirestore } from '../support/firestore.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const H = 3_600_000;
const ADMINS_CHANNEL = 'CADMINS';
const ADMIN2 = 'UADMIN2';

/** Alice has run a T4 for 20 hours this month: about $15 against her $10 budget. */
async function aliceOverBudget(bot: Bot): Promise<void> {
  await bot.gpubot.pricesReady;
  const now = bot.clock.now();
  const events: [BoxStatus, number][] = [['creating', now - 20 * H], ['booting', now - 20 * H], ['stopped', now]];
  const box: Box = makeBox({
    id: 'alicebig',
    name: 'alice-big',
    owner: ALICE,
    channel: CHANNEL,
    status: 'stopped',
    desired: 'stopped',
    history: events.map(([status, at]) => ({ status, at })),
    createdAt: now - 20 * H,
    updatedAt: now,
    jupyterUrl: null,
  });
  // Its VM exists, stopped, so the box controller sees the record as true rather than as deleted.
  bot.compute.consoleCreate({
    name: box.name,
    zone: 'us-central1-a',
    machineType: box.spec.machineType,
    labels: { 'managed-by': 'gpubot', 'gpubot-owner': ALICE.toLowerCase(), 'gpubot-id': box.id },
    status: 'TERMINATED',
  });
  const db = testFirestore(bot.project);
  await new FirestoreBoxStore(db, bot.clock).transact({}, async (tx) => tx.putBox(box));
  await db.terminate();
  // The leader's first tick checks the budgets and records who is past theirs.
  await bot.gpubot.worker.tick();
}

function budgetEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { GPUBOT_BUDGETS: `${ALICE}=10`, GPUBOT_OVER_BUDGET: 'approve', ...extra };
}

async function up(bot: Bot, name: string, user = ALICE): Promise<string> {
  const res = await bot.slack.sendCommand({ text: `up ${name} --gpu t4`, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200);
  return answerText(res.body);
}

type ButtonSeen = { type?: string; action_id?: string; value?: string; text?: { text?: string } };

function buttonsOf(message: SimMessage | undefined): ButtonSeen[] {
  return (message?.blocks ?? []).flatMap((b) => (b.elements as ButtonSeen[] | undefined) ?? []).filter((e) => e.type === 'button');
}

/** A button's answer is sent after its ack, so the test waits for it (in real time: it is local HTTP). */
async function answered(bot: Bot, user: string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (bot.slack.ephemerals(user).some((e) => pattern.test(e.text))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${user} was never told ${String(pattern)}: ${JSON.stringify(bot.slack.ephemerals(user).map((e) => e.text))}`);
}

/** The admins' request about box `name`, in the admin channel or an admin's DM. */
function approvalRequest(messages: SimMessage[], name: string): SimMessage | undefined {
  return messages.find((m) => m.fromBot && m.text.includes(name) && /GPU budget/.test(m.text) && /asked for/.test(JSON.stringify(m.blocks)));
}

function vmsNamed(bot: Bot, name: string): number {
  return bot.compute.instances().filter((i) => i.name === name).length;
}

async function ticks(bot: Bot, n: number, stepMs = 1000): Promise<void> {
  for (let i = 0; i < n; i++) {
    await bot.gpubot.worker.tick();
    bot.clock.advance(stepMs);
  }
}

async function click(bot: Bot, user: string, actionId: string, value: string, where: { channelId: string; messageTs: string }) {
  const res = await bot.slack.sendAction({ userId: user, actionId, value, ...where });
  assert.equal(res.status, 200);
  return res;
}

test('past the budget with approve: no VM, admins get buttons, only an admin may press them, Approve creates one VM', async () => {
  const bot = await startBot({ env: budgetEnv({ GPUBOT_ADMIN_CHANNEL: ADMINS_CHANNEL }) });
  try {
    await aliceOverBudget(bot);
    const answer = await up(bot, 'waits');
    assert.match(answer, /waits for an admin's approval/);
    assert.match(answer, /Your GPU budget for \d{4}-\d{2} is used up \(\$1\d\.\d\d of \$10\.00, list price\)/);
    assert.match(answer, /I asked the admins/);
    assert.match(answer, /\$0\.\d\d\/h while running/, 'the requester sees what the box would cost');

    await ticks(bot, 10);
    assert.equal(vmsNamed(bot, 'waits'), 0, 'no VM while it waits');
    assert.equal(bot.compute.count('instances.insert'), 0);
    assert.match(bot.card('waits')?.text ?? '', /Awaiting approval/);
    assert.ok(buttonsOf(bot.card('waits')).some((b) => b.action_id === ACTIONS.delete && b.text?.text === 'Withdraw request'));
    const list = await bot.slack.sendCommand({ text: 'list', userId: ALICE, channelId: CHANNEL });
    assert.match(JSON.stringify(list.body), /waits\*  :raised_hand: Awaiting an admin's approval/);

    const request = approvalRequest(bot.slack.messages(ADMINS_CHANNEL), 'waits');
    assert.ok(request, `the admin channel has the request: ${JSON.stringify(bot.slack.messages(ADMINS_CHANNEL).map((m) => m.text))}`);
    const shown = JSON.stringify(request.blocks);
    assert.match(shown, /<@UALICE>'s GPU budget for \d{4}-\d{2} is used up \(\$1\d\.\d\d of \$10\.00, list price\)/);
    assert.match(shown, /\$0\.\d\d\/h while running/, 'the admins see the hourly price');
    assert.match(shown, /NVIDIA T4 × 1/);
    const id = buttonsOf(request).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';
    assert.ok(buttonsOf(request).some((b) => b.action_id === APPROVAL_ACTIONS.deny));
    const where = { channelId: ADMINS_CHANNEL, messageTs: request.ts };

    for (const user of [BOB, ALICE]) await click(bot, user, APPROVAL_ACTIONS.approve, id, where);
    await ticks(bot, 5);
    assert.equal(vmsNamed(bot, 'waits'), 0, 'a non-admin’s Approve created nothing');
    for (const user of [BOB, ALICE]) await answered(bot, user, /Only an admin can approve a box request/);
    assert.match(bot.card('waits')?.text ?? '', /Awaiting approval/);

    await click(bot, ADMIN, APPROVAL_ACTIONS.approve, id, where);
    await bot.tickUntil(() => /Ready/.test(bot.card('waits')?.text ?? ''), 'waits ready');
    assert.equal(vmsNamed(bot, 'waits'), 1);
    assert.equal(bot.compute.count('instances.insert'), 1);
    assert.match(JSON.stringify(bot.card('waits')?.blocks), /approved by <@UADMIN>/);
    assert.equal(bot.threadOf('waits').filter((m) => /Approved by <@UADMIN>/.test(m.text)).length, 1, 'the thread says who approved');
    await answered(bot, ADMIN, /Approved `waits`/);
    const after = bot.slack.messages(ADMINS_CHANNEL).find((m) => m.ts === request.ts);
    assert.equal(buttonsOf(after).filter((b) => b.action_id === APPROVAL_ACTIONS.approve).length, 0, 'the request lost its buttons');
    assert.match(JSON.stringify(after?.blocks), /Approved by <@UADMIN>/);
    assert.deepEqual(bot.slack.violations, [], 'no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});

test('Deny ends the box with no VM, frees its name, and tells the requester who denied', async () => {
  // No admin channel: the request reaches the admin by DM.
  const bot = await startBot({ env: budgetEnv() });
  try {
    await aliceOverBudget(bot);
    await up(bot, 'nope');
    await ticks(bot, 3);
    const request = approvalRequest(bot.dmsTo(ADMIN), 'nope');
    assert.ok(request, 'the admin got the request by DM');
    const id = buttonsOf(request).find((b) => b.action_id === APPROVAL_ACTIONS.deny)?.value ?? '';
    await click(bot, ADMIN, APPROVAL_ACTIONS.deny, id, { channelId: ADMIN, messageTs: request.ts });
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /Denied by <@UADMIN>/.test(m.text)), 'Alice hears of the deny');
    await ticks(bot, 5);
    assert.equal(vmsNamed(bot, 'nope'), 0);
    assert.equal(bot.compute.count('instances.insert'), 0);
    assert.match(JSON.stringify(bot.card('nope')?.blocks), /Denied by <@UADMIN>: no VM was created/);
    assert.equal(buttonsOf(bot.card('nope')).length, 0, 'nothing left to press on the card');
    const list = await bot.slack.sendCommand({ text: 'list', userId: ALICE, channelId: CHANNEL });
    assert.doesNotMatch(JSON.stringify(list.body), /nope/, 'the denied box is no longer live');
    assert.match(await up(bot, 'nope'), /waits for an admin's approval/, 'the name is free again');
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('a double Approve acts once, and a second admin is told it was already approved', async () => {
  const bot = await startBot({ env: budgetEnv({ GPUBOT_ADMINS: `${ADMIN},${ADMIN2}` }) });
  try {
    await aliceOverBudget(bot);
    await up(bot, 'twice');
    await ticks(bot, 3);
    const first = approvalRequest(bot.dmsTo(ADMIN), 'twice');
    const second = approvalRequest(bot.dmsTo(ADMIN2), 'twice');
    assert.ok(first && second, 'each admin got the request');
    const id = buttonsOf(first).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';
    const where = { channelId: ADMIN, messageTs: first.ts };
    await Promise.all([1, 2].map(() => click(bot, ADMIN, APPROVAL_ACTIONS.approve, id, where)));
    await click(bot, ADMIN2, APPROVAL_ACTIONS.approve, id, { channelId: ADMIN2, messageTs: second.ts });
    await bot.tickUntil(() => /Ready/.test(bot.card('twice')?.text ?? ''), 'twice ready');
    await ticks(bot, 3);
    assert.equal(bot.compute.count('instances.insert'), 1);
    assert.equal(vmsNamed(bot, 'twice'), 1);
    assert.equal(bot.threadOf('twice').filter((m) => /Approved by/.test(m.text)).length, 1, 'one approval notice');
    await answered(bot, ADMIN, /Approved `twice`/);
    await answered(bot, ADMIN, /already approved by <@UADMIN>/);
    await answered(bot, ADMIN2, /`twice` was already approved by <@UADMIN>/);
    const adminSaid = bot.slack.ephemerals(ADMIN).map((e) => e.text);
    assert.equal(adminSaid.filter((t) => /Approved `twice`/.test(t)).length, 1, 'the double click approved once');
    assert.equal(adminSaid.filter((t) => /already approved by <@UADMIN>/.test(t)).length, 1, 'and the second click was told so');
    const trail = await auditLines(bot, 'twice');
    assert.equal(trail.filter((l) => l.includes('approved box `twice`')).length, 1, trail.join('\n'));
    assert.ok(trail.some((l) => l.includes(`<@${ADMIN}> approved box \`twice\` · button`)), trail.join('\n'));
    assert.equal(trail.filter((l) => l.includes('asked for box `twice`')).length, 1, trail.join('\n'));
  } finally {
    await bot.stop();
  }
});

test('a request nobody decides ends after 24 hours and tells the requester; a retried /gpu up asks once', async () => {
  const bot = await startBot({ env: budgetEnv() });
  try {
    await aliceOverBudget(bot);
    const res = await bot.slack.sendCommand({ text: 'up forgotten --gpu t4', userId: ALICE, channelId: CHANNEL });
    const again = await bot.slack.resend(res, { retryNum: 1, retryReason: 'http_timeout' });
    assert.equal(answerText(again.body), answerText(res.body), 'a retry gets the first answer');
    await ticks(bot, 3);
    assert.equal(bot.dmsTo(ADMIN).filter((m) => approvalRequest([m], 'forgotten') !== undefined).length, 1, 'the admins were asked once');
    const request = approvalRequest(bot.dmsTo(ADMIN), 'forgotten');
    const id = buttonsOf(request).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';

    bot.clock.advance(23 * H);
    await ticks(bot, 2);
    assert.match(bot.card('forgotten')?.text ?? '', /Awaiting approval/, 'still waiting after 23 hours');
    bot.clock.advance(H);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /forgotten/.test(m.text) && /request ended/.test(m.text)), 'the expiry DM');
    assert.match(JSON.stringify(bot.card('forgotten')?.blocks), /no admin decided within 24h/);
    assert.equal(bot.compute.count('instances.insert'), 0);

    // The admin's copy says so in place, without buttons; a late click changes nothing, and says why.
    const copy = bot.dmsTo(ADMIN).find((m) => m.ts === request?.ts);
    assert.equal(buttonsOf(copy).length, 0, 'the expired request lost its buttons');
    assert.match(JSON.stringify(copy?.blocks), /Nobody decided in time/);
    await click(bot, ADMIN, APPROVAL_ACTIONS.approve, id, { channelId: ADMIN, messageTs: request?.ts ?? '' });
    await ticks(bot, 5);
    await answered(bot, ADMIN, /`forgotten` already ended: nobody decided in time/);
    assert.equal(bot.compute.count('instances.insert'), 0);
  } finally {
    await bot.stop();
  }
});

test('the requester can withdraw a waiting request; an Approve after that creates nothing', async () => {
  const bot = await startBot({ env: budgetEnv() });
  try {
    await aliceOverBudget(bot);
    await up(bot, 'changed-mind');
    await ticks(bot, 3);
    const request = approvalRequest(bot.dmsTo(ADMIN), 'changed-mind');
    const id = buttonsOf(request).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';
    const withdraw = buttonsOf(bot.card('changed-mind')).find((b) => b.action_id === ACTIONS.delete);
    assert.equal(withdraw?.text?.text, 'Withdraw request');
    const bobs = await click(bot, BOB, ACTIONS.delete, withdraw?.value ?? '', { channelId: CHANNEL, messageTs: bot.card('changed-mind')?.ts ?? '' });
    assert.equal(bobs.status, 200);
    await answered(bot, BOB, /belongs to <@UALICE>/);
    await click(bot, ALICE, ACTIONS.delete, withdraw?.value ?? '', { channelId: CHANNEL, messageTs: bot.card('changed-mind')?.ts ?? '' });
    await answered(bot, ALICE, /Withdrew the request for `changed-mind`/);
    await ticks(bot, 3);
    assert.match(JSON.stringify(bot.card('changed-mind')?.blocks), /Withdrawn before an admin decided/);

    assert.match(JSON.stringify(bot.dmsTo(ADMIN).find((m) => m.ts === request?.ts)?.blocks), /Withdrawn by <@UALICE>/, "the admin's copy says it was withdrawn");
    await click(bot, ADMIN, APPROVAL_ACTIONS.approve, id, { channelId: ADMIN, messageTs: request?.ts ?? '' });
    await ticks(bot, 10);
    await answered(bot, ADMIN, /was already withdrawn by <@UALICE>/);
    assert.equal(bot.compute.count('instances.insert'), 0);
  } finally {
    await bot.stop();
  }
});

test('under its budget, the same person gets a box at once; with refuse, past it is refused', async () => {
  const bot = await startBot({ env: budgetEnv() });
  try {
    await aliceOverBudget(bot);
    assert.match(await up(bot, 'bobs', BOB), /Creating `bobs`/, 'Bob has no budget set, so nothing waits');
    await bot.tickUntil(() => /Ready/.test(bot.card('bobs')?.text ?? ''), 'bobs ready');
  } finally {
    await bot.stop();
  }
  const refusing = await startBot({ env: { GPUBOT_BUDGETS: `${ALICE}=10`, GPUBOT_OVER_BUDGET: 'refuse' } });
  try {
    await aliceOverBudget(refusing);
    assert.match(await up(refusing, 'refused'), /budget for \d{4}-\d{2} is used up \(\$1\d\.\d\d of \$10\.00, list price\), so new boxes are refused/);
    await ticks(refusing, 3);
    assert.equal(refusing.card('refused'), undefined);
  } finally {
    await refusing.stop();
  }
});

test('budgets apply to the /gpu form too: past the budget it waits with approve, and is refused with refuse', async () => {
  const form = async (bot: Bot, name: string) => {
    await bot.slack.sendCommand({ text: '', userId: ALICE, channelId: CHANNEL });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    return bot.slack.sendViewSubmission({ userId: ALICE, values: { up_name: { name: { type: 'plain_text_input', value: name } } } });
  };
  const bot = await startBot({ env: budgetEnv() });
  try {
    await aliceOverBudget(bot);
    assert.equal((await form(bot, 'formwait')).outcome, 'closed');
    await ticks(bot, 5);
    assert.match(bot.card('formwait')?.text ?? '', /Awaiting approval/);
    assert.ok(approvalRequest(bot.dmsTo(ADMIN), 'formwait'), 'the admin was asked');
    assert.equal(bot.compute.count('instances.insert'), 0);
  } finally {
    await bot.stop();
  }
  const refusing = await startBot({ env: { GPUBOT_BUDGETS: `${ALICE}=10`, GPUBOT_OVER_BUDGET: 'refuse' } });
  try {
    await aliceOverBudget(refusing);
    const refused = await form(refusing, 'formno');
    assert.equal(refused.outcome, 'errors');
    assert.match(refused.errors?.up_name ?? '', /budget for \d{4}-\d{2} is used up/);
    assert.ok((refused.errors?.up_name ?? '').length <= 300);
  } finally {
    await refusing.stop();
  }
});
