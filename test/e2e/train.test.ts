import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vertexError } from '../../src/sandbox/google/vertex.js';
import { createFirestore } from '../../src/store/firestore.js';
import { JOBS } from '../../src/store/job-store.js';
import { emulatorHost } from '../support/firestore.js';
import { JOB_ACTIONS } from '../../src/slack/views/job-card.js';
import { hostileCommands } from '../support/hostile-commands.js';
import { RUNTIME_VERSIONS, runtimeImages } from '../../src/domain/training-images.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const PKG = 'gs://ml-lab-trainers/census-0.1.tar.gz';
const img = (name: string) => `us-docker.pkg.dev/vertex-ai/training/${name}:latest`;
/**
 * 2 March 2026: Vertex AI still ran TensorFlow 2.16 and 2.17 training images (until 28 June and 11
 * July 2026), so an ML Engine submit gets one. The harness's default day, 27 November 2026, is past
 * every TensorFlow image's end of availability: there such a submit is refused (tested below).
 */
const SPRING = Date.UTC(2026, 2, 2, 9, 0, 0);

async function train(bot: Bot, text: string, user = ALICE) {
  const res = await bot.slack.sendCommand({ command: '/train', text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200, `ack status for ${text}`);
  return res;
}

function jobCard(bot: Bot, name: string) {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

function threadOf(bot: Bot, name: string) {
  const card = jobCard(bot, name);
  return card === undefined ? [] : bot.slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts);
}

function endNotices(bot: Bot, name: string, word: RegExp) {
  return {
    thread: threadOf(bot, name).filter((m) => word.test(m.text)),
    dms: bot.dmsTo(ALICE).filter((m) => m.text.includes(name) && word.test(m.text)),
  };
}

/** The pools as the bot sent them: the sandbox shows Vertex AI's default boot disk, which the bot does not set. */
function sentPools(pools: unknown): unknown {
  return (pools as Record<string, unknown>[]).map(({ diskSpec: _disk, ...rest }) => rest);
}

function cardButton(bot: Bot, name: string, actionId: string): string {
  const card = jobCard(bot, name);
  assert.ok(card, `card of ${name}`);
  for (const block of card.blocks) {
    for (const el of (block.elements as { action_id?: string; value?: string }[] | undefined) ?? []) {
      if (el.action_id === actionId && el.value !== undefined) return el.value;
    }
  }
  assert.fail(`no ${actionId} on the card of ${name}`);
}

test('submit by ML Engine flags: the CustomJob the mapping promises; it succeeds with one notice in the thread and one DM', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    const res = await train(bot, `submit census_gpu --scale-tier basic-gpu --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    assert.match(answerText(res.body), /Submitting training job `census_gpu`/);
    await bot.tickUntil(() => /Succeeded/.test(jobCard(bot, 'census_gpu')?.text ?? ''), 'census_gpu succeeded');
    const [job] = bot.vertex.jobs();
    assert.ok(job);
    assert.equal(bot.vertex.jobs().length, 1);
    assert.equal(job.displayName, 'census_gpu');
    assert.deepEqual(sentPools(job.jobSpec.workerPoolSpecs), [
      {
        machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
        replicaCount: '1',
        pythonPackageSpec: { executorImageUri: img('tf-gpu.2-16.py310'), packageUris: [PKG], pythonModule: 'trainer.task', args: [] },
      },
    ]);
    assert.equal(job.labels?.['managed-by'], 'gpubot');
    assert.equal(job.labels?.['gpubot-owner'], 'ualice');
    assert.ok(/^j[0-9a-f]+$/.test(job.labels?.['gpubot-id'] ?? ''));
    await bot.tickUntil(() => endNotices(bot, 'census_gpu', /SUCCEEDED/).dms.length > 0, 'the DM');
    const card = jobCard(bot, 'census_gpu');
    assert.ok(card && card.updates > 0, 'the card was updated in place');
    const ended = endNotices(bot, 'census_gpu', /SUCCEEDED/);
    assert.equal(ended.thread.length, 1);
    assert.equal(ended.dms.length, 1);
    assert.match(ended.thread[0]?.text ?? '', /queued \d+s, ran \d+s/);
    const blocks = JSON.stringify(ended.thread[0]?.blocks);
    assert.match(blocks, /console\.cloud\.google\.com\/vertex-ai/);
    assert.match(blocks, /Resubmit/);
    // More ticks change nothing: no second notice.
    for (let i = 0; i < 3; i++) await bot.gpubot.worker.tick();
    assert.equal(endNotices(bot, 'census_gpu', /SUCCEEDED/).thread.length, 1);
    assert.equal(endNotices(bot, 'census_gpu', /SUCCEEDED/).dms.length, 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('submit by Vertex flags and by a pasted multi-line gcloud line each produce their CustomJob', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    await train(
      bot,
      `submit --display-name vx_1 --region us-central1 --worker-pool-spec=machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1,replica-count=1,executor-image-uri=${img('tf-gpu.2-17.py310')},python-module=trainer.task --python-package-uris ${PKG}`,
    );
    await train(
      bot,
      `gcloud ai-platform jobs submit training pasted_1 \\\n  --region us-central1 \\\n  --scale-tier BASIC \\\n  --module-name trainer.task \\\n  --packages ${PKG} \\\n  --runtime-version 2.11 --python-version 3.10 \\\n  -- --epochs 5`,
    );
    await bot.tickUntil(() => bot.vertex.jobs().length === 2, 'both created');
    const vx = bot.vertex.job('vx_1');
    assert.deepEqual(sentPools(vx?.jobSpec.workerPoolSpecs), [
      {
        machineSpec: { machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1 },
        replicaCount: '1',
        pythonPackageSpec: { executorImageUri: img('tf-gpu.2-17.py310'), packageUris: [PKG], pythonModule: 'trainer.task', args: [] },
      },
    ]);
    const pasted = bot.vertex.job('pasted_1');
    assert.deepEqual(sentPools(pasted?.jobSpec.workerPoolSpecs), [
      {
        machineSpec: { machineType: 'n1-standard-4' },
        replicaCount: '1',
        pythonPackageSpec: { executorImageUri: img('tf-cpu.2-16.py310'), packageUris: [PKG], pythonModule: 'trainer.task', args: ['--epochs', '5'] },
      },
    ]);
  } finally {
    await bot.stop();
  }
});

test('a failing job ends FAILED with its error and last log lines, once in the thread and once by DM', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    bot.vertex.script('bad_1', { failWith: 'The replica workerpool0-0 exited with a non-zero status of 1.', errorLines: ['Traceback (most recent call last):', 'ValueError: bad shape'] });
    await train(bot, `submit bad_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => endNotices(bot, 'bad_1', /FAILED/).dms.length > 0, 'bad_1 failed');
    const ended = endNotices(bot, 'bad_1', /FAILED/);
    assert.equal(ended.thread.length, 1);
    assert.equal(ended.dms.length, 1);
    const said = JSON.stringify(ended.thread[0]?.blocks);
    assert.match(said, /non-zero status of 1/);
    assert.match(said, /ValueError: bad shape/);
    const logs = await train(bot, 'logs bad_1');
    assert.match(JSON.stringify(logs.body), /ValueError: bad shape/);
  } finally {
    await bot.stop();
  }
});

test("cancel from Slack: a non-owner is refused; the owner's confirmed cancel ends CANCELLED with one notice and one DM", async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    bot.vertex.script('long_1', { stayQueued: true });
    await train(bot, `submit long_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => bot.vertex.jobs().length === 1 && jobCard(bot, 'long_1') !== undefined, 'long_1 created');
    const refused = await train(bot, 'cancel long_1', BOB);
    assert.match(answerText(refused.body), /only its owner or an admin/);
    const id = cardButton(bot, 'long_1', JOB_ACTIONS.cancel);
    const bobClick = await bot.slack.sendAction({ userId: BOB, actionId: JOB_ACTIONS.cancel, value: id, channelId: CHANNEL, messageTs: jobCard(bot, 'long_1')?.ts ?? '' });
    assert.equal(bobClick.status, 200);
    for (let i = 0; i < 3; i++) await bot.gpubot.worker.tick();
    assert.equal(bot.vertex.count('customJobs.cancel'), 0, "Bob's click cancelled nothing");
    const prompt = await train(bot, 'cancel long_1');
    assert.match(answerText(prompt.body), /Cancel training job `long_1`/);
    await bot.slack.sendAction({ userId: ALICE, actionId: JOB_ACTIONS.cancel, value: id, channelId: CHANNEL, messageTs: jobCard(bot, 'long_1')?.ts ?? '' });
    await bot.tickUntil(() => endNotices(bot, 'long_1', /CANCELLED/).dms.length > 0, 'long_1 cancelled');
    assert.equal(bot.vertex.count('customJobs.cancel'), 1);
    assert.equal(endNotices(bot, 'long_1', /CANCELLED/).thread.length, 1);
    assert.equal(endNotices(bot, 'long_1', /CANCELLED/).dms.length, 1);
    assert.equal(bot.vertex.job('long_1')?.state, 'JOB_STATE_CANCELLED');
    // The trail: Alice's submit and her one cancel; Bob's refused clicks are not actions. (Sorted: on
    // this test's clock both can carry the same millisecond, and then their order is not defined.)
    const trail = await auditLines(bot, 'long_1');
    assert.deepEqual(
      trail.map((l) => l.replace(/^<!date\^\d+\^[^>]*> · /, '')).sort(),
      [`<@${ALICE}> cancelled job \`long_1\` · button in <#${CHANNEL}>`, `<@${ALICE}> submitted job \`long_1\` · command in <#${CHANNEL}>`],
    );
    // An admin may cancel anyone's job: the check is the same, so only the refusal is pinned here.
    assert.ok(ADMIN);
  } finally {
    await bot.stop();
  }
});

test('a retried /train submit (X-Slack-Retry-Num) creates one job', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    const first = await train(bot, `submit retry_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    const again = await bot.slack.resend(first, { retryNum: 1, retryReason: 'http_timeout' });
    assert.equal(again.status, 200);
    await bot.tickUntil(() => /Succeeded/.test(jobCard(bot, 'retry_1')?.text ?? ''), 'retry_1 succeeded');
    assert.equal(bot.vertex.jobs().length, 1);
    assert.equal(bot.vertex.count('customJobs.create'), 1);
    assert.equal((await auditLines(bot, 'retry_1')).filter((l) => l.includes('submitted job `retry_1`')).length, 1, 'the retry is not a second submit');
    assert.equal(bot.slack.messages(CHANNEL).filter((m) => m.fromBot && m.text.includes('Training job retry_1') && (m.threadTs === undefined || m.threadTs === m.ts)).length, 1);
  } finally {
    await bot.stop();
  }
});

test('a quota error and a combination Vertex AI refuses each get a clear answer and leave no job stuck', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    bot.vertex.quota('us-central1', 'NVIDIA_TESLA_T4', 0);
    await train(bot, `submit quota_1 --scale-tier basic-gpu --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => endNotices(bot, 'quota_1', /FAILED/).dms.length > 0, 'quota_1 failed');
    const quotaSaid = JSON.stringify(endNotices(bot, 'quota_1', /FAILED/).thread[0]?.blocks);
    assert.match(quotaSaid, /custom_model_training_nvidia_t4_gpus/);
    assert.match(quotaSaid, /iam-admin\/quotas/);
    bot.vertex.failNext('customJobs.create', vertexError(400, 'INVALID_ARGUMENT', 'List of found errors:\t1.Field: job_spec.worker_pool_specs[0].machine_spec.accelerator_type; Message: Accelerator NVIDIA_TESLA_T4 is not supported for machine type e2-standard-4.\t'));
    await train(bot, `submit invalid_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => endNotices(bot, 'invalid_1', /FAILED/).dms.length > 0, 'invalid_1 failed');
    assert.match(JSON.stringify(endNotices(bot, 'invalid_1', /FAILED/).thread[0]?.blocks), /not supported for machine type/);
    assert.equal(bot.vertex.jobs().length, 0);
    const list = await train(bot, 'list');
    assert.match(JSON.stringify(list.body), /quota_1` failed/);
    assert.match(JSON.stringify(list.body), /invalid_1` failed/);
  } finally {
    await bot.stop();
  }
});

test('/train alone opens the form; a bad line is answered beside the input, a pasted gcloud line submits', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    const res = await train(bot, '');
    assert.equal(res.text, '');
    await bot.slack.waitFor((c) => c.method === 'views.open');
    assert.ok(bot.slack.topView(ALICE));
    const line = (value: string) => ({ train_command: { command: { type: 'plain_text_input', value } } });
    const bad = await bot.slack.sendViewSubmission({ userId: ALICE, values: line('form_1 --scale-tier HUGE') });
    assert.equal(bad.outcome, 'errors');
    assert.ok((bad.errors?.train_command ?? '').length > 0);
    const good = await bot.slack.sendViewSubmission({
      userId: ALICE,
      values: line(`gcloud ai-platform jobs submit training form_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`),
    });
    assert.equal(good.outcome, 'closed');
    await bot.tickUntil(() => /Succeeded/.test(jobCard(bot, 'form_1')?.text ?? ''), 'form_1 succeeded');
    assert.equal(bot.vertex.jobs().length, 1);
  } finally {
    await bot.stop();
  }
});

test('the watcher lists each region once per tick, however many jobs it watches', async () => {
  const bot = await startBot({ startAt: SPRING });
  try {
    bot.vertex.setDefaultScript({ stayQueued: true });
    for (const [name, region] of [['r1', 'us-central1'], ['r2', 'us-central1'], ['r3', 'us-central1'], ['r4', 'europe-west4'], ['r5', 'europe-west4']]) {
      await train(bot, `submit ${name} --region ${region} --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    }
    await bot.tickUntil(() => bot.vertex.jobs().length === 5, 'all five created');
    await bot.gpubot.worker.tick();
    const before = bot.vertex.calls.length;
    await bot.gpubot.worker.tick();
    const calls = bot.vertex.calls.slice(before);
    assert.deepEqual(calls.map((c) => `${c.method} ${c.region ?? ''}`).sort(), ['customJobs.list europe-west4', 'customJobs.list us-central1']);
  } finally {
    await bot.stop();
  }
});

test('a create whose record write was lost (a killed process) is found by its label: one job, one notice', async () => {
  const bot = await startBot({ startAt: SPRING });
  const db = createFirestore({ projectId: bot.config.firestore.kind === 'emulator' ? bot.config.firestore.project : bot.project, emulatorHost: emulatorHost() });
  try {
    await train(bot, `submit lost_1 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'lost_1 created');
    // What a process killed between the create and its record write leaves behind.
    const docs = await db.collection(JOBS).get();
    assert.equal(docs.size, 1);
    await docs.docs[0]?.ref.update({ vertexJobId: null, status: 'requested' });
    await bot.tickUntil(() => endNotices(bot, 'lost_1', /SUCCEEDED/).dms.length > 0, 'lost_1 succeeded');
    assert.equal(bot.vertex.jobs().length, 1);
    assert.equal(bot.vertex.count('customJobs.create'), 1);
    assert.equal(endNotices(bot, 'lost_1', /SUCCEEDED/).thread.length, 1);
  } finally {
    await db.terminate();
    await bot.stop();
  }
});

test('a cancel that comes before a lost record write is noticed still cancels the job in Vertex AI', async () => {
  const bot = await startBot({ startAt: SPRING });
  const db = createFirestore({ projectId: bot.config.firestore.kind === 'emulator' ? bot.config.firestore.project : bot.project, emulatorHost: emulatorHost() });
  try {
    bot.vertex.script('lost_2', { stayQueued: true });
    await train(bot, `submit lost_2 --scale-tier BASIC --module-name trainer.task --packages ${PKG} --runtime-version 2.11`);
    await bot.tickUntil(() => bot.vertex.jobs().length === 1 && jobCard(bot, 'lost_2') !== undefined, 'lost_2 created');
    const id = cardButton(bot, 'lost_2', JOB_ACTIONS.cancel);
    // A process killed between the create and its record write, then the owner's cancel before any
    // later pass: the record knows of no Vertex AI job, yet one is queued and would run and bill.
    const docs = await db.collection(JOBS).get();
    await docs.docs[0]?.ref.update({ vertexJobId: null, status: 'requested' });
    await bot.slack.sendAction({ userId: ALICE, actionId: JOB_ACTIONS.cancel, value: id, channelId: CHANNEL, messageTs: jobCard(bot, 'lost_2')?.ts ?? '' });
    await bot.tickUntil(() => endNotices(bot, 'lost_2', /CANCELLED/).dms.length > 0, 'lost_2 cancelled');
    assert.equal(bot.vertex.count('customJobs.cancel'), 1, 'the job found by its label was cancelled');
    assert.equal(bot.vertex.job('lost_2')?.state, 'JOB_STATE_CANCELLED');
    assert.equal(bot.vertex.count('customJobs.create'), 1);
    assert.equal(endNotices(bot, 'lost_2', /CANCELLED/).thread.length, 1);
    assert.equal(endNotices(bot, 'lost_2', /CANCELLED/).dms.length, 1);
  } finally {
    await db.terminate();
    await bot.stop();
  }
});

test('/train help runtimes answers with every runtime and its images, within Block Kit limits', async () => {
  const bot = await startBot();
  try {
    const res = await train(bot, 'help runtimes');
    const body = res.body as { response_type?: string; text?: string; blocks?: unknown[] };
    assert.equal(body.response_type, 'ephemeral');
    const said = JSON.stringify(body.blocks);
    for (const runtime of RUNTIME_VERSIONS) {
      assert.ok((body.text ?? '').includes(runtime), `runtime ${runtime} in the text`);
      const images = runtimeImages(runtime, null);
      assert.ok(images.ok);
      const gpu = images.value.gpu.replace(/^.*\/([^/:]+):latest$/, '$1');
      assert.ok(said.includes(gpu), `image ${gpu} in the blocks`);
    }
    // Not the general help: that one only points at the tables.
    assert.doesNotMatch(answerText(res.body), /^\/train: submit, list/);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('1,000 random and hostile /train commands over HTTP each get a clear answer; none crashes or gets a 5xx', async () => {
  const bot = await startBot();
  try {
    const commands = hostileCommands(1000);
    const failures: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < commands.length) {
          const text = commands[next++] ?? '';
          const res = await bot.slack.sendCommand({ command: '/train', text, userId: 'UFUZZ', channelId: CHANNEL });
          const body = res.body as { text?: unknown } | '';
          const answer = typeof body === 'object' && body !== null ? String(body.text ?? '') : '';
          const opensForm = res.status === 200 && res.text === '';
          if (res.status !== 200 || (!opensForm && answer.trim() === '')) failures.push(`${res.status} ${JSON.stringify(text.slice(0, 80))} -> ${res.text.slice(0, 200)}`);
          if (/<!channel>|<!here>|<!everyone>/.test(answer)) failures.push(`broadcast echoed for ${JSON.stringify(text.slice(0, 80))}`);
        }
      }),
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers`);
    assert.deepEqual(bot.slack.violations, []);
    const unexpected = bot.log.entries.filter((e) => e.severity === 'ERROR');
    assert.deepEqual(unexpected.map((e) => String(e.message)).slice(0, 5), []);
  } finally {
    await bot.stop();
  }
});

test('an ML Engine submit with --runtime-version 2.11 never sends a retired image: mapped with a note in spring 2026, refused in November', async () => {
  const line = `submit old_tf --scale-tier basic-gpu --module-name trainer.task --packages ${PKG} --runtime-version 2.11`;
  const spring = await startBot({ startAt: SPRING });
  try {
    const res = await train(spring, line);
    const said = answerText(res.body);
    assert.match(said, /Submitting training job `old_tf`/);
    // The note sits in the answer's blocks, beside the headline.
    assert.match(JSON.stringify(res.body), /runs on TensorFlow 2\.16/);
    await spring.tickUntil(() => spring.vertex.jobs().length === 1, 'created');
    const pools = spring.vertex.job('old_tf')?.jobSpec.workerPoolSpecs as { pythonPackageSpec?: { executorImageUri?: string } }[];
    assert.equal(pools[0]?.pythonPackageSpec?.executorImageUri, img('tf-gpu.2-16.py310'));
  } finally {
    await spring.stop();
  }
  const november = await startBot();
  try {
    const res = await train(november, line);
    const said = answerText(res.body);
    assert.match(said, /no prebuilt TensorFlow training image/);
    assert.match(said, /--master-image-uri/);
    for (let i = 0; i < 3; i++) await november.gpubot.worker.tick();
    assert.equal(november.vertex.calls.filter((c) => c.method === 'customJobs.create').length, 0, 'nothing was sent to Vertex AI');
  } finally {
    await november.stop();
  }
});
