/**
 * `/gpu audit` end to end: a box's whole life, asked for with retries and double clicks as Slack
 * delivers them, shows up in the trail once per action, with who, when and from where.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, buttonValue, startBot, type Bot } from './harness.js';

async function command(bot: Bot, text: string, user = ALICE, retries = 0) {
  const res = await bot.slack.sendCommand({ text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200, `ack status for ${text}`);
  // Slack retries a command it thinks timed out: same trigger_id, same body.
  for (let n = 1; n <= retries; n++) assert.equal((await bot.slack.resend(res, { retryNum: n })).status, 200);
  return res;
}

async function click(bot: Bot, name: string, actionId: string, retries = 0) {
  const id = buttonValue(bot, name, actionId);
  const res = await bot.slack.sendAction({ userId: ALICE, actionId, value: id, channelId: CHANNEL, messageTs: bot.card(name)?.ts ?? '' });
  assert.equal(res.status, 200);
  for (let n = 1; n <= retries; n++) assert.equal((await bot.slack.resend(res, { retryNum: n })).status, 200);
}

/** The lines of an audit answer that name the box, one per action. */
function linesAbout(body: unknown, name: string): string[] {
  const blocks = (body as { blocks?: { text?: { text?: string } }[] }).blocks ?? [];
  return blocks
    .flatMap((b) => (b.text?.text ?? '').split('\n'))
    .filter((l) => l.includes(`\`${name}\``) && l.includes(' · '));
}

test('/gpu audit lists each action of a box lifecycle exactly once, with who and from where, retries and double clicks included', async () => {
  const bot = await startBot();
  try {
    await command(bot, 'up aud1 --gpu t4', ALICE, 2);
    await bot.tickUntil(() => /Ready/.test(bot.card('aud1')?.text ?? ''), 'aud1 ready');
    await command(bot, 'keep aud1 2h', ALICE, 1);
    // The clock stands still between ticks: a second apart, the trail's newest-first order is the order asked.
    bot.clock.advance(1000);
    const id = buttonValue(bot, 'aud1', ACTIONS.stop);
    await click(bot, 'aud1', ACTIONS.stop, 1);
    await bot.tickUntil(() => /Stopp/.test(bot.card('aud1')?.text ?? ''), 'aud1 stopping');
    // A second click from a card that still showed Stop: the box is already stopping, so nothing changes.
    await bot.slack.sendAction({ userId: ALICE, actionId: ACTIONS.stop, value: id, channelId: CHANNEL, messageTs: bot.card('aud1')?.ts ?? '' });
    await bot.tickUntil(() => /Stopped/.test(bot.card('aud1')?.text ?? ''), 'aud1 stopped');
    await command(bot, 'start aud1', ALICE, 1);
    await bot.tickUntil(() => /Ready/.test(bot.card('aud1')?.text ?? ''), 'aud1 ready again');
    await click(bot, 'aud1', ACTIONS.delete, 1);
    await bot.tickUntil(() => /Deleted/.test(bot.card('aud1')?.text ?? '') && bot.compute.instances().length === 0, 'aud1 deleted');

    const refused = await command(bot, 'audit aud1', BOB);
    assert.match(answerText(refused.body), /Only an admin can read the audit trail/);

    const answer = await command(bot, 'audit aud1 --days 2', ADMIN);
    const lines = linesAbout(answer.body, 'aud1');
    const said = lines.map((l) => l.replace(/^<!date\^\d+\^[^>]*> · /, ''));
    assert.deepEqual(
      said.reverse(),
      [
        `<@${ALICE}> asked for box \`aud1\` (1x t4) · command in <#${CHANNEL}>`,
        `<@${ALICE}> kept box \`aud1\` (for 2h) · command in <#${CHANNEL}>`,
        `<@${ALICE}> stopped box \`aud1\` · button in <#${CHANNEL}>`,
        `<@${ALICE}> started box \`aud1\` · command in <#${CHANNEL}>`,
        `<@${ALICE}> deleted box \`aud1\` · button in <#${CHANNEL}>`,
      ],
      JSON.stringify(answer.body),
    );
    // By person and for everyone, the same five entries.
    assert.equal(linesAbout((await command(bot, `audit <@${ALICE}|alice>`, ADMIN)).body, 'aud1').length, 5);
    assert.equal(linesAbout((await command(bot, 'audit', ADMIN)).body, 'aud1').length, 5);
    assert.equal(linesAbout((await command(bot, `audit <@${BOB}|bob>`, ADMIN)).body, 'aud1').length, 0);
  } finally {
    await bot.stop();
  }
});
