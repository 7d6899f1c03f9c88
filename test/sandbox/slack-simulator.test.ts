import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { App, LogLevel, webApi, type types } from '@slack/bolt';
import { checkBlockKit } from '../../src/sandbox/slack/block-kit-limits.js';
import { readManifestBotScopes } from '../../src/sandbox/slack/manifest.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

const { WebClient, ErrorCode, LogLevel: ClientLogLevel } = webApi;

/** The client logs every refusal the tests provoke on purpose; keep the test output to the tests. */
const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => ClientLogLevel.ERROR,
  setName: () => undefined,
};

/** The Web API error code a call failed with, or a failure if it did not fail that way. */
async function slackError(call: Promise<unknown>): Promise<{ error: string; messages: string[] }> {
  try {
    await call;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === ErrorCode.PlatformError && 'data' in e) {
      const data = e.data as { error: string; response_metadata?: { messages?: string[] } };
      return { error: data.error, messages: data.response_metadata?.messages ?? [] };
    }
    throw e;
  }
  assert.fail('the call succeeded but should have failed');
}

const section = (text: string): types.SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, actionId: string, extra: Partial<types.Button> = {}): types.Button => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id: actionId,
  ...extra,
});

describe('Block Kit limits', () => {
  const cases: { name: string; surface: 'message' | 'modal' | 'home'; payload: unknown; expect: RegExp | null }[] = [
    { name: 'a plain message', surface: 'message', payload: { text: 'hi', blocks: [section('hi')] }, expect: null },
    { name: '51 blocks in a message', surface: 'message', payload: { blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) }, expect: /blocks has 51 items; the limit is 50/ },
    { name: '100 blocks in a modal', surface: 'modal', payload: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: Array.from({ length: 100 }, () => ({ type: 'divider' })) }, expect: null },
    { name: '101 blocks in a home tab', surface: 'home', payload: { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }, expect: /view\.blocks: blocks has 101 items; the limit is 100/ },
    { name: 'section text over 3000', surface: 'message', payload: { blocks: [section('x'.repeat(3001))] }, expect: /blocks\[0\]\.text\.text: section text is 3001 characters; the limit is 3000/ },
    { name: 'a section with neither text nor fields', surface: 'message', payload: { blocks: [{ type: 'section' }] }, expect: /needs text or fields/ },
    { name: '11 fields', surface: 'message', payload: { blocks: [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }] }, expect: /section fields has 11 items; the limit is 10/ },
    { name: 'a field over 2000', surface: 'message', payload: { blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }] }, expect: /section field is 2001 characters/ },
    { name: 'header over 150', surface: 'message', payload: { blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }, expect: /header text is 151 characters; the limit is 150/ },
    { name: 'a mrkdwn header', surface: 'message', payload: { blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] }, expect: /header text must be plain_text/ },
    { name: '11 context elements', surface: 'message', payload: { blocks: [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }] }, expect: /context elements has 11 items; the limit is 10/ },
    { name: '26 buttons', surface: 'message', payload: { blocks: [{ type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button('b', `a${i}`)) }] }, expect: /actions elements has 26 items; the limit is 25/ },
    { name: 'button text over 75', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('b'.repeat(76), 'a')] }] }, expect: /button text is 76 characters; the limit is 75/ },
    { name: 'button value over 2000', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('b', 'a', { value: 'v'.repeat(2001) })] }] }, expect: /button value is 2001 characters/ },
    { name: 'a button without action_id', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'b' } }] }] }, expect: /action_id is required/ },
    { name: 'a button without text', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'a' }] }] }, expect: /button text is required/ },
    { name: 'action_id over 255', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('b', 'a'.repeat(256))] }] }, expect: /action_id is 256 characters; the limit is 255/ },
    { name: 'block_id over 255', surface: 'message', payload: { blocks: [{ type: 'divider', block_id: 'b'.repeat(256) }] }, expect: /block_id is 256 characters/ },
    { name: 'a duplicate block_id', surface: 'message', payload: { blocks: [{ type: 'divider', block_id: 'x' }, { type: 'divider', block_id: 'x' }] }, expect: /duplicate block_id "x"/ },
    { name: 'a duplicate action_id in one block', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('a', 'same'), button('b', 'same')] }] }, expect: /duplicate action_id "same" in one block/ },
    { name: 'the same action_id in two blocks', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('a', 'same')] }, { type: 'actions', elements: [button('b', 'same')] }] }, expect: null },
    { name: 'an unknown block type', surface: 'message', payload: { blocks: [{ type: 'carousel' }] }, expect: /unknown block type "carousel"/ },
    { name: '101 select options', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: Array.from({ length: 101 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `v${i}` })) }] }] }, expect: /options has 101 items; the limit is 100/ },
    { name: 'option text and value over 75', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [{ type: 'static_select', action_id: 's', options: [{ text: { type: 'plain_text', text: 't'.repeat(76) }, value: 'v'.repeat(76) }] }] }] }, expect: /option text is 76 characters[\s\S]*option value is 76 characters/ },
    { name: 'confirm title over 100 and text over 300', surface: 'message', payload: { blocks: [{ type: 'actions', elements: [button('b', 'a', { confirm: { title: { type: 'plain_text', text: 't'.repeat(101) }, text: { type: 'mrkdwn', text: 'x'.repeat(301) }, confirm: { type: 'plain_text', text: 'Yes' }, deny: { type: 'plain_text', text: 'No' } } })] }] }, expect: /confirm title is 101 characters[\s\S]*confirm text is 301 characters/ },
    { name: 'modal title over 24', surface: 'modal', payload: { type: 'modal', title: { type: 'plain_text', text: 't'.repeat(25) }, blocks: [] }, expect: /modal title is 25 characters; the limit is 24/ },
    { name: 'modal submit and close over 24', surface: 'modal', payload: { type: 'modal', title: { type: 'plain_text', text: 't' }, submit: { type: 'plain_text', text: 's'.repeat(25) }, close: { type: 'plain_text', text: 'c'.repeat(25) }, blocks: [] }, expect: /modal submit is 25[\s\S]*modal close is 25/ },
    { name: 'a modal without title', surface: 'modal', payload: { type: 'modal', blocks: [] }, expect: /modal title is required/ },
    { name: 'private_metadata over 3000', surface: 'modal', payload: { type: 'modal', title: { type: 'plain_text', text: 't' }, private_metadata: 'p'.repeat(3001), blocks: [] }, expect: /private_metadata is 3001 characters/ },
    { name: 'a modal with inputs but no submit', surface: 'modal', payload: { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [{ type: 'input', label: { type: 'plain_text', text: 'Name' }, element: { type: 'plain_text_input', action_id: 'name' } }] }, expect: /needs a submit button/ },
    { name: 'message text over 40000', surface: 'message', payload: { text: 'x'.repeat(40001) }, expect: /message text is 40001 characters; the limit is 40000/ },
    { name: 'emoji count as one character', surface: 'message', payload: { blocks: [{ type: 'header', text: { type: 'plain_text', text: '🚀'.repeat(150) } }] }, expect: null },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.expect === null ? 'accepted' : 'refused'}`, () => {
      const problems = checkBlockKit(c.surface, c.payload);
      if (c.expect === null) assert.deepEqual(problems, []);
      else assert.match(problems.join('\n'), c.expect);
    });
  }
});

describe('the Web API as @slack/web-api calls it', () => {
  let sim: SlackSimulator;
  let client: InstanceType<typeof WebClient>;

  before(async () => {
    sim = await startSlackSimulator({
      channels: { C1TEAM: 'ml-team', G2PRIV: 'secret-lab' },
      channelsWithoutBot: ['G2PRIV'],
      unknownChannels: ['C9GONE'],
      // The manifest's scopes, and the history a few of these tests read back (the bot never does).
      grantedScopes: [...readManifestBotScopes(), 'channels:history'],
    });
    client = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  });
  afterEach(() => sim.reset());
  after(() => sim.close());

  test('posts, thread replies and updates show in the channel as Slack would show them', async () => {
    const parent = await client.chat.postMessage({
      channel: 'C1TEAM',
      text: 'exp42: queued',
      metadata: { event_type: 'box', event_payload: { id: 'exp42' } },
    });
    assert.equal(parent.ok, true);
    assert.equal(parent.channel, 'C1TEAM');
    assert.match(parent.ts ?? '', /^\d{10}\.\d{6}$/);
    const parentTs = parent.ts ?? '';
    const reply = await client.chat.postMessage({ channel: 'C1TEAM', thread_ts: parentTs, text: 'VM created' });
    const second = await client.chat.postMessage({ channel: 'C1TEAM', thread_ts: reply.ts ?? '', text: 'Jupyter ready' });
    assert.ok(Number(second.ts) > Number(reply.ts) && Number(reply.ts) > Number(parentTs), 'ts values increase');
    await client.chat.update({ channel: 'C1TEAM', ts: parentTs, text: 'exp42: running' });

    const shown = sim.messages('C1TEAM');
    assert.deepEqual(shown.map((m) => m.text), ['exp42: running'], 'replies stay in the thread');
    assert.equal(shown[0]?.updates, 1);
    assert.deepEqual(sim.thread('C1TEAM', parentTs).map((m) => m.text), ['exp42: running', 'VM created', 'Jupyter ready']);

    const history = await client.conversations.history({ channel: 'C1TEAM' });
    assert.equal(history.messages?.length, 1);
    assert.equal(history.messages?.[0]?.reply_count, 2);
    assert.equal(history.messages?.[0]?.metadata, undefined, 'metadata only on request');
    const withMetadata = await client.conversations.history({ channel: 'C1TEAM', include_all_metadata: true });
    assert.deepEqual(withMetadata.messages?.[0]?.metadata, { event_type: 'box', event_payload: { id: 'exp42' } });
    const replies = await client.conversations.replies({ channel: 'C1TEAM', ts: parentTs });
    assert.deepEqual(replies.messages?.map((m) => m.text), ['exp42: running', 'VM created', 'Jupyter ready']);

    assert.equal(sim.callsTo('chat.postMessage').length, 3);
    assert.deepEqual(sim.violations, []);
  });

  test('a message to a user id goes to their DM, through the same D channel every time', async () => {
    const first = await client.chat.postMessage({ channel: 'U1ALICE', text: 'exp42 idle for 60 min' });
    const second = await client.chat.postMessage({ channel: 'U1ALICE', text: 'exp42 stopped' });
    const opened = await client.conversations.open({ users: 'U1ALICE' });
    assert.match(first.channel ?? '', /^D/);
    assert.equal(second.channel, first.channel);
    assert.equal(opened.channel?.id, first.channel);
    assert.notEqual((await client.conversations.open({ users: 'U2BOB' })).channel?.id, first.channel);
    assert.deepEqual(sim.dms('U1ALICE').map((m) => m.text), ['exp42 idle for 60 min', 'exp42 stopped']);
    await client.chat.update({ channel: first.channel ?? '', ts: first.ts ?? '', text: 'exp42 kept for 2h' });
    assert.equal(sim.dms('U1ALICE')[0]?.text, 'exp42 kept for 2h');
  });

  test('blocks beyond Slack limits are refused with invalid_blocks and recorded; valid blocks pass', async () => {
    const refused = await slackError(
      client.chat.postMessage({ channel: 'C1TEAM', text: 'x', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }),
    );
    assert.equal(refused.error, 'invalid_blocks');
    assert.match(refused.messages[0] ?? '', /^\[ERROR\] blocks\[0\]\.text\.text: header text is 151 characters/);
    assert.equal(sim.violations.length, 1);
    assert.equal(sim.violations[0]?.source, 'chat.postMessage');
    assert.deepEqual(sim.messages('C1TEAM'), []);

    const ok = await client.chat.postMessage({
      channel: 'C1TEAM',
      text: 'exp42 is running',
      blocks: [section('*exp42* is running'), { type: 'actions', elements: [button('Stop', 'box_stop', { value: 'exp42', style: 'danger' })] }],
    });
    assert.equal(ok.ok, true);
    const stored = sim.messages('C1TEAM')[0];
    assert.equal(stored?.blocks.length, 2);
    assert.ok(stored?.blocks.every((b) => typeof b.block_id === 'string'), 'Slack gives every block a block_id');

    const badModal = await slackError(
      client.views.open({ trigger_id: sim.mintTrigger('U1ALICE'), view: { type: 'modal', title: { type: 'plain_text', text: 'A title far too long for Slack' }, blocks: [] } }),
    );
    assert.equal(badModal.error, 'invalid_blocks');
  });

  test('not_in_channel, channel_not_found, message_not_found, invalid_auth, not_authed, unknown_method', async () => {
    assert.equal((await slackError(client.chat.postMessage({ channel: 'G2PRIV', text: 'x' }))).error, 'not_in_channel');
    assert.equal((await slackError(client.chat.postMessage({ channel: 'C9GONE', text: 'x' }))).error, 'channel_not_found');
    assert.equal((await slackError(client.chat.update({ channel: 'C1TEAM', ts: '1.000001', text: 'x' }))).error, 'message_not_found');
    assert.equal((await slackError(client.apiCall('chat.postMessage', { channel: 'C1TEAM' }))).error, 'no_text');
    const stranger = new WebClient('xoxb-wrong', { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal((await slackError(stranger.auth.test())).error, 'invalid_auth');
    const anonymous = new WebClient(undefined, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal((await slackError(anonymous.auth.test())).error, 'not_authed');
    assert.equal((await slackError(client.apiCall('chat.teleport', { channel: 'C1TEAM' }))).error, 'unknown_method');
    sim.setBotMembership('G2PRIV', true);
    assert.equal((await client.chat.postMessage({ channel: 'G2PRIV', text: 'now a member' })).ok, true);
    sim.setBotMembership('G2PRIV', false);
  });

  test('an injected 429 carries Retry-After, and the client waits that long and retries', async () => {
    const patient = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: webApi.retryPolicies.rapidRetryPolicy, logger: quiet });
    sim.rateLimit('chat.postMessage', 1, 1);
    const started = Date.now();
    const res = await patient.chat.postMessage({ channel: 'C1TEAM', text: 'after the wait' });
    assert.equal(res.ok, true);
    assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms`);
    assert.deepEqual(sim.callsTo('chat.postMessage').map((c) => c.status), [429, 200]);
    assert.deepEqual(sim.messages('C1TEAM').map((m) => m.text), ['after the wait']);

    sim.rateLimit('chat.update', 1, 7);
    const impatient = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, rejectRateLimitedCalls: true, logger: quiet });
    await assert.rejects(impatient.chat.update({ channel: 'C1TEAM', ts: res.ts ?? '', text: 'x' }), (e: unknown) => {
      assert.ok(e instanceof Error && 'retryAfter' in e && e.retryAfter === 7);
      return true;
    });
  });

  test('response_url posts land as ephemeral replies unless in_channel, and may replace the original', async () => {
    const ephemeralUrl = sim.responseUrl('C1TEAM', 'U1ALICE');
    const r1 = await fetch(ephemeralUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Only you can see this' }) });
    assert.equal(r1.status, 200);
    assert.deepEqual(sim.ephemerals('U1ALICE').map((e) => e.text), ['Only you can see this']);
    const r2 = await fetch(ephemeralUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'Replaced' }),
    });
    assert.equal(r2.status, 200);
    assert.deepEqual(sim.ephemerals('U1ALICE').map((e) => e.text), ['Replaced']);
    await fetch(sim.responseUrl('C1TEAM', 'U1ALICE'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'in_channel', text: 'Everyone sees this' }),
    });
    assert.deepEqual(sim.messages('C1TEAM').map((m) => m.text), ['Everyone sees this']);
    const recorded = sim.callsTo('response_url');
    assert.equal(recorded.length, 3);
    assert.equal(recorded[2]?.args.response_type, 'in_channel');

    for (let use = 3; use <= 5; use += 1) {
      const again = await fetch(ephemeralUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `use ${use}` }) });
      assert.equal(again.status, 200);
    }
    const sixth = await fetch(ephemeralUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'one too many' }) });
    assert.equal(sixth.status, 404, 'a response_url answers five times');
    assert.equal(sim.violations.length, 1);
    sim.violations.length = 0;

    const bad = await fetch(sim.responseUrl('C1TEAM', 'U1ALICE'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blocks: [{ type: 'nonsense' }] }),
    });
    assert.equal(bad.status, 400);
    assert.equal(sim.violations.length, 1);
  });

  test('files uploaded with filesUploadV2 are recorded with their bytes and shared in the channel', async () => {
    await client.filesUploadV2({ channel_id: 'C1TEAM', content: 'epoch,loss\n1,0.5\n', filename: 'loss.csv', title: 'Loss', initial_comment: 'exp42 loss' });
    assert.equal(sim.uploads.length, 1);
    assert.equal(sim.uploads[0]?.bytes?.toString('utf8'), 'epoch,loss\n1,0.5\n');
    assert.equal(sim.uploads[0]?.completed, true);
    assert.equal(sim.uploads[0]?.channel, 'C1TEAM');
    assert.equal(sim.messages('C1TEAM')[0]?.text, 'exp42 loss');
  });

  test('a trigger_id opens one modal, once', async () => {
    const trigger = sim.mintTrigger('U1ALICE');
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'New box' }, blocks: [section('hello')] };
    const opened = await client.views.open({ trigger_id: trigger, view });
    assert.match(opened.view?.id ?? '', /^V/);
    assert.equal(sim.topView('U1ALICE')?.id, opened.view?.id);
    assert.equal((await slackError(client.views.open({ trigger_id: trigger, view }))).error, 'exchanged_trigger_id');
    assert.equal((await slackError(client.views.open({ trigger_id: 'made-up', view }))).error, 'invalid_trigger_id');
    const updated = await client.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view: { ...view, blocks: [section('updated')] } });
    assert.equal(updated.ok, true);
    assert.equal((await slackError(client.views.update({ view_id: opened.view?.id ?? '', hash: opened.view?.hash ?? '', view }))).error, 'hash_conflict');
  });

  test('waitFor resolves on a matching call and, on timeout, lists what was called', async () => {
    const waiting = sim.waitFor((c) => c.method === 'chat.postMessage' && c.args.text === 'second');
    await client.chat.postMessage({ channel: 'C1TEAM', text: 'first' });
    await client.chat.postMessage({ channel: 'C1TEAM', text: 'second' });
    assert.equal((await waiting).args.text, 'second');
    await assert.rejects(sim.waitFor((c) => c.method === 'views.open', 50), /timed out after 50 ms[\s\S]*chat\.postMessage channel=C1TEAM text="first" -> ok/);
  });
});

describe('a Bolt app driven through the simulator', () => {
  let sim: SlackSimulator;
  let app: App;
  const seen: Record<string, unknown>[] = [];

  before(async () => {
    sim = await startSlackSimulator({ channels: { C1TEAM: 'ml-team' } });
    app = new App({
      signingSecret: sim.signingSecret,
      token: sim.botToken,
      processBeforeResponse: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl },
    });
    app.command('/gpu', async ({ ack, command, client, respond }) => {
      if (command.text === 'form') {
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'box_new',
            private_metadata: JSON.stringify({ channel: command.channel_id }),
            title: { type: 'plain_text', text: 'New box' },
            submit: { type: 'plain_text', text: 'Start' },
            blocks: [
              { type: 'input', block_id: 'name', label: { type: 'plain_text', text: 'Name' }, element: { type: 'plain_text_input', action_id: 'value' } },
              {
                type: 'input',
                block_id: 'gpu',
                label: { type: 'plain_text', text: 'GPU' },
                element: {
                  type: 'static_select',
                  action_id: 'value',
                  options: [
                    { text: { type: 'plain_text', text: 'T4' }, value: 't4' },
                    { text: { type: 'plain_text', text: 'A100' }, value: 'a100' },
                  ],
                },
              },
            ],
          },
        });
        await ack();
        return;
      }
      if (command.text === 'choose') {
        await ack({ text: 'Pick a zone', blocks: [section('Pick a zone'), { type: 'actions', elements: [button('us-central1-a', 'zone_pick', { value: 'us-central1-a' })] }] });
        return;
      }
      await ack();
      await client.chat.postMessage({
        channel: command.channel_id,
        text: 'exp42 is running',
        blocks: [section('*exp42* is running'), { type: 'actions', elements: [button('Stop', 'box_stop', { value: 'exp42' })] }],
      });
      await respond({ text: 'Starting exp42' });
    });
    app.action('box_stop', async ({ ack, body, action, respond }) => {
      await ack();
      seen.push({ kind: 'action', value: action.type === 'button' ? action.value : undefined, body });
      await respond({ replace_original: true, text: 'exp42 stopping' });
    });
    app.action('zone_pick', async ({ ack, body, respond }) => {
      await ack();
      seen.push({ kind: 'zone', body });
      await respond({ replace_original: true, text: 'Zone us-central1-a it is' });
    });
    app.view('box_new', async ({ ack, view, body }) => {
      const name = view.state.values.name?.value?.value ?? '';
      seen.push({ kind: 'view', name, gpu: view.state.values.gpu?.value?.selected_option?.value, meta: view.private_metadata, user: body.user.id });
      if (!/^[a-z][-a-z0-9]*$/.test(name)) {
        await ack({ response_action: 'errors', errors: { name: 'Use lowercase letters, digits and dashes.' } });
        return;
      }
      await ack();
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [section(`Hello <@${event.user}>`)] } });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    sim.botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  after(async () => {
    await app.stop();
    await sim.close();
  });

  test('a button click arrives as block_actions the app parses, and respond() replaces the message', async () => {
    await sim.sendCommand({ text: 'up exp42', userId: 'U1ALICE', channelId: 'C1TEAM' });
    assert.deepEqual(sim.ephemerals('U1ALICE').map((e) => e.text), ['Starting exp42']);
    const message = sim.messages('C1TEAM')[0];
    assert.ok(message);
    const res = await sim.sendAction({ userId: 'U1ALICE', channelId: 'C1TEAM', messageTs: message.ts, actionId: 'box_stop' });
    assert.equal(res.status, 200);
    const heard = seen.find((s) => s.kind === 'action');
    assert.equal(heard?.value, 'exp42', 'the value comes from the button in the message');
    const body = heard?.body as { container: Record<string, unknown>; message: { ts: string }; channel: { name: string }; trigger_id: string };
    assert.deepEqual(body.container, { type: 'message', message_ts: message.ts, channel_id: 'C1TEAM', is_ephemeral: false });
    assert.equal(body.message.ts, message.ts);
    assert.equal(body.channel.name, 'ml-team');
    assert.match(body.trigger_id, /^\d+\.\d+\.[0-9a-f]{32}$/);
    assert.equal(sim.messages('C1TEAM')[0]?.text, 'exp42 stopping');
    assert.deepEqual(sim.violations, []);
  });

  test('a click on an ephemeral reply says so in its container, and respond() replaces that reply', async () => {
    await sim.sendCommand({ text: 'choose', userId: 'U3CAROL', channelId: 'C1TEAM' });
    const reply = sim.ephemerals('U3CAROL')[0];
    assert.equal(reply?.text, 'Pick a zone');
    await sim.sendAction({ userId: 'U3CAROL', channelId: 'C1TEAM', messageTs: reply.ts, actionId: 'zone_pick' });
    const body = seen.find((s) => s.kind === 'zone')?.body as { container: Record<string, unknown>; message?: unknown; actions: { value: string }[] };
    assert.deepEqual(body.container, { type: 'message', message_ts: reply.ts, channel_id: 'C1TEAM', is_ephemeral: true });
    assert.equal(body.message, undefined, 'Slack sends no message for an ephemeral one');
    assert.equal(body.actions[0]?.value, 'us-central1-a');
    assert.deepEqual(sim.ephemerals('U3CAROL').map((e) => e.text), ['Zone us-central1-a it is']);
  });

  test('a modal opened from a command is submitted with state values; errors keep it open', async () => {
    await sim.sendCommand({ text: 'form', userId: 'U2BOB', channelId: 'C1TEAM' });
    const modal = sim.topView('U2BOB');
    assert.equal(modal?.spec.callback_id, 'box_new');
    const wrong = await sim.sendViewSubmission({
      userId: 'U2BOB',
      values: { name: { value: { type: 'plain_text_input', value: 'Exp 42' } } },
    });
    assert.equal(wrong.outcome, 'errors');
    assert.deepEqual(wrong.errors, { name: 'Use lowercase letters, digits and dashes.' });
    assert.equal(sim.topView('U2BOB')?.id, modal?.id);
    const right = await sim.sendViewSubmission({
      userId: 'U2BOB',
      values: {
        name: { value: { type: 'plain_text_input', value: 'exp42' } },
        gpu: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'A100' }, value: 'a100' } } },
      },
    });
    assert.equal(right.outcome, 'closed');
    assert.equal(sim.topView('U2BOB'), undefined);
    assert.deepEqual(seen.filter((s) => s.kind === 'view').at(-1), {
      kind: 'view',
      name: 'exp42',
      gpu: 'a100',
      meta: JSON.stringify({ channel: 'C1TEAM' }),
      user: 'U2BOB',
    });
  });

  test('app_home_opened arrives as an event and the published Home tab is kept per person', async () => {
    const res = await sim.openAppHome('U1ALICE');
    assert.equal(res.status, 200);
    await sim.waitFor((c) => c.method === 'views.publish');
    const home = sim.homeView('U1ALICE');
    assert.equal(home?.type, 'home');
    assert.deepEqual(sim.violations, []);
  });
});
