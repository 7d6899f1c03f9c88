import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, CHANNEL, answerText, startBot } from './harness.js';

test('/gpu up shows the hourly list price; stopping says what the run cost and what stopping saves', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    const res = await bot.slack.sendCommand({ text: 'up priced --gpu t4', userId: ALICE, channelId: CHANNEL });
    const answer = answerText(res.body);
    assert.match(answer, /\$0\.\d\d\/h while running/);
    assert.match(answer, /list price/);
    await bot.tickUntil(() => /Ready/.test(bot.card('priced')?.text ?? ''), 'priced ready');
    bot.clock.advance(2 * 3_600_000);
    const stop = await bot.slack.sendCommand({ text: 'stop priced', userId: ALICE, channelId: CHANNEL });
    assert.equal(stop.status, 200);
    await bot.tickUntil(() => bot.threadOf('priced').some((m) => /Cost so far/.test(m.text + JSON.stringify(m.blocks))), 'the stop notice with its cost');
    const notice = bot.threadOf('priced').find((m) => /Cost so far/.test(m.text + JSON.stringify(m.blocks)));
    assert.match(JSON.stringify(notice?.blocks), /saves/);
    assert.ok(bot.billing.count() >= 1, 'prices came from the Billing catalog');
  } finally {
    await bot.stop();
  }
});

test('with the Billing API failing, prices still show, from the bundled table, and say so', async () => {
  const bot = await startBot({ billingFailsWith: 403 });
  try {
    await bot.gpubot.pricesReady;
    const res = await bot.slack.sendCommand({ text: 'up bundled --gpu t4', userId: ALICE, channelId: CHANNEL });
    const answer = answerText(res.body);
    assert.match(answer, /\$0\.\d\d\/h while running/);
    assert.match(answer, /prices as of \d{4}-\d{2}-\d{2}/);
  } finally {
    await bot.stop();
  }
});
