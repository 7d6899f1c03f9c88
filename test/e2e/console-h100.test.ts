// `/gpu up --gpu h100` typed into the chat console of the embedded default (the real bot, the Slack
// simulator, the Compute sandbox): a box that Compute accepts, and an answer that says plainly it is Spot
// because Compute sells that shape only as Spot or Flex-start; Flex-start when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runConsole } from '../../src/sandbox/console/console.js';
import { ALICE, CHANNEL, startBot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

/** What the console printed so far, and a wait for a pattern in it. */
class Screen {
  text = '';
  constructor(stream: PassThrough) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
    });
  }
  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.text)) {
      if (Date.now() > deadline) assert.fail(`the console never printed ${String(pattern)}; it printed:\n${this.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

test('in the console, /gpu up --gpu h100 gives a Spot box, said plainly, and --flex-start gives a Flex-start one', async () => {
  // This is about how Compute sells H100 shapes, not about approvals: the policy here lets H100 through.
  const bot = await startBot({ env: { GPUBOT_POLICY: JSON.stringify({ approval: { gpus: [], usdPerHourAbove: null } }) } });
  const input = new PassThrough();
  const output = new PassThrough();
  const screen = new Screen(output);
  const done = runConsole({ simulator: bot.slack, input, output, userId: ALICE, channelId: CHANNEL });
  try {
    await screen.waitFor(/you are /);
    input.write('/gpu up h1 --gpu h100\n');
    await screen.waitFor(/Creating `h1`: NVIDIA H100 80GB × 1, a3-highgpu-1g, .*Spot/);
    await screen.waitFor(/`a3-highgpu-1g` is sold only as Spot or Flex-start VMs, so this box is Spot/);
    await bot.tickUntil(() => /Ready/.test(bot.card('h1')?.text ?? ''), 'h1 ready');
    assert.equal(bot.compute.instance('h1')?.scheduling.provisioningModel, 'SPOT');

    input.write('/gpu up h2 --gpu h100 --count 2 --flex-start --max-run 4h\n');
    await screen.waitFor(/so this box is Flex-start: it starts when Google Cloud has capacity, then runs uninterrupted for at most 4h/);
    await bot.tickUntil(() => /Ready/.test(bot.card('h2')?.text ?? ''), 'h2 ready');
    const h2 = bot.compute.instance('h2');
    assert.equal(h2?.scheduling.provisioningModel, 'FLEX_START');
    assert.deepEqual(h2?.scheduling.maxRunDuration, { seconds: String(4 * 3600) });

    input.write('/gpu up h3 --gpu t4 --flex-start\n');
    await screen.waitFor(/sells `n1-standard-8` only as standard \(on demand\) or Spot, not Flex-start/);
    assert.equal(bot.compute.instance('h3'), undefined);

    assert.deepEqual(bot.compute.refusedInserts(), [], 'no insert was refused');
    input.write('quit\n');
    await done;
  } finally {
    input.end();
    await bot.stop();
  }
});
