/**
 * The audit trail's side of issue 11 end to end: a policy change, a request nobody decided on, and a
 * box stopped, started and deleted in the console each show up in `/gpu audit` once, with who, what,
 * when and from where, retried submissions and repeated ticks included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLICY_FORM } from '../../src/slack/views/policy-form.js';
import { ADMIN, ALICE, CHANNEL, answerText, auditLines, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const H = 3_600_000;

type StateValue = { type: string; value?: string; selected_option?: { value: string }; selected_options?: { value: string }[] };

/** What Slack submits for the modal opened last, had the admin changed only `changes` (the rest keep their initial values). */
function submitted(bot: Bot, changes: Record<string, StateValue>): Record<string, Record<string, StateValue>> {
  const opened = bot.slack.calls.filter((c) => c.method === 'views.open').at(-1);
  const blocks = ((opened?.args as { view?: { blocks?: unknown[] } } | undefined)?.view?.blocks ?? []) as {
    type: string;
    block_id?: string;
    element?: { type: string; action_id: string; initial_value?: string; initial_option?: { value: string }; initial_options?: { value: string }[] };
  }[];
  const values: Record<string, Record<string, StateValue>> = {};
  for (const b of blocks) {
    if (b.type !== 'input' || b.block_id === undefined || b.element === undefined) continue;
    const e = b.element;
    const initial: StateValue = { type: e.type };
    if (e.initial_value !== undefined) initial.value = e.initial_value;
    if (e.initial_option !== undefined) initial.selected_option = { value: e.initial_option.value };
    if (e.initial_options !== undefined) initial.selected_options = e.initial_options.map((o) => ({ value: o.value }));
    values[b.block_id] = { [e.action_id]: changes[b.block_id] ?? initial };
  }
  return values;
}

async function ticks(bot: Bot, n: number, stepMs = 1000): Promise<void> {
  for (let i = 0; i < n; i++) {
    await bot.gpubot.worker.tick();
    bot.clock.advance(stepMs);
  }
}

test('a policy change is in the audit trail once, with who, what changed and from where; a retried submission adds nothing', async () => {
  const bot = await startBot();
  try {
    await bot.slack.sendCommand({ text: 'policy', userId: ADMIN, channelId: CHANNEL });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const saved = await bot.slack.sendViewSubmission({
      userId: ADMIN,
      values: submitted(bot, { [POLICY_FORM.blocks.maxGpusPerPerson]: { type: 'plain_text_input', value: '2' } }),
    });
    assert.equal(saved.outcome, 'closed');
    // Slack sends the same submission again when it thinks the first timed out.
    assert.equal((await bot.slack.resend(saved, { retryNum: 1, retryReason: 'http_timeout' })).status, 200);

    const trail = (await auditLines(bot, 'policy')).map((l) => l.replace(/^<!date\^\d+\^[^>]*> · /, ''));
    assert.deepEqual(trail, [`<@${ADMIN}> changed the policy \`policy\` (most GPUs per person) · form in <#${CHANNEL}>`]);
  } finally {
    await bot.stop();
  }
});

test('a request nobody decided on is in the audit trail once when it expires, however many ticks see it', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    // The default policy sends an A100 to the admins.
    const res = await bot.slack.sendCommand({ text: 'up late --gpu a100', userId: ALICE, channelId: CHANNEL });
    assert.match(answerText(res.body), /waits for an admin's approval/);
    await ticks(bot, 3);
    bot.clock.advance(24 * H);
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /late/.test(m.text) && /request ended/.test(m.text)), 'the expiry DM');
    await ticks(bot, 5);
    const trail = (await auditLines(bot, 'late')).map((l) => l.replace(/^<!date\^\d+\^[^>]*> · /, ''));
    assert.deepEqual(trail, [
      'gpubot ended for want of a decision the request for box `late` · approval expiry in <#CTEAM>',
      `<@${ALICE}> asked for box \`late\` (1x a100) · command in <#${CHANNEL}>`,
    ]);
  } finally {
    await bot.stop();
  }
});

test('a box stopped, started and deleted in the console: each is in the audit trail once, as done outside gpubot', async () => {
  const bot = await startBot();
  try {
    await bot.slack.sendCommand({ text: 'up outside --gpu t4', userId: ALICE, channelId: CHANNEL });
    await bot.tickUntil(() => /Ready/.test(bot.card('outside')?.text ?? ''), 'outside ready');
    bot.compute.consoleStop('outside');
    await bot.tickUntil(() => /Stopped/.test(bot.card('outside')?.text ?? ''), 'seen stopped');
    await ticks(bot, 3);
    bot.clock.advance(1000);
    bot.compute.consoleStart('outside');
    await bot.tickUntil(() => /Ready/.test(bot.card('outside')?.text ?? ''), 'seen running again');
    await ticks(bot, 3);
    bot.clock.advance(1000);
    // Deleted while stopped: a running VM's deletion shows as a stop first, which the trail would rightly record too.
    bot.compute.consoleStop('outside');
    await bot.tickUntil(() => /Stopped/.test(bot.card('outside')?.text ?? ''), 'seen stopped again');
    bot.clock.advance(1000);
    bot.compute.consoleDelete('outside');
    await bot.tickUntil(() => /Deleted/.test(bot.card('outside')?.text ?? ''), 'seen deleted');
    await ticks(bot, 3);
    const trail = (await auditLines(bot, 'outside')).map((l) => l.replace(/^<!date\^\d+\^[^>]*> · /, ''));
    const outside = 'outside gpubot (console or gcloud) in <#CTEAM>';
    assert.deepEqual(trail, [
      `someone deleted box \`outside\` · ${outside}`,
      `someone stopped box \`outside\` · ${outside}`,
      `someone started box \`outside\` · ${outside}`,
      `someone stopped box \`outside\` · ${outside}`,
      `<@${ALICE}> asked for box \`outside\` (1x t4) · command in <#${CHANNEL}>`,
    ]);
  } finally {
    await bot.stop();
  }
});
