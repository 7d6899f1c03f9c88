// `/train --from-box` typed into the chat console (the real bot, the Slack simulator, the sandbox cloud
// with its box agent): packaging, the job, its end with [Copy to BOX], and the button pressed by number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runConsole } from '../../src/sandbox/console/console.js';
import { ALICE, CHANNEL, startBot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

class Screen {
  text = '';
  constructor(stream: PassThrough) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    });
  }
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pattern.exec(this.text);
      if (found !== null) return found;
      if (Date.now() > deadline) assert.fail(`the console never printed ${String(pattern)}; it printed:\n${this.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

test('in the console: a box’s code trains as a job, and [Copy to BOX] pressed by its number brings the outputs back', async () => {
  const bot = await startBot();
  const input = new PassThrough();
  const output = new PassThrough();
  const screen = new Screen(output);
  const done = runConsole({ simulator: bot.slack, input, output, userId: ALICE, channelId: CHANNEL });
  try {
    await screen.waitFor(/you are /);
    input.write('/gpu up demo --gpu t4\n');
    await bot.tickUntil(() => /Ready/.test(bot.card('demo')?.text ?? ''), 'demo ready');
    bot.agent.files('demo', { 'census/train.py': 'print(1)\n' });
    input.write('/train submit census_demo --from-box demo --dir census --entry train.py\n');
    await screen.waitFor(/Packaging `census` on `demo`/);
    await bot.tickUntil(() => bot.vertex.jobs().length === 1, 'the job created');
    const id = bot.vertex.jobs()[0]?.labels?.['gpubot-id'] ?? '';
    bot.storage.put('ml-lab-gpubot-staging', `jobs/${id}/model/model.pt`, 'weights');
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /SUCCEEDED/.test(m.text)), 'the end');
    const [, n] = await screen.waitFor(/\[(\d+)\] Copy to demo/);
    input.write(`${n ?? ''}\n`);
    await screen.waitFor(/Asking `demo` to copy the outputs/);
    await bot.tickUntil(() => bot.agent.copies.length === 1, 'the agent copied');
    assert.equal(bot.agent.listing('demo').get('census/gpubot-outputs/census_demo/model/model.pt'), 'weights');
    input.write('quit\n');
    await done;
  } finally {
    input.end();
    await bot.stop();
  }
});
