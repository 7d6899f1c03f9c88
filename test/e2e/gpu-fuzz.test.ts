import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostileCommands } from '../support/hostile-commands.js';
import { CHANNEL, startBot } from './harness.js';

test('1,000 random and hostile /gpu commands over HTTP each get a clear answer; none crashes or gets a 5xx', async () => {
  const bot = await startBot();
  try {
    const commands = hostileCommands(1000);
    const failures: string[] = [];
    let lateAnswers = 0;
    let next = 0;
    // 10 in flight, as a busy team channel might send them.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < commands.length) {
          const text = commands[next++] ?? '';
          const res = await bot.slack.sendCommand({ text, userId: 'UFUZZ', channelId: CHANNEL });
          const body = res.body as { text?: unknown } | '';
          const answer = typeof body === 'object' && body !== null ? String(body.text ?? '') : '';
          const opensForm = res.status === 200 && res.text === '';
          if (res.status !== 200 || (!opensForm && answer.trim() === '')) {
            failures.push(`${res.status} ${JSON.stringify(text.slice(0, 80))} -> ${res.text.slice(0, 200)}`);
          }
          if (/Working on it/.test(answer)) lateAnswers++;
          if (/<!channel>|<!here>|<!everyone>/.test(answer)) failures.push(`broadcast echoed for ${JSON.stringify(text.slice(0, 80))}`);
        }
      }),
    );
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} bad answers`);
    // An answer that missed the ack deadline must still arrive, through response_url.
    await bot.slack.waitUntil(() => bot.slack.callsTo('response_url').length >= lateAnswers, 60_000, `${lateAnswers} late answers`);
    const health = await fetch(`http://127.0.0.1:${bot.gpubot.port}/healthz`);
    assert.equal(health.status, 200, 'still healthy afterwards');
    assert.deepEqual(bot.slack.violations, []);
    const unexpected = bot.log.entries.filter((e) => e.severity === 'ERROR');
    assert.deepEqual(unexpected.map((e) => `${String(e.message)} ${JSON.stringify(e.error).slice(0, 600)}`).slice(0, 5), [], 'no unexpected errors logged');
  } finally {
    await bot.stop();
  }
});
