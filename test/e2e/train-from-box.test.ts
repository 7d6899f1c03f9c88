import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { ALICE, BOB, CHANNEL, STAGING_BUCKET, answerText, buttonValue, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const PYTORCH_FAMILY = 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570';
const PYTORCH_CONTAINER = 'us-docker.pkg.dev/deeplearning-platform-release/gcr.io/pytorch-cu128.2-7.py310';
const MB = 1_000_000;

async function send(bot: Bot, command: '/gpu' | '/train', text: string, user = ALICE) {
  const res = await bot.slack.sendCommand({ command, text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200, `ack status for ${command} ${text}`);
  return answerText(res.body);
}

async function readyBox(bot: Bot, name: string, extra = ''): Promise<void> {
  await send(bot, '/gpu', `up ${name} --gpu t4 ${extra}`);
  await bot.tickUntil(() => /Ready/.test(bot.card(name)?.text ?? ''), `${name} ready`);
}

function jobCard(bot: Bot, name: string) {
  return bot.slack.messages(CHANNEL).find((m) => m.fromBot && (m.threadTs === undefined || m.threadTs === m.ts) && m.text.includes(`Training job ${name}`));
}

function threadOf(bot: Bot, name: string) {
  const card = jobCard(bot, name);
  return card === undefined ? [] : bot.slack.thread(CHANNEL, card.ts).filter((m) => m.ts !== card.ts);
}

function buttonOn(message: { blocks: Record<string, unknown>[] } | undefined, actionId: string): string | null {
  for (const block of message?.blocks ?? []) {
    for (const el of (block.elements as { action_id?: string; value?: string }[] | undefined) ?? []) if (el.action_id === actionId && el.value !== undefined) return el.value;
  }
  return null;
}

/** Every object in the staging bucket. */
function stagedObjects(bot: Bot): string[] {
  return bot.storage.list(STAGING_BUCKET).map((o) => o.name);
}

/** Waits for the ephemeral answer to a click (it follows the ack through response_url). */
async function told(bot: Bot, user: string, pattern: RegExp): Promise<void> {
  await bot.slack.waitUntil(() => bot.slack.ephemerals(user, CHANNEL).find((e) => pattern.test(e.text)), 3000, `${user} told ${String(pattern)}`);
}

test('a box with files -> /train --from-box -> upload and a CustomJob in the container matching the box -> success -> outputs and [Copy to BOX] -> the agent copies them', async () => {
  const bot = await startBot();
  try {
    await readyBox(bot, 'exp42', `--image ${PYTORCH_FAMILY}`);
    bot.agent.files('exp42', {
      'census/train.py': 'print("hi")\n',
      'census/model.py': 'class M: pass\n',
      'census/.gitignore': 'data/\n',
      'census/data/adult.csv': { size: 40 * MB },
      'census/.venv/pyvenv.cfg': 'home = /usr/bin\n',
      'census/.venv/lib/x.py': '',
      'notes.txt': 'not in --dir',
    });
    const setBefore = bot.compute.count('instances.setMetadata');
    const ack = await send(bot, '/train', 'submit census_box --from-box exp42 --dir census --entry train.py -- --epochs 3');
    assert.match(ack, /Packaging `census` on `exp42`/);
    // The listener only recorded the job: the box is asked by the worker.
    assert.equal(bot.compute.count('instances.setMetadata'), setBefore);
    assert.equal(bot.vertex.jobs().length, 0);

    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'the job created');
    const [job] = bot.vertex.jobs();
    assert.ok(job);
    const id = job.labels?.['gpubot-id'] ?? '';
    assert.match(id, /^j[0-9a-f]+$/);
    // The code went up once, under the job's own prefix, without what .gitignore and the venv leave out.
    assert.deepEqual(stagedObjects(bot), [`jobs/${id}/code/code.tar.gz`]);
    const staged = bot.storage.get(STAGING_BUCKET, `jobs/${id}/code/code.tar.gz`);
    assert.ok(staged);
    const kept = (JSON.parse(gunzipSync(staged.bytes).toString('utf8')) as [string, number][]).map(([p]) => p).sort();
    assert.deepEqual(kept, ['.gitignore', 'model.py', 'train.py']);
    const [request] = bot.agent.requests;
    assert.equal(request?.request.action, 'package');
    assert.equal(request?.request.dir, 'census');
    assert.equal(request?.request.entry, 'train.py');
    // The CustomJob runs in the Deep Learning container of the box's image family, outputs under the job's prefix.
    const spec = job.jobSpec as { workerPoolSpecs: { containerSpec?: { imageUri: string; args: string[] }; machineSpec: { acceleratorType?: string } }[]; baseOutputDirectory?: { outputUriPrefix: string } };
    assert.equal(spec.workerPoolSpecs[0]?.containerSpec?.imageUri, PYTORCH_CONTAINER);
    assert.equal(spec.workerPoolSpecs[0]?.machineSpec.acceleratorType, 'NVIDIA_TESLA_T4');
    assert.ok(spec.workerPoolSpecs[0]?.containerSpec?.args.includes('--epochs'));
    assert.equal(spec.baseOutputDirectory?.outputUriPrefix, `gs://${STAGING_BUCKET}/jobs/${id}/`);
    // What the job writes (Vertex AI's AIP_MODEL_DIR is model/ under the base directory).
    bot.storage.put(STAGING_BUCKET, `jobs/${id}/model/model.pt`, 'weights');

    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('census_box') && /SUCCEEDED/.test(m.text)), 'the end DM');
    const notice = threadOf(bot, 'census_box').find((m) => /SUCCEEDED/.test(m.text));
    assert.ok(notice, 'the end notice in the thread');
    const blocks = JSON.stringify(notice.blocks);
    assert.ok(blocks.includes(`gs://${STAGING_BUCKET}/jobs/${id}/`), 'the notice links the outputs');
    assert.equal(buttonOn(notice, 'job_copy_to_box'), id, 'the notice offers [Copy to exp42]');
    assert.match(blocks, /Copy to exp42/);

    // Someone else's click copies nothing.
    const messageTs = notice.ts;
    await bot.slack.sendAction({ userId: BOB, actionId: 'job_copy_to_box', value: id, channelId: CHANNEL, messageTs });
    await told(bot, BOB, /only its owner or an admin/);
    for (let i = 0; i < 2; i++) await bot.gpubot.worker.tick();
    assert.equal(bot.agent.copies.length, 0);

    await bot.slack.sendAction({ userId: ALICE, actionId: 'job_copy_to_box', value: id, channelId: CHANNEL, messageTs });
    await told(bot, ALICE, /Asking `exp42` to copy the outputs/);
    await bot.tickUntil(() => /Copied \d+ files/.test(JSON.stringify(jobCard(bot, 'census_box')?.blocks)), 'the card says the copy is done');
    assert.equal(bot.agent.copies.length, 1);
    assert.equal(bot.agent.copies[0]?.prefix, `jobs/${id}/`);
    assert.equal(bot.agent.listing('exp42').get('census/gpubot-outputs/census_box/model/model.pt'), 'weights');

    // [Resubmit]: the box packages its code again for the new job, which runs that upload, not the first.
    await bot.slack.sendAction({ userId: ALICE, actionId: 'job_resubmit', value: id, channelId: CHANNEL, messageTs });
    await bot.tickUntil(() => bot.vertex.jobs().length === 2, 'the second job created');
    const second = bot.vertex.jobs().find((j) => j.labels?.['gpubot-id'] !== id);
    const secondId = second?.labels?.['gpubot-id'] ?? '';
    assert.ok(bot.storage.get(STAGING_BUCKET, `jobs/${secondId}/code/code.tar.gz`), 'packaged again under the new job');
    assert.match(JSON.stringify(second?.jobSpec), new RegExp(`jobs/${secondId}/code/code\\.tar\\.gz`));
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('[Train] on a ready box opens the /train form with --from-box filled in; submitting it packages on that box', async () => {
  const bot = await startBot();
  try {
    await readyBox(bot, 'exp50');
    bot.agent.files('exp50', { 'train.py': 'print(1)\n' });
    const box = bot.card('exp50');
    const boxId = buttonValue(bot, 'exp50', 'box_train');
    // Someone else's click opens nothing.
    await bot.slack.sendAction({ userId: BOB, actionId: 'box_train', value: boxId, channelId: CHANNEL, messageTs: box?.ts ?? '' });
    await told(bot, BOB, /belongs to <@UALICE>/);
    assert.equal(bot.slack.topView(BOB), undefined);
    await bot.slack.sendAction({ userId: ALICE, actionId: 'box_train', value: boxId, channelId: CHANNEL, messageTs: box?.ts ?? '' });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const view = bot.slack.topView(ALICE);
    assert.ok(view);
    assert.match(JSON.stringify(view), /--from-box exp50/);
    const line = (value: string) => ({ train_command: { command: { type: 'plain_text_input', value } } });
    const done = await bot.slack.sendViewSubmission({ userId: ALICE, values: line('form_box --from-box exp50 --entry train.py') });
    assert.equal(done.outcome, 'closed');
    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'the job created');
    assert.equal(bot.vertex.jobs()[0]?.displayName, 'form_box');
  } finally {
    await bot.stop();
  }
});

test('bad input from a box: stopped, someone else’s, agent silent, over the limit, entry missing: a clear answer, no job, nothing left in the bucket', async () => {
  const bot = await startBot({ env: { GPUBOT_AGENT_TIMEOUT: '2m' } });
  try {
    await readyBox(bot, 'exp60');
    await readyBox(bot, 'exp61');
    bot.agent.files('exp60', { 'code/train.py': 'print(1)\n', 'code/weights.bin': { size: 600 * MB } });
    bot.agent.files('exp61', { 'train.py': 'print(1)\n' });

    // Someone else's box: refused in the ack.
    assert.match(await send(bot, '/train', 'submit j_bob --from-box exp60 --entry code/train.py', BOB), /belongs to <@UALICE>/);

    // Over the limit: the box says what is biggest; the job ends failed, nothing created or left.
    assert.match(await send(bot, '/train', 'submit j_big --from-box exp60 --dir code --entry train.py'), /Packaging/);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('j_big') && /FAILED/.test(m.text)), 'j_big refused');
    const big = bot.dmsTo(ALICE).find((m) => m.text.includes('j_big'));
    assert.match(JSON.stringify(big?.blocks), /weights\.bin/);
    assert.match(JSON.stringify(big?.blocks), /holds 572 MiB, over the 500 MiB/);

    // The entry is not there.
    await send(bot, '/train', 'submit j_noentry --from-box exp61 --entry nope.py');
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('j_noentry') && /FAILED/.test(m.text)), 'j_noentry refused');
    assert.match(JSON.stringify(bot.dmsTo(ALICE).find((m) => m.text.includes('j_noentry'))?.blocks), /`nope\.py` is not in/);

    // An agent that never answers: after GPUBOT_AGENT_TIMEOUT the job ends, saying why.
    bot.agent.silence('exp61');
    await send(bot, '/train', 'submit j_silent --from-box exp61 --entry train.py');
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('j_silent') && /FAILED/.test(m.text)), 'j_silent timed out', 20, 15_000);
    assert.match(JSON.stringify(bot.dmsTo(ALICE).find((m) => m.text.includes('j_silent'))?.blocks), /did not answer within 2 min/);
    bot.agent.silence('exp61', false);

    // A stopped box: refused in the ack.
    await send(bot, '/gpu', 'stop exp61');
    await bot.tickUntil(() => /Stopped/.test(bot.card('exp61')?.text ?? ''), 'exp61 stopped');
    assert.match(await send(bot, '/train', 'submit j_stopped --from-box exp61 --entry train.py'), /`exp61` is stopped.*\/gpu start exp61/);

    assert.equal(bot.vertex.jobs().length, 0, 'no job was created');
    assert.equal(bot.vertex.count('customJobs.create'), 0);
    assert.deepEqual(stagedObjects(bot), [], 'nothing left in the bucket');
  } finally {
    await bot.stop();
  }
});

test('a job cancelled while its box packages ends without a Vertex AI job, and what was uploaded under its prefix is cleared', async () => {
  const bot = await startBot();
  try {
    await readyBox(bot, 'exp70');
    bot.agent.files('exp70', { 'train.py': 'print(1)\n' });
    await send(bot, '/train', 'submit j_cancel --from-box exp70 --entry train.py');
    // The agent is slow: it has read nothing yet when the owner cancels; a partial upload sits under the prefix.
    bot.agent.silence('exp70');
    await bot.gpubot.worker.tick();
    const asked = bot.agent.requests.length;
    assert.equal(asked, 0, 'the silent agent read nothing');
    const prefix = (bot.compute.instance('exp70')?.metadata.items ?? []).find((i) => i.key === 'gpubot-agent-request')?.value ?? '';
    const jobId = /"object":"jobs\/(j[0-9a-f]+)\//.exec(prefix)?.[1] ?? '';
    assert.notEqual(jobId, '', 'the request names the job’s object');
    bot.storage.put(STAGING_BUCKET, `jobs/${jobId}/code/code.tar.gz`, 'partial');
    const card = jobCard(bot, 'j_cancel');
    const cancel = buttonOn(card, 'job_cancel');
    assert.equal(cancel, jobId);
    await bot.slack.sendAction({ userId: ALICE, actionId: 'job_cancel', value: jobId, channelId: CHANNEL, messageTs: card?.ts ?? '' });
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('j_cancel') && /CANCELLED/.test(m.text)), 'j_cancel cancelled');
    assert.deepEqual(stagedObjects(bot), []);
    assert.equal(bot.vertex.jobs().length, 0);
  } finally {
    await bot.stop();
  }
});

test('a box stopped while it packages ends the job at once, saying so, instead of at the agent timeout', async () => {
  const bot = await startBot();
  try {
    await readyBox(bot, 'exp75');
    bot.agent.files('exp75', { 'train.py': 'print(1)\n' });
    bot.agent.silence('exp75');
    await send(bot, '/train', 'submit j_stop --from-box exp75 --entry train.py');
    await bot.gpubot.worker.tick();
    assert.ok((bot.compute.instance('exp75')?.metadata.items ?? []).some((i) => i.key === 'gpubot-agent-request'), 'the box was asked');
    await send(bot, '/gpu', 'stop exp75');
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => m.text.includes('j_stop') && /FAILED/.test(m.text)), 'j_stop ended', 20);
    assert.match(JSON.stringify(bot.dmsTo(ALICE).find((m) => m.text.includes('j_stop'))?.blocks), /`exp75` is (stopping|stopped), so it could not package the code/);
    assert.equal(bot.vertex.jobs().length, 0);
    assert.deepEqual(stagedObjects(bot), []);
  } finally {
    await bot.stop();
  }
});
