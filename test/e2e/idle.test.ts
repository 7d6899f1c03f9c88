import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { KEEP_ACTIONS } from '../../src/slack/views/idle-notices.js';
import { ADMIN, ALICE, BOB, CHANNEL, startBot, type Bot } from './harness.js';

const MIN = 60_000;
const IDLE_ENV = { IDLE_AFTER: '10m', IDLE_GRACE: '5m', TICK_INTERVAL: '1m' };

async function readyBox(bot: Bot, name: string, flags = ''): Promise<void> {
  const res = await bot.slack.sendCommand({ text: `up ${name} --gpu t4 ${flags}`, userId: ALICE, channelId: CHANNEL });
  assert.equal(res.status, 200);
  await bot.tickUntil(() => /Ready/.test(bot.card(name)?.text ?? ''), `${name} ready`);
}

const warnings = (bot: Bot, name: string) => bot.threadOf(name).filter((m) => /I will stop it at/.test(m.text));
const idleStops = (bot: Bot, name: string) => bot.threadOf(name).filter((m) => /stopped after .* idle|stopped, as warned|stopped after/.test(m.text));
const dmWarnings = (bot: Bot, name: string) => bot.dmsTo(ALICE).filter((m) => m.text.includes(name) && /I will stop it at/.test(m.text));

test('an idle box gets one warning, then one stop and one stop notice', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    bot.activity.set('sleepy', 'idle');
    await readyBox(bot, 'sleepy');
    await bot.tickUntil(() => warnings(bot, 'sleepy').length > 0, 'the idle warning', 30, MIN);
    assert.equal(warnings(bot, 'sleepy').length, 1);
    assert.equal(dmWarnings(bot, 'sleepy').length, 1, 'the owner is told by DM too');
    const warning = warnings(bot, 'sleepy')[0];
    const buttons = JSON.stringify(warning?.blocks);
    for (const id of [KEEP_ACTIONS.keep1h, KEEP_ACTIONS.keep4h, ACTIONS.stop]) assert.ok(buttons.includes(id), `warning offers ${id}`);
    assert.match(buttons + (warning?.text ?? ''), /Running costs ≈ \$\d+\.\d\d\/h/, 'the warning says what staying up costs');
    assert.equal(bot.compute.count('instances.stop'), 0, 'no stop before the grace runs out');
    await bot.tickUntil(() => /Stopped/.test(bot.card('sleepy')?.text ?? ''), 'the idle stop', 30, MIN);
    await bot.tickUntil(() => idleStops(bot, 'sleepy').length > 0, 'the stop notice', 5, 1000);
    // More ticks must not warn or stop again.
    for (let i = 0; i < 5; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(MIN);
    }
    assert.equal(warnings(bot, 'sleepy').length, 1);
    assert.equal(idleStops(bot, 'sleepy').length, 1);
    assert.match(JSON.stringify(idleStops(bot, 'sleepy')[0]?.blocks), /stopping saves ≈/, 'the stop says what it saves');
    assert.equal(bot.compute.count('instances.stop'), 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('a box busy on its GPU is never warned', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    bot.activity.set('training', 'gpu-busy');
    await readyBox(bot, 'training');
    for (let i = 0; i < 40; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(MIN);
    }
    assert.equal(warnings(bot, 'training').length, 0);
    assert.equal(bot.compute.count('instances.stop'), 0);
  } finally {
    await bot.stop();
  }
});

test('[Keep 1h] from the owner postpones the stop; from someone else it is refused', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    bot.activity.set('kept', 'idle');
    await readyBox(bot, 'kept');
    await bot.tickUntil(() => warnings(bot, 'kept').length > 0, 'the idle warning', 30, MIN);
    const warning = warnings(bot, 'kept')[0];
    const boxId = buttonValue(warning?.blocks ?? [], KEEP_ACTIONS.keep1h);
    await bot.slack.sendAction({ userId: BOB, actionId: KEEP_ACTIONS.keep1h, value: boxId, channelId: CHANNEL, messageTs: warning?.ts ?? '' });
    // The answer follows the ack through response_url.
    await bot.slack.waitUntil(() => bot.slack.ephemerals(BOB).some((e) => /only its owner or an admin/.test(e.text)), 3000, "Bob's refusal");
    await bot.slack.sendAction({ userId: ALICE, actionId: KEEP_ACTIONS.keep1h, value: boxId, channelId: CHANNEL, messageTs: warning?.ts ?? '' });
    await bot.slack.waitUntil(() => bot.slack.ephemerals(ALICE).some((e) => /Keeping `kept` until/.test(e.text)), 3000, "Alice's keep");
    // Past the original grace, well inside the hour: still running, no second warning.
    for (let i = 0; i < 30; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(MIN);
    }
    assert.equal(bot.compute.count('instances.stop'), 0, 'kept boxes are not stopped');
    assert.equal(warnings(bot, 'kept').length, 1);
    // After the hour, still idle: warned again, then stopped.
    await bot.tickUntil(() => warnings(bot, 'kept').length === 2, 'the second warning', 60, MIN);
    await bot.tickUntil(() => bot.compute.count('instances.stop') === 1, 'the stop', 30, MIN);
  } finally {
    await bot.stop();
  }
});

test('/gpu keep and --idle off are answered; an unknown signal never stops a box', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    bot.activity.set('quiet', 'silent');
    bot.activity.set('nostop', 'idle');
    await readyBox(bot, 'quiet');
    await readyBox(bot, 'nostop', '--idle off');
    const keep = await bot.slack.sendCommand({ text: 'keep quiet 2h', userId: ALICE, channelId: CHANNEL });
    assert.match(JSON.stringify(keep.body), /Keeping `quiet` until/);
    for (let i = 0; i < 40; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(MIN);
    }
    assert.equal(warnings(bot, 'quiet').length, 0, 'no data is not idleness');
    assert.equal(warnings(bot, 'nostop').length, 0, 'idle stop turned off');
    assert.equal(bot.compute.count('instances.stop'), 0);
  } finally {
    await bot.stop();
  }
});

test('two bot processes sharing one Firestore send one warning and make one stop, even when the leader goes away', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    const replica = await bot.startReplica();
    bot.activity.set('shared', 'idle');
    const res = await bot.slack.sendCommand({ text: 'up shared --gpu t4', userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    const both = async () => {
      await Promise.all([bot.gpubot.worker.tick(), replica.worker.tick()]);
    };
    for (let i = 0; i < 40 && warnings(bot, 'shared').length === 0; i++) {
      await both();
      bot.clock.advance(i < 15 ? 1000 : MIN);
    }
    assert.equal(warnings(bot, 'shared').length, 1);
    // The leader dies without a word (it simply stops ticking and keeps its lease); the other replica
    // takes over once the lease runs out (three tick intervals).
    const leaderWasFirst = bot.gpubot.worker.isLeader;
    assert.notEqual(leaderWasFirst, replica.worker.isLeader, 'exactly one replica leads');
    const survivor = leaderWasFirst ? replica : bot.gpubot;
    assert.equal((await survivor.worker.tick()).leader, false, 'the lease is still held by the silent leader');
    for (let i = 0; i < 30 && bot.compute.count('instances.stop') === 0; i++) {
      await survivor.worker.tick();
      bot.clock.advance(MIN);
    }
    for (let i = 0; i < 5; i++) {
      await survivor.worker.tick();
      bot.clock.advance(MIN);
    }
    assert.equal(bot.compute.count('instances.stop'), 1);
    assert.equal(warnings(bot, 'shared').length, 1);
    assert.equal(dmWarnings(bot, 'shared').length, 1);
    assert.equal(idleStops(bot, 'shared').length, 1);
    // The audit trail has the bot's one idle stop, from the tick, whichever replica made it.
    const audit = await bot.slack.sendCommand({ text: 'audit shared', userId: ADMIN, channelId: CHANNEL });
    const lines = JSON.stringify(audit.body).split('\\n').filter((l) => l.includes('`shared`'));
    assert.equal(lines.filter((l) => l.includes('gpubot stopped (idle) box `shared` (idle) · idle check')).length, 1, JSON.stringify(audit.body));
    assert.equal(lines.filter((l) => l.includes('asked for box `shared`')).length, 1, JSON.stringify(audit.body));
  } finally {
    await bot.stop();
  }
});

test('a box with GPU and CPU metrics but no notebook reports is warned, then stopped, and its owner is told once why', async () => {
  const bot = await startBot({ env: IDLE_ENV });
  try {
    bot.activity.set('noreport', 'no-notebook');
    await readyBox(bot, 'noreport');
    await bot.tickUntil(() => warnings(bot, 'noreport').length > 0, 'the idle warning', 40, MIN);
    await bot.tickUntil(() => bot.compute.count('instances.stop') === 1, 'the idle stop', 30, MIN);
    for (let i = 0; i < 5; i++) {
      await bot.gpubot.worker.tick();
      bot.clock.advance(MIN);
    }
    const told = bot.dmsTo(ALICE).filter((m) => m.text.includes('noreport') && /no notebook activity reports/.test(m.text));
    assert.equal(told.length, 1, 'the owner is told once why the notebook signal is left out');
    assert.match(told[0]?.text ?? '', /GPU and CPU only/);
    assert.equal(warnings(bot, 'noreport').length, 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('a box with no signals at all still meets the maximum running time, after the usual warning', async () => {
  const bot = await startBot({ env: { ...IDLE_ENV, GPUBOT_MAX_RUNNING: '90m' } });
  try {
    bot.activity.set('dark', 'silent');
    await readyBox(bot, 'dark');
    await bot.tickUntil(() => warnings(bot, 'dark').length > 0, 'the running-time warning', 100, MIN);
    assert.equal(bot.compute.count('instances.stop'), 0, 'warned first, not stopped');
    assert.match(warnings(bot, 'dark')[0]?.text ?? '', /no idle signals/, 'the warning says why a running-time limit applies');
    await bot.tickUntil(() => bot.compute.count('instances.stop') === 1, 'the stop at the maximum running time', 30, MIN);
    assert.equal(warnings(bot, 'dark').length, 1);
  } finally {
    await bot.stop();
  }
});

function buttonValue(blocks: Record<string, unknown>[], actionId: string): string {
  for (const block of blocks) {
    for (const el of (block.elements as { action_id?: string; value?: string }[] | undefined) ?? []) {
      if (el.action_id === actionId && el.value !== undefined) return el.value;
    }
  }
  assert.fail(`no ${actionId} button in ${JSON.stringify(blocks)}`);
}
