/** Through the whole bot: Compute listings that leave a zone out, or lag behind a create, end no box. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, CHANNEL, startBot, type Bot } from './harness.js';

async function readyBox(bot: Bot, name: string): Promise<string> {
  const res = await bot.slack.sendCommand({ text: `up ${name} --gpu t4`, userId: ALICE, channelId: CHANNEL });
  assert.equal(res.status, 200);
  await bot.tickUntil(() => /Ready/.test(bot.card(name)?.text ?? ''), `${name} ready`);
  const zone = bot.compute.instance(name)?.zone.split('/').pop();
  assert.ok(zone);
  return zone;
}

const deletedSaid = (bot: Bot, name: string) =>
  [...bot.threadOf(name), ...bot.dmsTo(ALICE).filter((m) => m.text.includes(name))].filter((m) => /deleted/i.test(m.text));

test('a zone left out of partial listings for many ticks keeps its box ready; nobody is told it was deleted', async () => {
  const bot = await startBot();
  try {
    const zone = await readyBox(bot, 'farzone');
    bot.compute.unreachable(zone);
    for (let i = 0; i < 10; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(30_000);
    }
    assert.match(bot.card('farzone')?.text ?? '', /Ready/);
    assert.deepEqual(deletedSaid(bot, 'farzone'), []);
    assert.equal(bot.compute.instance('farzone')?.status, 'RUNNING');
    // The zone comes back: the box carries on, still one VM, and Stop still works.
    bot.compute.unreachable(zone, false);
    const stop = await bot.slack.sendCommand({ text: 'stop farzone', userId: ALICE, channelId: CHANNEL });
    assert.equal(stop.status, 200);
    await bot.tickUntil(() => /Stopped/.test(bot.card('farzone')?.text ?? ''), 'farzone stopped');
    assert.equal(bot.compute.instances().length, 1);
  } finally {
    await bot.stop();
  }
});

test('a listing that lags minutes behind creates still brings the box to ready, with one VM', async () => {
  const bot = await startBot();
  try {
    bot.compute.listingLag(5 * 60_000);
    await readyBox(bot, 'laggy');
    assert.deepEqual(deletedSaid(bot, 'laggy'), []);
    assert.equal(bot.compute.instances().length, 1);
  } finally {
    await bot.stop();
  }
});
