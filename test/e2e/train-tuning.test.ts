import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALICE, CHANNEL, answerText, startBot, type Bot } from './harness.js';
import { TRAIN_FORM } from '../../src/slack/views/job-form.js';
import { Discovery } from '../support/discovery.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const aiplatform = Discovery.load('aiplatform.v1.json');
const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
/** 2 March 2026: Vertex AI still ran the TensorFlow 2.16 images that runtime 2.11 maps to. */
const SPRING = Date.UTC(2026, 2, 2, 9, 0, 0);
const LINE = `gcloud ai-platform jobs submit training census_hp --region us-central1 --module-name trainer.task --packages ${PKG} --runtime-version 2.11 --config hptuning.yaml -- --epochs 3`;
const HPTUNING = `trainingInput:
  scaleTier: BASIC_GPU
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: accuracy
    maxTrials: 5
    maxParallelTrials: 2
    params:
    - parameterName: learning_rate
      type: DOUBLE
      minValue: 0.001
      maxValue: 0.1
      scaleType: UNIT_LOG_SCALE
    - parameterName: optimizer
      type: CATEGORICAL
      categoricalValues: [adam, sgd]
`;

function form(command: string, config?: string) {
  return {
    [TRAIN_FORM.blocks.command]: { [TRAIN_FORM.actions.command]: { type: 'plain_text_input', value: command } },
    ...(config !== undefined ? { [TRAIN_FORM.blocks.config]: { [TRAIN_FORM.actions.config]: { type: 'plain_text_input', value: config } } } : {}),
  };
}

function jobCard(bot: Bot, name: string) {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

function endNotices(bot: Bot, name: string) {
  const card = jobCard(bot, name);
  const thread = card === undefined ? [] : bot.slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts && /SUCCEEDED/.test(m.text));
  return { thread, dms: bot.dmsTo(ALICE).filter((m) => m.text.includes(name) && /SUCCEEDED/.test(m.text)) };
}

test('a pasted gcloud line with --config: the command alone says to paste the file in the form; the form with it makes one HyperparameterTuningJob whose end notice names the best trial', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    // The slash command cannot carry the file: the answer says where its text goes, and nothing is created.
    const res = await bot.slack.sendCommand({ command: '/train', text: LINE, userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(res.body), /can't read from Slack.*`\/train` alone to open the form.*Tuning config/);

    await bot.slack.sendCommand({ command: '/train', text: '', userId: ALICE, channelId: CHANNEL });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    // A mistake in the config is answered beside the config.
    const bad = await bot.slack.sendViewSubmission({ userId: ALICE, values: form(LINE, HPTUNING.replace('type: DOUBLE', 'type: FLOAT')) });
    assert.equal(bad.outcome, 'errors');
    assert.match(bad.errors?.[TRAIN_FORM.blocks.config] ?? '', /`DOUBLE`, `INTEGER`, `CATEGORICAL` or `DISCRETE`/);
    assert.equal(bot.vertex.count('hyperparameterTuningJobs.create'), 0);

    bot.vertex.script('census_hp', { succeedAfterPolls: 3, bestTrial: 2 });
    const good = await bot.slack.sendViewSubmission({ userId: ALICE, values: form(LINE, HPTUNING) });
    assert.equal(good.outcome, 'closed', JSON.stringify(good.errors));
    await bot.tickUntil(() => endNotices(bot, 'census_hp').dms.length > 0, 'the tuning job ended with its DM');

    // One tuning job, created from the study as the config says, and no custom job beside it.
    assert.equal(bot.vertex.count('hyperparameterTuningJobs.create'), 1);
    assert.deepEqual(bot.vertex.jobs(), []);
    const job = bot.vertex.tuningJob('census_hp');
    assert.ok(job);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(job.maxTrialCount, 5);
    assert.equal(job.parallelTrialCount, 2);
    assert.deepEqual(job.studySpec, {
      metrics: [{ metricId: 'accuracy', goal: 'MAXIMIZE' }],
      parameters: [
        { parameterId: 'learning_rate', doubleValueSpec: { minValue: 0.001, maxValue: 0.1 }, scaleType: 'UNIT_LOG_SCALE' },
        { parameterId: 'optimizer', categoricalValueSpec: { values: ['adam', 'sgd'] } },
      ],
    });
    assert.equal(job.labels?.['managed-by'], 'gpubot');
    // What the stand-in holds is a valid HyperparameterTuningJob as Google's discovery document describes it.
    assert.deepEqual(aiplatform.validate('GoogleCloudAiplatformV1HyperparameterTuningJob', job), []);

    // The best trial is the stand-in's trial 2; the notice names it, its metric and its parameters.
    const best = job.trials?.find((t) => t.id === '2') as { parameters: { parameterId: string; value: number | string }[] } | undefined;
    assert.ok(best);
    const lr = best.parameters.find((p) => p.parameterId === 'learning_rate')?.value;
    const optimizer = best.parameters.find((p) => p.parameterId === 'optimizer')?.value;
    const ended = endNotices(bot, 'census_hp');
    assert.equal(ended.thread.length, 1);
    assert.equal(ended.dms.length, 1);
    for (const notice of [ended.thread[0], ended.dms[0]]) {
      const said = JSON.stringify(notice?.blocks);
      assert.match(said, /Best trial 2: accuracy 0\.95 \(highest\)/);
      assert.ok(said.includes(`learning_rate=${String(lr)}`), said);
      assert.ok(said.includes(`optimizer=${String(optimizer)}`), said);
      assert.match(said, /5 of 5 trials succeeded/);
      assert.match(notice?.text ?? '', /Best trial 2/);
    }
    // The card says it is a study, per trial machines and two at a time.
    assert.match(jobCard(bot, 'census_hp')?.text ?? '', /Training job census_hp/);
    assert.match(JSON.stringify(jobCard(bot, 'census_hp')?.blocks), /per trial\. Tuning accuracy \(maximize\) over learning_rate, optimizer: 5 trials, 2 at a time/);
    for (let i = 0; i < 3; i++) await bot.gpubot.worker.tick();
    assert.equal(endNotices(bot, 'census_hp').thread.length, 1, 'no second notice');
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});
