/**
 * Training-job spend in `/gpu cost`, the budgets and the daily digest, through the real HTTP surface:
 * a job is submitted with `/train`, runs in the Vertex AI sandbox, ends with its notice, and the cost
 * figures elsewhere must agree with what that notice said.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utcMonth } from '../../src/domain/cost-period.js';
import { FirestoreCostStore } from '../../src/store/cost-store.js';
import { needsOfficialEmulator, testFirestore } from '../support/firestore.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, startBot, type Bot } from './harness.js';

const H = 3_600_000;
/** `basic-gpu`: one n1-standard-8 with one T4, $0.839514 an hour at Vertex AI training rates in us-central1. */
const SUBMIT = `--scale-tier basic-gpu --master-image-uri us-docker.pkg.dev/ml-lab/trainers/census:v3`;

function jobCard(bot: Bot, name: string) {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

function endDm(bot: Bot, name: string) {
  return bot.dmsTo(ALICE).find((m) => m.text.includes(name) && /SUCCEEDED/.test(m.text));
}

/** Submits a job as Alice, lets it reach RUNNING, runs it `ranMs` more, and returns the cost its end notice states. */
async function runJob(bot: Bot, name: string, ranMs: number): Promise<string> {
  await bot.gpubot.pricesReady;
  const res = await bot.slack.sendCommand({ command: '/train', text: `submit ${name} ${SUBMIT}`, userId: ALICE, channelId: CHANNEL });
  assert.equal(res.status, 200);
  await bot.tickUntil(() => /Running/.test(jobCard(bot, name)?.text ?? ''), `${name} running`);
  bot.clock.advance(ranMs);
  await bot.tickUntil(() => endDm(bot, name) !== undefined, `the end notice of ${name}`);
  const said = JSON.stringify(endDm(bot, name)?.blocks);
  const cost = /Cost: (\$[\d,]+\.\d\d) at list price/.exec(said)?.[1];
  assert.ok(cost !== undefined, `the end notice states a cost: ${said}`);
  return cost;
}

test('after a job runs and finishes, /gpu cost lists it with the total its end notice stated', async () => {
  const bot = await startBot();
  try {
    // Three hours on one T4: 3 x 0.839514 = $2.52 (plus the few seconds between ticks).
    const cost = await runJob(bot, 'census_cost', 3 * H);
    assert.equal(cost, '$2.52');

    const mine = await bot.slack.sendCommand({ text: 'cost', userId: ALICE, channelId: CHANNEL });
    const body = JSON.stringify(mine.body);
    assert.match(body, /Training jobs\* \(1, \$2\.52\)/);
    assert.ok(body.includes(`\`census_cost\`: ${cost}`), `the job's line in: ${body}`);
    // No box ran, so the job is all of Alice's spend.
    assert.ok(answerText(mine.body).includes(`spend the last 7 days: ${cost}`), answerText(mine.body));
    assert.deepEqual(bot.slack.violations, []);

    const all = await bot.slack.sendCommand({ text: 'cost --all --month', userId: ADMIN, channelId: CHANNEL });
    assert.ok(JSON.stringify(all.body).includes('`census_cost`'), 'the team view lists it');
    assert.ok(answerText(all.body).includes(cost));

    const bobs = await bot.slack.sendCommand({ text: 'cost', userId: BOB, channelId: CHANNEL });
    assert.doesNotMatch(JSON.stringify(bobs.body), /census_cost/, 'Bob’s spend has none of Alice’s jobs');
    assert.ok(answerText(bobs.body).includes('$0.00'));
  } finally {
    await bot.stop();
  }
});

test('job spend alone crosses a budget: one alert to the person and one to the admins, and the budget status says so', async () => {
  // $3 this month; four hours on one T4 cost $3.36, past 50%, 90% and 100% at once.
  const bot = await startBot({ env: { GPUBOT_BUDGETS: `${ALICE}=3` } });
  try {
    const alerts = (user: string) => bot.dmsTo(user).filter((m) => /GPU budget/.test(m.text));
    const cost = await runJob(bot, 'budget_buster', 4 * H);
    assert.equal(cost, '$3.36');
    await bot.gpubot.worker.tick();
    assert.equal(alerts(ALICE).length, 1, 'Alice hears once');
    assert.match(alerts(ALICE)[0]?.text ?? '', /used up: \$3\.36 of \$3\.00/);
    assert.equal(alerts(ADMIN).length, 1, 'the admin hears once');
    for (let i = 0; i < 2; i++) {
      bot.clock.advance(11 * 60_000);
      await bot.gpubot.worker.tick();
    }
    assert.equal(alerts(ALICE).length, 1, 'still once after two more checks');
    assert.equal(alerts(ADMIN).length, 1);

    const db = testFirestore(bot.project);
    try {
      const status = await new FirestoreCostStore(db, bot.clock).budgetStatus(utcMonth(bot.clock.now()));
      assert.deepEqual(
        status?.over.map((o) => [o.who, Math.round(o.spent * 100) / 100, o.budget]),
        [[ALICE, 3.36, 3]],
      );
    } finally {
      await db.terminate();
    }
  } finally {
    await bot.stop();
  }
});

test('the daily digest counts yesterday’s job in the person’s total and says how many jobs ran', async (t) => {
  // The digest reads the idle stops by their notices' `event.type`; the job's notices are there by then.
  if (!needsOfficialEmulator(t, 'nested-field filters')) return;
  // 20:00 UTC: the job runs two hours that evening; the digest of that day comes the next morning.
  const bot = await startBot({ env: { GPUBOT_DIGEST_CHANNEL: CHANNEL }, startAt: Date.UTC(2026, 10, 26, 20, 0, 0) });
  try {
    const cost = await runJob(bot, 'nightly', 2 * H);
    // 2 x 0.839514 = $1.68.
    assert.equal(cost, '$1.68');
    bot.clock.advance(12 * H);
    // The first tick (past the digest hour) already posted the day before's; this one is of the 26th.
    const digests = () => bot.slack.messages(CHANNEL).filter((m) => /^GPU spend on 2026-11-26/.test(m.text));
    await bot.gpubot.worker.tick();
    await bot.gpubot.worker.tick();
    assert.equal(digests().length, 1);
    const said = JSON.stringify(digests()[0]?.blocks);
    assert.ok(said.includes(`*Yesterday:* ${cost} (1 training job ran: ${cost} of it)`), said);
    assert.ok(said.includes(`<@${ALICE}>: ${cost}`), said);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('the daily digest lists a training job still running, with what it costs an hour', async (t) => {
  // The digest reads the idle stops by their notices' `event.type` (a nested-field filter).
  if (!needsOfficialEmulator(t, 'nested-field filters')) return;
  // 07:30 UTC on the 27th: the first ticks post the 26th's digest, with nothing running yet.
  const bot = await startBot({ env: { GPUBOT_DIGEST_CHANNEL: CHANNEL }, startAt: Date.UTC(2026, 10, 27, 7, 30, 0) });
  try {
    await bot.gpubot.pricesReady;
    // Still running a day later: it would otherwise end on the poll after it is seen running.
    bot.vertex.script('overnight', { succeedAfterPolls: 1000 });
    const res = await bot.slack.sendCommand({ command: '/train', text: `submit overnight ${SUBMIT}`, userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    await bot.tickUntil(() => /Running/.test(jobCard(bot, 'overnight')?.text ?? ''), 'overnight running');
    // Past the next day's digest hour (08:00 UTC), with the job still running.
    bot.clock.advance(25 * H);
    const digests = () => bot.slack.messages(CHANNEL).filter((m) => /^GPU spend on 2026-11-27/.test(m.text));
    await bot.gpubot.worker.tick();
    assert.equal(digests().length, 1);
    const said = JSON.stringify(digests()[0]?.blocks);
    // One T4 at Vertex AI training rates: $0.839514 an hour.
    assert.ok(said.includes('*Running now:* 1 training job, ≈ $0.84/h'), said);
    assert.ok(said.includes(`\`overnight\` (training job) (<@${ALICE}>): $0.84/h`), said);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});
