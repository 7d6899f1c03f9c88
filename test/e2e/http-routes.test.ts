import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, CHANNEL, startBot } from './harness.js';

const SECRET = 'tick-secret-0123456789abcdef';

test('/healthz answers 200 once serving; /tasks/tick needs the bearer secret and then runs a tick', async () => {
  const bot = await startBot({ env: { TICK_SECRET: SECRET } });
  try {
    const base = `http://127.0.0.1:${bot.gpubot.port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);

    assert.equal((await fetch(`${base}/tasks/tick`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${base}/tasks/tick`, { method: 'POST', headers: { authorization: 'Bearer wrong-secret-0123456789ab' } })).status, 401);
    assert.equal((await fetch(`${base}/tasks/tick`, { method: 'GET', headers: { authorization: `Bearer ${SECRET}` } })).status, 404);

    await bot.slack.sendCommand({ text: 'up ticked --gpu t4', userId: ALICE, channelId: CHANNEL });
    await bot.gpubot.worker.tick(); // let the tick the command nudged finish first
    const before = bot.compute.count('instances.aggregatedList');
    const tick = await fetch(`${base}/tasks/tick`, { method: 'POST', headers: { authorization: `Bearer ${SECRET}` } });
    assert.equal(tick.status, 200);
    const body = (await tick.json()) as { ok: boolean; result: { leader: boolean } };
    assert.equal(body.ok, true);
    assert.equal(body.result.leader, true);
    assert.ok(bot.compute.count('instances.aggregatedList') > before, 'the tick looked at Compute');
  } finally {
    await bot.stop();
  }
});

test('opening the App Home shows my boxes with their buttons', async () => {
  const bot = await startBot();
  try {
    await bot.slack.sendCommand({ text: 'up homebox --gpu t4', userId: ALICE, channelId: CHANNEL });
    await bot.tickUntil(() => /Ready/.test(bot.card('homebox')?.text ?? ''), 'homebox ready');
    await bot.slack.openAppHome(ALICE);
    const home = await bot.slack.waitUntil(() => bot.slack.homeView(ALICE), 3000, 'the home view');
    const text = JSON.stringify(home);
    assert.match(text, /homebox/);
    assert.match(text, /box_stop/);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('a box asked for in a private channel the bot is not in gets its card in the owner’s DM, with how to invite it', async () => {
  const bot = await startBot();
  try {
    bot.slack.setBotMembership('GPRIVATE', false);
    const res = await bot.slack.sendCommand({ text: 'up private1 --gpu t4', userId: ALICE, channelId: 'GPRIVATE' });
    assert.equal(res.status, 200);
    await bot.tickUntil(() => bot.slack.dms(ALICE).some((m) => /Ready/.test(m.text) && /private1/.test(m.text)), 'card in the DM');
    assert.ok(bot.slack.dms(ALICE).some((m) => /\/invite @gpubot/.test(JSON.stringify(m.blocks))), "the card says how to invite the bot");
  } finally {
    await bot.stop();
  }
});
