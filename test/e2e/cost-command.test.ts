/**
 * `/gpu cost`, budgets and the daily digest through the real HTTP surface: box records are written to
 * Firestore as the controller writes them, and every expected figure is computed from those records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box, BoxStatus } from '../../src/domain/box.js';
import { costInPeriod, utcMonthStart } from '../../src/domain/cost-period.js';
import { formatUsd } from '../../src/domain/money.js';
import { BUNDLED_PRICES } from '../../src/domain/prices.js';
import type { PriceTable } from '../../src/domain/prices.js';
import { FirestoreBoxStore } from '../../src/store/box-store.js';
import { makeBox } from '../support/boxes.js';
import { needsOfficialEmulator, testFirestore } from '../support/firestore.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, startBot, type Bot } from './harness.js';

// The eight bytes every PNG file starts with (the PNG specification, section 5.2).
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const H = 3_600_000;
const DAY = 24 * H;

function record(bot: Bot, id: string, owner: string, events: [BoxStatus, number][]): Box {
  const history = events.map(([status, at]) => ({ status, at }));
  const last = events.at(-1);
  return makeBox({
    id,
    name: id,
    owner,
    channel: CHANNEL,
    status: last?.[0] ?? 'ready',
    desired: last?.[0] === 'deleted' ? 'deleted' : last?.[0] === 'stopped' ? 'stopped' : 'running',
    history,
    createdAt: events[0]?.[1] ?? bot.clock.now(),
    updatedAt: last?.[1] ?? bot.clock.now(),
    jupyterUrl: null,
  });
}

/** Writes box records as the box controller does, and returns them as Firestore holds them. */
async function seed(bot: Bot, boxes: Box[]): Promise<Box[]> {
  // Live boxes get their VMs too, so the box controller sees them as the records say, not as gone.
  for (const box of boxes) {
    if (box.status !== 'ready' && box.status !== 'stopped') continue;
    bot.compute.consoleCreate({
      name: box.name,
      zone: box.zone ?? 'us-central1-a',
      machineType: box.spec.machineType,
      labels: { 'managed-by': 'gpubot', 'gpubot-owner': box.owner.toLowerCase(), 'gpubot-id': box.id },
      status: box.status === 'ready' ? 'RUNNING' : 'TERMINATED',
    });
  }
  const db = testFirestore(bot.project);
  const store = new FirestoreBoxStore(db, bot.clock);
  for (const box of boxes) await store.transact({}, async (tx) => tx.putBox(box));
  const stored = (await Promise.all(boxes.map((b) => store.getBox(b.id)))).filter((b): b is Box => b !== null);
  await db.terminate();
  return stored;
}

/** Prices the bot quotes in this setup: the sandbox catalogue serves the bundled us-central1 list. */
async function pricesOf(bot: Bot): Promise<PriceTable> {
  await bot.gpubot.pricesReady;
  const table = BUNDLED_PRICES['us-central1'];
  assert.ok(table);
  return table;
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

function teamRecords(bot: Bot): Box[] {
  const now = bot.clock.now();
  return [
    // Alice: 3 h earlier this month, then deleted; a box running since yesterday; one from last month only.
    record(bot, 'alice-old', ALICE, [['creating', now - 7 * DAY], ['booting', now - 7 * DAY], ['stopped', now - 7 * DAY + 3 * H], ['deleted', now - 6 * DAY]]),
    record(bot, 'alice-run', ALICE, [['creating', now - 20 * H], ['booting', now - 20 * H], ['ready', now - 20 * H + 300_000]]),
    record(bot, 'alice-gone', ALICE, [['creating', now - 60 * DAY], ['booting', now - 60 * DAY], ['deleted', now - 59 * DAY]]),
    record(bot, 'bob-stopped', BOB, [['creating', now - 3 * DAY], ['booting', now - 3 * DAY], ['stopped', now - 3 * DAY + 90_000]]),
  ];
}

test('/gpu cost answers with totals that match the records, and shows the chart of daily spend to the asker alone', async () => {
  const bot = await startBot();
  try {
    const prices = await pricesOf(bot);
    const stored = await seed(bot, teamRecords(bot));
    const now = bot.clock.now();
    const monthStart = utcMonthStart(now);
    const sum = (owner: string | null) =>
      stored.filter((b) => owner === null || b.owner === owner).reduce((s, b) => s + costInPeriod(b, prices, monthStart, now).total, 0);

    const mine = await bot.slack.sendCommand({ text: 'cost --month', userId: ALICE, channelId: CHANNEL });
    const answer = answerText(mine.body);
    assert.ok(sum(ALICE) > 0);
    assert.ok(answer.includes(formatUsd(sum(ALICE))), `Alice's total ${formatUsd(sum(ALICE))} in: ${answer}`);
    assert.match(JSON.stringify(mine.body), /alice-run/);
    assert.doesNotMatch(JSON.stringify(mine.body), /bob-stopped|alice-gone/);
    assert.match(JSON.stringify(mine.body), /list price/);

    assert.match(JSON.stringify(mine.body), /chart of daily spend is on its way to your DM/);
    await until(() => bot.slack.uploads.some((u) => u.completed), 'the chart upload');
    const upload = bot.slack.uploads.find((u) => u.completed);
    // The answer is ephemeral: the chart goes to Alice's DM with the bot, never into the channel.
    assert.equal(upload?.channel, bot.slack.dmChannel(ALICE));
    assert.ok(bot.slack.dms(ALICE).some((m) => m.files?.some((f) => f.id === upload?.fileId) === true), 'the chart shows in her DM');
    assert.ok(!bot.slack.messages(CHANNEL).some((m) => m.files !== undefined), 'no file in the channel');
    assert.match(upload?.filename ?? '', /\.png$/);
    assert.deepEqual(upload?.bytes?.subarray(0, 8), PNG_SIGNATURE);
    assert.ok((upload?.title ?? '').includes(formatUsd(sum(ALICE))), 'the title carries the total');

    const all = await bot.slack.sendCommand({ text: 'cost --all --month', userId: ADMIN, channelId: CHANNEL });
    assert.ok(answerText(all.body).includes(formatUsd(sum(null))), `team total ${formatUsd(sum(null))} in: ${answerText(all.body)}`);
    assert.match(JSON.stringify(all.body), /UBOB/);
    // The team's spend is the admin's to see: its chart goes to the admin's DM, not to the channel.
    await until(() => bot.slack.uploads.filter((u) => u.completed).length === 2, 'the team chart upload');
    assert.equal(bot.slack.uploads.filter((u) => u.completed)[1]?.channel, bot.slack.dmChannel(ADMIN));
    assert.ok(!bot.slack.messages(CHANNEL).some((m) => m.files !== undefined), 'no file in the channel');

    const bobs = await bot.slack.sendCommand({ text: 'cost --month --user <@UBOB|bob>', userId: ADMIN, channelId: CHANNEL });
    assert.ok(answerText(bobs.body).includes(formatUsd(sum(BOB))));
  } finally {
    await bot.stop();
  }
});

test('/gpu cost without files:write says so to the asker, naming the scope, and puts nothing in the channel', async () => {
  const bot = await startBot();
  try {
    // An app installed before the manifest asked for files:write: Slack refuses the upload.
    bot.slack.scopes.revoke('files:write');
    await seed(bot, teamRecords(bot));
    const mine = await bot.slack.sendCommand({ text: 'cost --month', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(mine.body), /Your spend/);
    const said = await bot.slack.waitUntil(() => bot.slack.ephemerals(ALICE, CHANNEL).find((e) => e.source === 'response_url'), 3000, 'the follow-up');
    assert.match(said.text, /could not be sent/);
    assert.match(JSON.stringify(said.blocks), /files:write/);
    const refused = bot.slack.callsTo('files.getUploadURLExternal')[0];
    assert.deepEqual([refused?.response.error, refused?.response.needed], ['missing_scope', 'files:write']);
    assert.equal(bot.slack.uploads.length, 0);
    assert.ok(!bot.slack.messages(CHANNEL).some((m) => m.files !== undefined));
  } finally {
    await bot.stop();
  }
});

test('only admins see everyone’s or another person’s spend', async () => {
  const bot = await startBot();
  try {
    await seed(bot, teamRecords(bot));
    const all = await bot.slack.sendCommand({ text: 'cost --all', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(all.body), /Only admins/);
    assert.doesNotMatch(JSON.stringify(all.body), /bob-stopped/);
    const other = await bot.slack.sendCommand({ text: 'cost --user <@UBOB|bob>', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(other.body), /Only admins/);
    const self = await bot.slack.sendCommand({ text: 'cost --user <@UALICE|alice>', userId: ALICE, channelId: CHANNEL });
    assert.doesNotMatch(answerText(self.body), /Only admins/);
  } finally {
    await bot.stop();
  }
});

test('a budget crossing alerts the person and the admins once, and can block new boxes', async () => {
  const bot = await startBot({ env: { GPUBOT_BUDGETS: `${ALICE}=10`, GPUBOT_BUDGET_BLOCKS_NEW_BOXES: 'true' } });
  try {
    await pricesOf(bot);
    const now = bot.clock.now();
    // About $15 of VM time this month: past 50%, 90% and 100% of $10 at once.
    await seed(bot, [record(bot, 'alice-big', ALICE, [['creating', now - 20 * H], ['booting', now - 20 * H], ['stopped', now]])]);
    const alerts = (user: string) => bot.dmsTo(user).filter((m) => /GPU budget/.test(m.text));
    await bot.gpubot.worker.tick();
    await bot.gpubot.worker.tick();
    assert.equal(alerts(ALICE).length, 1, 'Alice hears once');
    assert.match(alerts(ALICE)[0]?.text ?? '', /used up/);
    assert.equal(alerts(ADMIN).length, 1, 'the admin hears once');
    for (let i = 0; i < 2; i++) {
      bot.clock.advance(11 * 60_000);
      await bot.gpubot.worker.tick();
    }
    assert.equal(alerts(ALICE).length, 1, 'still once after two more checks');
    assert.equal(alerts(ADMIN).length, 1);

    const up = await bot.slack.sendCommand({ text: 'up another --gpu t4', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(up.body), /budget for \d{4}-\d{2} is used up/);
    const bobUp = await bot.slack.sendCommand({ text: 'up bobs --gpu t4', userId: BOB, channelId: CHANNEL });
    assert.doesNotMatch(answerText(bobUp.body), /budget/);
  } finally {
    await bot.stop();
  }
});

test('the daily digest posts once a day, even with two replicas ticking', async (t) => {
  // The digest reads the idle stops by their notices' `event.type`; the first digest's notice is there by the second.
  if (!needsOfficialEmulator(t, 'nested-field filters')) return;
  // 07:00 UTC, before the digest hour: the worker's first tick at start-up must find nothing to post
  // before the records below exist.
  const bot = await startBot({ env: { GPUBOT_DIGEST_CHANNEL: CHANNEL }, startAt: Date.UTC(2026, 10, 27, 7, 0, 0) });
  try {
    await pricesOf(bot);
    await seed(bot, teamRecords(bot));
    bot.clock.advance(2 * H);
    const replica = await bot.startReplica();
    const digests = () => bot.slack.messages(CHANNEL).filter((m) => /^GPU spend on/.test(m.text));
    const tickBoth = async () => {
      await bot.gpubot.worker.tick();
      await replica.worker.tick();
      await bot.gpubot.worker.tick();
    };
    // Now 09:00 UTC, past the default digest hour (8).
    await tickBoth();
    await tickBoth();
    assert.equal(digests().length, 1);
    assert.match(JSON.stringify(digests()[0]?.blocks), /Running now/);
    assert.match(JSON.stringify(digests()[0]?.blocks), /alice-run/);

    // Later the same day, past the lease's life: the replica takes over, finds today's marker, posts nothing.
    bot.clock.advance(4 * H);
    await replica.worker.tick();
    assert.equal(replica.worker.isLeader, true, 'the replica leads now');
    await tickBoth();
    assert.equal(digests().length, 1, 'the marker holds across replicas');

    // Next morning before 08:00 nothing yet.
    bot.clock.advance(17 * H);
    await replica.worker.tick();
    await tickBoth();
    assert.equal(digests().length, 1, 'not before the digest hour');
    bot.clock.advance(2 * H);
    await replica.worker.tick();
    await tickBoth();
    await tickBoth();
    assert.equal(digests().length, 2, 'one more the next day');
  } finally {
    await bot.stop();
  }
});
