/**
 * The App Home through the real HTTP surface: a job run with `/train` shows on its owner's Home tab with
 * the cost its end notice stated, the month's spend counts it, and the tab's Cancel button works as the
 * card's does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JOB_ACTIONS } from '../../src/slack/views/job-card.js';
import { textOf } from '../slack/views/fixtures.js';
import { ALICE, BOB, CHANNEL, startBot, type Bot } from './harness.js';

const H = 3_600_000;
/** `basic-gpu`: one n1-standard-8 with one T4, $0.839514 an hour at Vertex AI training rates in us-central1. */
const SUBMIT = `--scale-tier basic-gpu --master-image-uri us-docker.pkg.dev/ml-lab/trainers/census:v3`;

function jobCard(bot: Bot, name: string) {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

async function openHome(bot: Bot, user: string) {
  const before = bot.slack.homeView(user)?.hash;
  const res = await bot.slack.openAppHome(user);
  assert.equal(res.status, 200);
  const home = await bot.slack.waitUntil(() => {
    const view = bot.slack.homeView(user);
    return view !== undefined && view.hash !== before ? view : undefined;
  }, 5000, 'the home view');
  return { home, text: textOf((home.spec as { blocks: unknown[] }).blocks) };
}

test('after a job finishes, its owner’s Home shows it with its cost, and this month’s spend includes it', async () => {
  const bot = await startBot({ env: { GPUBOT_BUDGETS: `${ALICE}=10` } });
  try {
    await bot.gpubot.pricesReady;
    const res = await bot.slack.sendCommand({ command: '/train', text: `submit census_home ${SUBMIT}`, userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    await bot.tickUntil(() => /Running/.test(jobCard(bot, 'census_home')?.text ?? ''), 'census_home running');
    bot.clock.advance(3 * H);
    const ended = () => bot.dmsTo(ALICE).find((m) => m.text.includes('census_home') && /SUCCEEDED/.test(m.text));
    await bot.tickUntil(() => ended() !== undefined, 'the end notice');
    const cost = /Cost: (\$[\d,]+\.\d\d) at list price/.exec(JSON.stringify(ended()?.blocks))?.[1];
    // Three hours on one T4: 3 x 0.839514 = $2.52.
    assert.equal(cost, '$2.52');

    const { text } = await openHome(bot, ALICE);
    assert.ok(text.includes('Your training jobs'), text);
    assert.match(text, /\*census_home\*  Succeeded\nus-central1 · ran 3h(?: \d+m)?, ended \d+s ago · Cost: \$2\.52 at list price/);
    // No box ran, so the job is all of the month's spend: a quarter of her $10.
    assert.ok(text.includes('*This month:* $2.52 on your boxes and training jobs, at list price · 25% of your $10.00 monthly budget'), text);
    assert.ok(!text.includes('job_cancel'), 'nothing to cancel');

    // Bob has no budget and no jobs: his month line has no budget part, and Alice's job is not his.
    const bobs = await openHome(bot, BOB);
    assert.ok(bobs.text.includes('*This month:* $0.00'), bobs.text);
    assert.ok(!bobs.text.includes('census_home') && !bobs.text.includes('monthly budget'), bobs.text);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('the Cancel button on the Home tab cancels the owner’s live job, as the card’s does', async () => {
  const bot = await startBot();
  try {
    bot.vertex.script('home_long', { stayQueued: true });
    await bot.slack.sendCommand({ command: '/train', text: `submit home_long --scale-tier BASIC --master-image-uri us-docker.pkg.dev/ml-lab/trainers/census:v3`, userId: ALICE, channelId: CHANNEL });
    await bot.tickUntil(() => bot.vertex.jobs().length === 1 && jobCard(bot, 'home_long') !== undefined, 'home_long created');
    const { home, text } = await openHome(bot, ALICE);
    assert.match(text, /\*home_long\*  Queued\nus-central1 · waiting \d+s/);
    const json = JSON.stringify(home.spec);
    assert.ok(json.includes(JOB_ACTIONS.cancel), 'a Cancel button');

    const click = await bot.slack.sendAction({ userId: ALICE, actionId: JOB_ACTIONS.cancel, viewId: home.id });
    assert.equal(click.status, 200);
    await bot.tickUntil(() => bot.vertex.job('home_long')?.state === 'JOB_STATE_CANCELLED', 'home_long cancelled');
    assert.equal(bot.vertex.count('customJobs.cancel'), 1);

    // Opened again, the tab shows the job ended and offers no Cancel.
    const after = await openHome(bot, ALICE);
    assert.match(after.text, /\*home_long\*  Cancelled/);
    assert.ok(!JSON.stringify(after.home.spec).includes(JOB_ACTIONS.cancel));
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});
