/**
 * Stopped boxes that cost money, end to end: a week after a box was stopped for longer than the
 * policy's days, its owner gets one DM with what the disk has cost and costs per month, with [Delete]
 * and [Keep 30 days]; the admins get the list and the total; another replica and later ticks of the
 * same week send nothing more; Keep silences the box for 30 days, once however often Slack retries it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { STOPPED_KEEP_ACTION } from '../../src/slack/views/stopped-reminder.js';
import { ADMIN, ALICE, BOB, CHANNEL, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const DAY = 24 * 3_600_000;

type ButtonSeen = { type?: string; action_id?: string; value?: string };

function buttonsOf(message: SimMessage | undefined): ButtonSeen[] {
  return (message?.blocks ?? []).flatMap((b) => (b.elements as ButtonSeen[] | undefined) ?? []).filter((e) => e.type === 'button');
}

function reminders(bot: Bot, user: string, name: string): SimMessage[] {
  return bot.dmsTo(user).filter((m) => m.text.includes(`${name}: stopped since`));
}

function summaries(bot: Bot): SimMessage[] {
  return bot.dmsTo(ADMIN).filter((m) => /^Stopped boxes: /.test(m.text));
}

async function ticks(bot: Bot, n: number, stepMs = 1000): Promise<void> {
  for (let i = 0; i < n; i++) {
    await bot.gpubot.worker.tick();
    bot.clock.advance(stepMs);
  }
}

async function answered(bot: Bot, user: string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (bot.slack.ephemerals(user).some((e) => pattern.test(e.text)) || bot.dmsTo(user).some((m) => pattern.test(m.text))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${user} was never told ${String(pattern)}`);
}

async function stoppedBox(bot: Bot, name: string, user: string): Promise<void> {
  await bot.slack.sendCommand({ text: `up ${name} --gpu t4`, userId: user, channelId: CHANNEL });
  await bot.tickUntil(() => /Ready/.test(bot.card(name)?.text ?? ''), `${name} ready`);
  await bot.slack.sendCommand({ text: `stop ${name}`, userId: user, channelId: CHANNEL });
  await bot.tickUntil(() => /Stopped/.test(bot.card(name)?.text ?? ''), `${name} stopped`);
}

/** `$12.34` figures of a text, in order. */
function dollars(text: string): number[] {
  return [...text.matchAll(/\$(\d+(?:,\d{3})*\.\d\d)/g)].map((m) => Number((m[1] ?? '0').replace(/,/g, '')));
}

test('a box stopped past the policy’s days: one DM a week with the disk’s cost and [Delete] [Keep 30 days]; the admins get the total; Keep silences it once', async () => {
  const bot = await startBot({ env: { GPUBOT_POLICY: JSON.stringify({ stoppedReminderDays: 5 }) } });
  try {
    await bot.gpubot.pricesReady;
    await stoppedBox(bot, 'parked', ALICE);
    await ticks(bot, 3);
    assert.equal(reminders(bot, ALICE, 'parked').length, 0, 'nothing the day it stopped');

    // Six days on: past the policy's 5, and the week since the first (empty) run is not over yet.
    bot.clock.advance(6 * DAY);
    await ticks(bot, 3);
    assert.equal(reminders(bot, ALICE, 'parked').length, 0, 'the weekly run is not due yet');
    bot.clock.advance(1 * DAY);
    await ticks(bot, 3);
    const replica = await bot.startReplica();
    await replica.worker.tick();
    await ticks(bot, 5);

    const dm = reminders(bot, ALICE, 'parked');
    assert.equal(dm.length, 1, 'one reminder, whichever replica ticks');
    const said = JSON.stringify(dm[0]?.blocks);
    assert.match(said, /has been stopped since <!date\^/);
    const [soFar, perMonth] = dollars(said);
    assert.ok(soFar !== undefined && perMonth !== undefined && perMonth > 0, said);
    // The disk is priced by the hour: seven days stopped is 168 hours of a month the price book counts
    // as 720 to 744 hours (the catalogue's SKU says which).
    assert.ok(soFar >= (perMonth * 168) / 744 - 0.02 && soFar <= (perMonth * 168) / 720 + 0.02, `so far ${soFar} against ${perMonth} a month`);
    const buttons = buttonsOf(dm[0]);
    assert.deepEqual(buttons.map((b) => b.action_id), [ACTIONS.delete, STOPPED_KEEP_ACTION]);

    const summary = summaries(bot);
    assert.equal(summary.length, 1, 'the admins hear once');
    assert.match(JSON.stringify(summary[0]?.blocks), /`parked` of <@UALICE>/);
    assert.equal(dollars(JSON.stringify(summary[0]?.blocks))[0], perMonth, 'the total is the one box’s monthly cost');

    // Bob may not keep Alice's box; Alice's Keep, retried by Slack, is recorded once.
    const id = buttons.find((b) => b.action_id === STOPPED_KEEP_ACTION)?.value ?? '';
    await bot.slack.sendAction({ userId: BOB, actionId: STOPPED_KEEP_ACTION, value: id, channelId: BOB, messageTs: dm[0]?.ts ?? '' });
    await answered(bot, BOB, /belongs to <@UALICE>; only its owner or an admin can keep it/);
    const kept = await bot.slack.sendAction({ userId: ALICE, actionId: STOPPED_KEEP_ACTION, value: id, channelId: ALICE, messageTs: dm[0]?.ts ?? '' });
    assert.equal((await bot.slack.resend(kept, { retryNum: 1, retryReason: 'http_timeout' })).status, 200);
    await answered(bot, ALICE, /Keeping `parked`: no reminder about its disk before/);
    const trail = (await auditLines(bot, 'parked')).filter((l) => l.includes('kept box `parked`'));
    assert.equal(trail.length, 1, trail.join('\n'));

    // A week later the kept box is left out; Bob's box, stopped meanwhile, is not.
    await stoppedBox(bot, 'bobs', BOB);
    bot.clock.advance(7 * DAY);
    await ticks(bot, 5);
    assert.equal(reminders(bot, ALICE, 'parked').length, 1, 'kept: no second reminder');
    assert.equal(reminders(bot, BOB, 'bobs').length, 1, 'the other box is reminded');
    assert.equal(summaries(bot).length, 2);
    assert.doesNotMatch(JSON.stringify(summaries(bot).at(-1)?.blocks), /parked/);

    // Delete from the reminder: the owner's click deletes the box and its disk.
    const del = buttonsOf(reminders(bot, BOB, 'bobs')[0]).find((b) => b.action_id === ACTIONS.delete)?.value ?? '';
    await bot.slack.sendAction({ userId: BOB, actionId: ACTIONS.delete, value: del, channelId: BOB, messageTs: reminders(bot, BOB, 'bobs')[0]?.ts ?? '' });
    await bot.tickUntil(() => /Deleted/.test(bot.card('bobs')?.text ?? ''), 'bobs deleted');
    assert.equal(bot.compute.instances().filter((i) => i.name === 'bobs').length, 0);
    assert.deepEqual(bot.slack.violations, [], 'no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});
