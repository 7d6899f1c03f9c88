import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN, ALICE, CHANNEL, answerText, startBot } from './harness.js';

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (done()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

test('/gpu doctor through the running bot: the ack says it is checking, the lines follow in the same ephemeral answer', async () => {
  // This bot's Google stand-ins serve boxes and jobs only: what the doctor cannot read is said on its line.
  const bot = await startBot({ env: { GPUBOT_DIGEST_CHANNEL: CHANNEL } });
  try {
    const res = await bot.slack.sendCommand({ command: '/gpu', text: 'doctor', userId: ADMIN, channelId: CHANNEL });
    assert.match(answerText(res.body), /Checking this deployment/);
    const answered = () => bot.slack.ephemerals(ADMIN, CHANNEL).find((e) => /checks failed|passed all/.test(e.text));
    await until(() => answered() !== undefined, 'the doctor answer');
    const answer = answered();
    assert.equal(answer?.updates, 1, 'the answer replaced the "checking" one');
    const text = JSON.stringify(answer);
    assert.match(text, /FAIL {2}enabled APIs: could not be read/);
    assert.match(text, /ok {4}quota NVIDIA_T4_GPUS in us-central1/);
    assert.match(text, /ok {4}digest channel CTEAM: the bot is a member/);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('/gpu doctor from someone who is not an admin is refused in the ack', async () => {
  const bot = await startBot();
  try {
    const res = await bot.slack.sendCommand({ command: '/gpu', text: 'doctor', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(res.body), /`\/gpu doctor` is for admins/);
  } finally {
    await bot.stop();
  }
});
