/**
 * The team's policy through the real HTTP surface: each rule refuses a request with the rule named and
 * who can change it, or sends it to the admins, for `/gpu up`, the form and `/train`; the default
 * policy keeps a non-admin's 8 × A100 box with idle stop off, and a job of hundreds of replicas, from
 * starting by themselves; `/gpu policy` edits the rules (admins) or shows them (everyone else).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APPROVAL_ACTIONS, DECISION_FORM } from '../../src/slack/views/approval.js';
import { POLICY_FORM } from '../../src/slack/views/policy-form.js';
import type { SimMessage } from '../../src/sandbox/slack/web-api-server.js';
import { ADMIN, ALICE, BOB, CHANNEL, answerText, startBot, type Bot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

const ADMIN2 = 'UADMIN2';
const ADMINS_CHANNEL = 'CADMINS';
const IMAGE = 'us-docker.pkg.dev/team/train/img:1';

const pool = (replicas: number, acc = 'NVIDIA_TESLA_T4', count = 1): string =>
  `--worker-pool-spec=machine-type=n1-standard-8,accelerator-type=${acc},accelerator-count=${count},replica-count=${replicas},container-image-uri=${IMAGE}`;

async function up(bot: Bot, text: string, user = ALICE): Promise<string> {
  const res = await bot.slack.sendCommand({ text: `up ${text}`, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200);
  return answerText(res.body);
}

async function train(bot: Bot, text: string, user = ALICE): Promise<string> {
  const res = await bot.slack.sendCommand({ command: '/train', text, userId: user, channelId: CHANNEL });
  assert.equal(res.status, 200);
  return answerText(res.body);
}

/** The `/gpu` form submitted with a name, a GPU and a count. */
async function form(bot: Bot, name: string, gpu: string, count = '1', user = ALICE) {
  await bot.slack.sendCommand({ text: '', userId: user, channelId: CHANNEL });
  await bot.slack.waitFor((c) => c.method === 'views.open');
  return bot.slack.sendViewSubmission({
    userId: user,
    values: {
      up_name: { name: { type: 'plain_text_input', value: name } },
      up_gpu: { gpu: { type: 'static_select', selected_option: { value: gpu } } },
      up_count: { count: { type: 'static_select', selected_option: { value: count } } },
    },
  });
}

type ButtonSeen = { type?: string; action_id?: string; value?: string };

function buttonsOf(message: SimMessage | undefined): ButtonSeen[] {
  return (message?.blocks ?? []).flatMap((b) => (b.elements as ButtonSeen[] | undefined) ?? []).filter((e) => e.type === 'button');
}

function requestFor(messages: SimMessage[], name: string): SimMessage | undefined {
  return messages.find((m) => m.fromBot && m.text.includes(name) && /asked for/.test(JSON.stringify(m.blocks)));
}

async function ticks(bot: Bot, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await bot.gpubot.worker.tick();
    bot.clock.advance(1000);
  }
}

async function answered(bot: Bot, user: string, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (bot.slack.ephemerals(user).some((e) => pattern.test(e.text))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${user} was never told ${String(pattern)}: ${JSON.stringify(bot.slack.ephemerals(user).map((e) => e.text))}`);
}

type StateValue = { type: string; value?: string; selected_option?: { value: string }; selected_options?: { value: string }[] };

/**
 * What Slack submits for the modal the bot opened last, had the person changed only `changes`: each
 * input keeps the value the bot filled in (a person who leaves an input alone submits its initial value).
 */
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

const WHO_CAN = /Only an admin \(<@UADMIN>\) can change this rule, with `\/gpu policy`/;

test('the default policy: a non-admin’s 8 × A100 with idle off waits for an admin, naming every rule; hundreds of replicas are refused', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMIN_CHANNEL: ADMINS_CHANNEL } });
  try {
    await bot.gpubot.pricesReady;
    const answer = await up(bot, 'big --gpu a100 --count 8 --idle off');
    assert.match(answer, /waits for an admin's approval/);
    assert.match(answer, /GPU types that need an approval/);
    assert.match(answer, /GPU count that needs an approval/);
    assert.match(answer, /Dollars per hour that need an approval/);
    await ticks(bot, 5);
    assert.equal(bot.compute.count('instances.insert'), 0, 'nothing starts without an approval');
    const request = requestFor(bot.slack.messages(ADMINS_CHANNEL), 'big');
    assert.ok(request, 'the admins were asked');
    const shown = JSON.stringify(request.blocks);
    assert.match(shown, /GPU types that need an approval/);
    assert.match(shown, /\/h while running/, 'with the price');
    assert.ok(buttonsOf(request).some((b) => b.action_id === APPROVAL_ACTIONS.approve));

    const job = await train(bot, `submit --display-name wide_job --region us-central1 ${pool(1)} ${pool(300)}`);
    assert.match(job, /Refused by the policy rule \*Most replicas per training job\*: 301 replicas is more than the 8/);
    assert.match(job, WHO_CAN);
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 0, 'no job created');

    assert.match(await up(bot, 'small --gpu t4'), /Creating `small`/, 'a T4 starts at once');
  } finally {
    await bot.stop();
  }
});

test('each hard rule refuses /gpu up, the form and /train with the rule named and who can change it', async () => {
  const policy = { allowedGpus: ['t4', 'l4'], maxBoxesPerPerson: 2, maxGpusPerPerson: 3, maxUsdPerHourPerPerson: 2, idleOffAllowed: false, maxRunningMs: 10 * 3_600_000, maxReplicasPerJob: 4, maxGpusPerJob: 2 };
  const bot = await startBot({ env: { GPUBOT_POLICY: JSON.stringify(policy) } });
  try {
    await bot.gpubot.pricesReady;
    const refusals: [string, RegExp][] = [
      ['v1 --gpu v100', /\*GPU types allowed\*: NVIDIA V100 is not allowed here; allowed: `t4`, `l4`/],
      ['h1 --gpu t4 --hours 12h', /\*Longest running time of a box\*/],
      ['i1 --gpu t4 --idle off', /\*Idle stop off\*: idle stop cannot be turned off/],
      ['g1 --gpu t4 --count 4', /\*Most GPUs per person\*: this adds 4 GPUs to the 0 you already run, past the 3/],
    ];
    for (const [text, rule] of refusals) {
      const answer = await up(bot, text);
      assert.match(answer, rule, text);
      assert.match(answer, WHO_CAN, text);
    }
    assert.match(await up(bot, 'one --gpu t4'), /Creating `one`/);
    assert.match(await up(bot, 'two --gpu t4'), /Creating `two`/);
    const third = await up(bot, 'three --gpu t4');
    assert.match(third, /\*Most boxes per person\*: you already run 2 boxes, and one person may run 2 at once/);
    assert.match(await up(bot, 'bobs --gpu t4 --count 2', BOB), /Creating `bobs`/, 'the limits are per person');

    // The form: the rule beside the GPU input, within Slack's 300 characters.
    const viaForm = await form(bot, 'formv100', 'v100', '1', BOB);
    assert.equal(viaForm.outcome, 'errors');
    assert.match(viaForm.errors?.up_gpu ?? '', /Refused by the policy rule \*GPU types allowed\*/);
    assert.ok((viaForm.errors?.up_gpu ?? '').length <= 300);

    // /train: the GPU types, the replicas, the GPUs per job and the dollars per hour.
    const jobs: [string, RegExp][] = [
      [`submit --display-name v_job --region us-central1 ${pool(1, 'NVIDIA_TESLA_V100')}`, /\*GPU types allowed\*/],
      [`submit --display-name r_job --region us-central1 ${pool(1)} ${pool(4)}`, /\*Most replicas per training job\*: 5 replicas/],
      [`submit --display-name g_job --region us-central1 ${pool(1, 'NVIDIA_TESLA_T4', 4)}`, /\*Most GPUs per training job\*: 4 GPUs/],
      [`submit --display-name d_job --region us-central1 ${pool(1)}`, /\*Most dollars per hour per person\*: this adds \$\d+\.\d\d\/h to the \$\d+\.\d\d\/h you already run/],
    ];
    for (const [text, rule] of jobs) {
      const answer = await train(bot, text);
      assert.match(answer, rule, text);
      assert.match(answer, WHO_CAN, text);
    }
    await ticks(bot, 3);
    assert.equal(bot.vertex.jobs().length, 0, 'no refused job reached Vertex AI');
  } finally {
    await bot.stop();
  }
});

test('two admins get the request; the requester cannot approve their own; one approves and both copies show who', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMINS: `${ADMIN},${ADMIN2}` } });
  try {
    await bot.gpubot.pricesReady;
    // An admin's own request goes to approval too, so the other admin decides.
    assert.match(await up(bot, 'mine --gpu a100', ADMIN), /waits for an admin's approval/);
    await ticks(bot, 3);
    const first = requestFor(bot.dmsTo(ADMIN), 'mine');
    const second = requestFor(bot.dmsTo(ADMIN2), 'mine');
    assert.ok(first && second, 'each admin got the request');
    const id = buttonsOf(first).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN, actionId: APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: first.ts });
    await answered(bot, ADMIN, /is your own request; another admin has to approve it/);
    await ticks(bot, 3);
    assert.equal(bot.compute.count('instances.insert'), 0, 'the own approval changed nothing');

    await bot.slack.sendAction({ userId: ADMIN2, actionId: APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN2, messageTs: second.ts });
    await bot.tickUntil(() => /Ready/.test(bot.card('mine')?.text ?? ''), 'mine ready');
    for (const [admin, ts] of [[ADMIN, first.ts], [ADMIN2, second.ts]] as const) {
      const copy = bot.dmsTo(admin).find((m) => m.ts === ts);
      assert.match(JSON.stringify(copy?.blocks), /Approved by <@UADMIN2>/, `${admin}'s copy says who approved`);
      assert.equal(buttonsOf(copy).length, 0, `${admin}'s copy lost its buttons`);
    }
    assert.ok(bot.dmsTo(ADMIN).some((m) => /mine/.test(m.text) && /Approved by <@UADMIN2>/.test(m.text)), 'the requester heard');
    assert.equal(bot.compute.count('instances.insert'), 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('the only admin may approve their own request, and the record says so', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    await up(bot, 'solo --gpu a100', ADMIN);
    await ticks(bot, 3);
    const request = requestFor(bot.dmsTo(ADMIN), 'solo');
    const id = buttonsOf(request).find((b) => b.action_id === APPROVAL_ACTIONS.approve)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN, actionId: APPROVAL_ACTIONS.approve, value: id, channelId: ADMIN, messageTs: request?.ts ?? '' });
    await bot.tickUntil(() => /Ready/.test(bot.card('solo')?.text ?? ''), 'solo ready');
    assert.match(JSON.stringify(bot.dmsTo(ADMIN).find((m) => m.ts === request?.ts)?.blocks), /Approved by <@UADMIN> \(their own request; they are the only admin\)/);
    assert.match(JSON.stringify(bot.card('solo')?.blocks), /their own request: the only admin/);
  } finally {
    await bot.stop();
  }
});

test('/gpu policy: a non-admin reads it and who can change it; an admin changes it in the form, and the next request obeys', async () => {
  const bot = await startBot();
  try {
    await bot.gpubot.pricesReady;
    const read = await bot.slack.sendCommand({ text: 'policy', userId: ALICE, channelId: CHANNEL });
    const shown = JSON.stringify(read.body);
    assert.match(shown, /GPU types allowed/);
    assert.match(shown, /Only admins can change it: <@UADMIN>/);
    assert.equal(bot.slack.calls.filter((c) => c.method === 'views.open').length, 0, 'no form for a non-admin');
    // A forged submission from a non-admin saves nothing.
    const forged = await bot.slack.sendViewSubmission({ userId: ALICE, callbackId: POLICY_FORM.callbackId, values: {} });
    assert.equal(forged.outcome, 'errors');

    await bot.slack.sendCommand({ text: 'policy', userId: ADMIN, channelId: CHANNEL });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const bad = await bot.slack.sendViewSubmission({ userId: ADMIN, values: submitted(bot, { [POLICY_FORM.blocks.maxGpusPerPerson]: { type: 'plain_text_input', value: 'lots' } }) });
    assert.equal(bad.outcome, 'errors');
    assert.match(bad.errors?.[POLICY_FORM.blocks.maxGpusPerPerson] ?? '', /not a number/);
    const saved = await bot.slack.sendViewSubmission({
      userId: ADMIN,
      values: submitted(bot, {
        [POLICY_FORM.blocks.allowedGpus]: { type: 'multi_static_select', selected_options: [{ value: 'l4' }] },
        [POLICY_FORM.blocks.maxGpusPerPerson]: { type: 'plain_text_input', value: '2' },
      }),
    });
    assert.equal(saved.outcome, 'closed');
    await answered(bot, ADMIN, /Policy saved/);

    const refused = await up(bot, 'after --gpu t4');
    assert.match(refused, /\*GPU types allowed\*: NVIDIA T4 is not allowed here; allowed: `l4`/);
    const again = await bot.slack.sendCommand({ text: 'policy', userId: BOB, channelId: CHANNEL });
    assert.match(JSON.stringify(again.body), /Last changed by <@UADMIN>/);
    assert.match(await up(bot, 'l4box --gpu l4'), /Creating `l4box`/);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('an admin denies with a reason: the requester and every admin copy read it, and it is decided once', async () => {
  const bot = await startBot({ env: { GPUBOT_ADMINS: `${ADMIN},${ADMIN2}` } });
  try {
    await bot.gpubot.pricesReady;
    await up(bot, 'why --gpu a100 --count 2');
    await ticks(bot, 3);
    const mine = requestFor(bot.dmsTo(ADMIN2), 'why');
    const other = requestFor(bot.dmsTo(ADMIN), 'why');
    assert.ok(mine && other);
    const id = buttonsOf(mine).find((b) => b.action_id === APPROVAL_ACTIONS.withReason)?.value ?? '';
    await bot.slack.sendAction({ userId: ADMIN2, actionId: APPROVAL_ACTIONS.withReason, value: id, channelId: ADMIN2, messageTs: mine.ts });
    await bot.slack.waitFor((c) => c.method === 'views.open');
    const values = {
      [DECISION_FORM.blocks.decision]: { [DECISION_FORM.actions.decision]: { type: 'radio_buttons', selected_option: { value: 'deny' } } },
      [DECISION_FORM.blocks.reason]: { [DECISION_FORM.actions.reason]: { type: 'plain_text_input', value: 'Use the shared A100 reservation on Friday.' } },
    };
    const first = await bot.slack.sendViewSubmission({ userId: ADMIN2, values });
    assert.equal(first.outcome, 'closed');
    await bot.tickUntil(() => bot.dmsTo(ALICE).some((m) => /Denied by <@UADMIN2>/.test(m.text)), 'Alice hears the deny');
    assert.ok(bot.dmsTo(ALICE).some((m) => /Reason: Use the shared A100 reservation on Friday\./.test(m.text)), 'with the reason');
    const copy = bot.dmsTo(ADMIN).find((m) => m.ts === other.ts);
    assert.match(JSON.stringify(copy?.blocks), /Denied by <@UADMIN2>.*Reason: Use the shared A100 reservation/);
    assert.equal(bot.compute.count('instances.insert'), 0);
    assert.equal(bot.dmsTo(ALICE).filter((m) => /Denied by/.test(m.text)).length, 1, 'one decision, one notice');
  } finally {
    await bot.stop();
  }
});
