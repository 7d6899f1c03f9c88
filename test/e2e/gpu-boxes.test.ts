import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, buttonValue, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

async function up(bot: Bot, text: string, user = ALICE) {
  const res = await bot.slack.sendCommand({ text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200, `ack status for ${text}`);
  return res;
}

test('/gpu up reaches ready: the card moves in place, the thread says so, and only the owner\'s DM gives the Jupyter link', async () => {
  const bot = await startBot();
  try {
    const res = await up(bot, 'up exp42 --gpu t4');
    assert.match(answerText(res.body), /Creating `exp42`/);
    await bot.tickUntil(() => /Ready/.test(bot.card('exp42')?.text ?? ''), 'exp42 ready');
    const card = bot.card('exp42');
    assert.ok(card && card.updates > 0, 'the card was updated in place, not reposted');
    assert.equal(bot.slack.messages(CHANNEL).filter((m) => m.threadTs === undefined || m.threadTs === m.ts).length, 1);
    const thread = bot.threadOf('exp42');
    assert.equal(thread.filter((m) => /Jupyter is ready/.test(m.text)).length, 1);
    assert.doesNotMatch(JSON.stringify(thread), /notebooks\.googleusercontent\.com/);
    assert.doesNotMatch(JSON.stringify(card), /notebooks\.googleusercontent\.com/);
    const dms = bot.dmsTo(ALICE).filter((m) => /exp42/.test(m.text) && /ready/i.test(m.text));
    assert.equal(dms.length, 1);
    assert.match(JSON.stringify(dms[0]), /notebooks\.googleusercontent\.com/);
    // The VM's proxy admits Alice's Google account alone: her Slack profile's address (users.info).
    const insert = bot.compute.calls.find((c) => c.method === 'instances.insert' && c.status === 200);
    const items = (insert?.body as { metadata?: { items?: { key: string; value: string }[] } } | undefined)?.metadata?.items ?? [];
    const meta = Object.fromEntries(items.map((i) => [i.key, i.value]));
    assert.equal(meta['proxy-mode'], 'mail');
    assert.equal(meta['proxy-user-mail'], bot.slack.user(ALICE)?.email);
    assert.match(meta['proxy-user-mail'] ?? '', /@/);
    assert.deepEqual(bot.slack.violations, [], 'no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});

test('a stockout in the first zone lands in another and the thread says so', async () => {
  const bot = await startBot();
  try {
    bot.compute.stockout('us-central1-a');
    await up(bot, 'up exp43 --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('exp43')?.text ?? ''), 'exp43 ready');
    const thread = bot.threadOf('exp43').map((m) => m.text).join('\n');
    assert.match(thread, /us-central1-a has no NVIDIA T4 capacity right now; trying us-central1-b/);
    assert.match(bot.compute.instances()[0]?.zone ?? '', /\/us-central1-b$/);
  } finally {
    await bot.stop();
  }
});

test('quota exhaustion fails clearly, naming the quota, and leaves no VM', async () => {
  const bot = await startBot();
  try {
    bot.compute.quota('NVIDIA_T4_GPUS', 'us-central1', 0);
    await up(bot, 'up exp44 --gpu t4');
    await bot.tickUntil(() => /Failed|could not/i.test(bot.card('exp44')?.text ?? ''), 'exp44 failed');
    const said = [...bot.threadOf('exp44'), ...bot.dmsTo(ALICE)].map((m) => m.text).join('\n');
    assert.match(said, /NVIDIA_T4_GPUS/);
    assert.match(said, /quotas/);
    assert.equal(bot.compute.instances().length, 0);
  } finally {
    await bot.stop();
  }
});

test('a Slack retry (X-Slack-Retry-Num) of the same /gpu up creates one box and one VM', async () => {
  const bot = await startBot();
  try {
    const first = await up(bot, 'up exp45 --gpu t4');
    const again = await bot.slack.resend(first, { retryNum: 1, retryReason: 'http_timeout' });
    const third = await bot.slack.resend(first, { retryNum: 2, retryReason: 'http_timeout' });
    assert.equal(again.status, 200);
    assert.equal(answerText(again.body), answerText(first.body), 'a retry gets the first answer');
    assert.equal(answerText(third.body), answerText(first.body));
    await bot.tickUntil(() => /Ready/.test(bot.card('exp45')?.text ?? ''), 'exp45 ready');
    assert.equal(bot.compute.instances().length, 1);
    assert.equal(bot.compute.count('instances.insert'), 1);
    assert.equal(bot.slack.messages(CHANNEL).filter((m) => m.threadTs === undefined || m.threadTs === m.ts).length, 1);
  } finally {
    await bot.stop();
  }
});

test("a non-owner's Stop button is refused; the owner's double click stops once", async () => {
  const bot = await startBot();
  try {
    await up(bot, 'up exp46 --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('exp46')?.text ?? ''), 'exp46 ready');
    const id = buttonValue(bot, 'exp46', ACTIONS.stop);
    const card = bot.card('exp46');
    const bobs = await bot.slack.sendAction({ userId: BOB, actionId: ACTIONS.stop, value: id, channelId: CHANNEL, messageTs: card?.ts ?? '' });
    assert.equal(bobs.status, 200);
    await bot.gpubot.worker.tick();
    assert.equal(bot.compute.count('instances.stop'), 0);
    const refusal = bot.slack.ephemerals(BOB).map((e) => e.text).join('\n');
    assert.match(refusal, /belongs to <@UALICE>; only its owner or an admin/);
    const clicks = await Promise.all([1, 2].map(() => bot.slack.sendAction({ userId: ALICE, actionId: ACTIONS.stop, value: id, channelId: CHANNEL, messageTs: card?.ts ?? '' })));
    assert.deepEqual(clicks.map((c) => c.status), [200, 200]);
    await bot.tickUntil(() => /Stopped/.test(bot.card('exp46')?.text ?? ''), 'exp46 stopped');
    assert.equal(bot.compute.count('instances.stop'), 1);
  } finally {
    await bot.stop();
  }
});

test('an admin may stop anyone’s box', async () => {
  const bot = await startBot();
  try {
    await up(bot, 'up exp47 --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('exp47')?.text ?? ''), 'exp47 ready');
    const res = await bot.slack.sendCommand({ text: 'stop exp47', userId: ADMIN, channelId: CHANNEL });
    assert.match(answerText(res.body), /Stopping `exp47`/);
    await bot.tickUntil(() => /Stopped/.test(bot.card('exp47')?.text ?? ''), 'exp47 stopped');
  } finally {
    await bot.stop();
  }
});

test('a forged or stale signature gets 401 and changes nothing', async () => {
  const bot = await startBot();
  try {
    const forged = await bot.slack.sendCommand({ text: 'up evil --gpu t4', userId: ALICE, channelId: CHANNEL, signingSecret: 'not-the-secret' });
    const stale = await bot.slack.sendCommand({ text: 'up old --gpu t4', userId: ALICE, channelId: CHANNEL, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    assert.equal(forged.status, 401);
    assert.equal(stale.status, 401);
    await bot.gpubot.worker.tick();
    assert.equal(bot.compute.count('instances.insert'), 0);
    const list = await bot.slack.sendCommand({ text: 'list --all', userId: ALICE, channelId: CHANNEL });
    assert.doesNotMatch(JSON.stringify(list.body), /evil|old/);
  } finally {
    await bot.stop();
  }
});

test('a console stop and a Spot preemption are each noticed and said in the thread', async () => {
  const bot = await startBot();
  try {
    await up(bot, 'up exp48 --gpu t4');
    await up(bot, 'up exp49 --gpu t4 --spot');
    await bot.tickUntil(() => /Ready/.test(bot.card('exp48')?.text ?? '') && /Ready/.test(bot.card('exp49')?.text ?? ''), 'both ready');
    bot.compute.consoleStop('exp48');
    bot.compute.preempt('exp49');
    await bot.tickUntil(() => /Stopped/.test(bot.card('exp48')?.text ?? '') && /Stopped/.test(bot.card('exp49')?.text ?? ''), 'both stopped');
    assert.match(bot.threadOf('exp48').map((m) => m.text).join('\n'), /outside gpubot/i);
    assert.match(bot.threadOf('exp49').map((m) => m.text).join('\n'), /preempted/i);
    const again = bot.threadOf('exp49').flatMap((m) => m.blocks).some((b) => JSON.stringify(b).includes(ACTIONS.start));
    assert.ok(again, 'the preemption notice offers Start again');
  } finally {
    await bot.stop();
  }
});

test('/gpu delete asks first; its button deletes the VM and the card says so', async () => {
  const bot = await startBot();
  try {
    await up(bot, 'up exp50 --gpu t4');
    await bot.tickUntil(() => /Ready/.test(bot.card('exp50')?.text ?? ''), 'exp50 ready');
    const ask = await bot.slack.sendCommand({ text: 'delete exp50', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(ask.body), /Delete `exp50`\?/);
    assert.equal(bot.compute.count('instances.delete'), 0, 'asking deletes nothing');
    const prompt = bot.slack.ephemerals(ALICE).find((e) => /Delete `exp50`\?/.test(e.text));
    assert.ok(prompt);
    const button = prompt.blocks.flatMap((b) => (b.elements as { action_id?: string; value?: string }[] | undefined) ?? []).find((e) => e.action_id === ACTIONS.delete);
    assert.ok(button?.value);
    await bot.slack.sendAction({ userId: ALICE, actionId: ACTIONS.delete, value: button.value, channelId: CHANNEL, messageTs: prompt.ts });
    await bot.tickUntil(() => bot.compute.instances().length === 0 && /Deleted/i.test(bot.card('exp50')?.text ?? ''), 'exp50 deleted');
  } finally {
    await bot.stop();
  }
});

test('/gpu with no arguments opens the form, and the form creates a box or shows errors beside the input', async () => {
  const bot = await startBot();
  try {
    const res = await bot.slack.sendCommand({ text: '', userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const view = bot.slack.topView(ALICE);
    assert.ok(view);
    const bad = await bot.slack.sendViewSubmission({ userId: ALICE, values: { up_name: { name: { type: 'plain_text_input', value: 'Bad_Name' } } } });
    assert.equal(bad.outcome, 'errors');
    assert.match(bad.errors?.up_name ?? '', /bad-name|lowercase|hyphen/i);
    const good = await bot.slack.sendViewSubmission({ userId: ALICE, values: { up_name: { name: { type: 'plain_text_input', value: 'formbox' } } } });
    assert.equal(good.outcome, 'closed');
    await bot.tickUntil(() => /Ready/.test(bot.card('formbox')?.text ?? ''), 'formbox ready');
  } finally {
    await bot.stop();
  }
});
