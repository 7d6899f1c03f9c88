import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { App, LogLevel, type types } from '@slack/bolt';
import { runConsole } from '../../src/sandbox/console/console.js';
import { mrkdwnToText, renderBlocks } from '../../src/sandbox/console/render.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

const boxActions: types.ActionsBlock = {
  type: 'actions',
  block_id: 'box_actions',
  elements: [
    {
      type: 'button',
      action_id: 'box_stop',
      value: 'exp42',
      style: 'danger',
      text: { type: 'plain_text', text: 'Stop' },
      confirm: {
        title: { type: 'plain_text', text: 'Stop exp42?' },
        text: { type: 'mrkdwn', text: 'Unsaved notebooks are lost.' },
        confirm: { type: 'plain_text', text: 'Stop' },
        deny: { type: 'plain_text', text: 'Keep running' },
      },
    },
    { type: 'button', action_id: 'box_keep', value: 'exp42', text: { type: 'plain_text', text: 'Keep 2h' } },
  ],
};

const boxMessage = (state: string, withButtons: boolean): types.KnownBlock[] => [
  { type: 'header', text: { type: 'plain_text', text: 'exp42' } },
  {
    type: 'section',
    block_id: 'box',
    text: { type: 'mrkdwn', text: `*exp42* is ${state} · <https://example.test/jupyter|Open Jupyter>` },
    fields: [
      { type: 'mrkdwn', text: '*GPU*\nT4' },
      { type: 'mrkdwn', text: '*Price*\n$0.54/h' },
    ],
  },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'Owner <@U1ALICE>' }] },
  ...(withButtons ? [{ type: 'divider' } as types.DividerBlock, boxActions] : []),
];

describe('rendering Block Kit for the terminal', () => {
  test('a box message reads as text with every button numbered from the given start', () => {
    const out = renderBlocks(boxMessage('running', true), { firstButton: 4, messageRef: 'm1' });
    assert.equal(
      out.text,
      [
        '== exp42 ==',
        'exp42 is running · Open Jupyter (https://example.test/jupyter)',
        '  GPU T4',
        '  Price $0.54/h',
        'Owner @U1ALICE',
        '─'.repeat(40),
        '[4] Stop  [5] Keep 2h',
      ].join('\n'),
    );
    assert.deepEqual(
      out.buttons.map((b) => [b.n, b.actionId, b.value, b.blockId, b.messageRef]),
      [
        [4, 'box_stop', 'exp42', 'box_actions', 'm1'],
        [5, 'box_keep', 'exp42', 'box_actions', 'm1'],
      ],
    );
    assert.deepEqual(out.buttons[0]?.confirm, { title: 'Stop exp42?', text: 'Unsaved notebooks are lost.', confirm: 'Stop', deny: 'Keep running' });
    assert.equal(out.buttons[1]?.confirm, undefined);
  });

  test('mrkdwn links, mentions and emphasis become plain text', () => {
    assert.equal(mrkdwnToText('*Stopped* <#C1|ml-team> for <@U1|alice>: _saved_ $3 &amp; <!here>'), 'Stopped #ml-team for @alice: saved $3 & @here');
    assert.equal(mrkdwnToText('owner <@U2>', { userName: (id) => (id === 'U2' ? 'bob' : undefined) }), 'owner @bob');
    assert.equal(mrkdwnToText('see <https://x.test>'), 'see https://x.test');
    assert.equal(mrkdwnToText('2*3*4 stays'), '2*3*4 stays');
  });

  test('a modal input and an overflow menu are shown; menu options are pressable', () => {
    const out = renderBlocks([
      {
        type: 'input',
        block_id: 'gpu',
        label: { type: 'plain_text', text: 'GPU' },
        element: { type: 'static_select', action_id: 'v', options: [{ text: { type: 'plain_text', text: 'T4' }, value: 't4' }] },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'exp42' },
        accessory: { type: 'overflow', action_id: 'more', options: [{ text: { type: 'plain_text', text: 'Logs' }, value: 'logs' }] },
      },
    ]);
    assert.equal(out.text, 'GPU: [choose one: T4]\nexp42\n⋯ [1] Logs');
    assert.deepEqual(out.buttons[0]?.selectedOption, { text: { type: 'plain_text', text: 'Logs', emoji: true }, value: 'logs' });
  });
});

/** Collects what the console prints and lets a test wait for a pattern in it. */
class Screen {
  text = '';
  private readonly waiters: (() => void)[] = [];

  constructor(stream: PassThrough) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async waitFor(pattern: RegExp, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.text)) {
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`the console never printed ${String(pattern)}; it printed:\n${this.text}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

describe('the chat console against a real Bolt app', () => {
  let sim: SlackSimulator;
  let app: App;

  before(async () => {
    sim = await startSlackSimulator({ channels: { C1TEAM: 'ml-team' }, users: [{ id: 'U1ALICE', name: 'alice' }] });
    app = new App({
      signingSecret: sim.signingSecret,
      token: sim.botToken,
      processBeforeResponse: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl },
    });
    app.command('/gpu', async ({ ack, command, client }) => {
      if (command.text === '') {
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'box_new',
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
                  initial_option: { text: { type: 'plain_text', text: 'T4' }, value: 't4' },
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
      await ack({ text: `Starting ${command.text}…` });
      const posted = await client.chat.postMessage({ channel: command.channel_id, text: 'exp42 is running', blocks: boxMessage('running', true) });
      await client.chat.postMessage({ channel: command.channel_id, thread_ts: posted.ts ?? '', text: 'Jupyter is ready' });
    });
    app.action('box_stop', async ({ ack, body, client }) => {
      await ack();
      if (body.type !== 'block_actions' || body.channel === undefined || body.message === undefined) return;
      await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: 'exp42 stopped', blocks: boxMessage('stopped', false) });
    });
    app.view('box_new', async ({ ack, view, client, body }) => {
      const name = view.state.values.name?.value?.value ?? '';
      if (!/^[a-z][-a-z0-9]*$/.test(name)) {
        await ack({ response_action: 'errors', errors: { name: 'Use lowercase letters, digits and dashes.' } });
        return;
      }
      await ack();
      const gpu = view.state.values.gpu?.value?.selected_option?.value ?? '';
      await client.chat.postMessage({ channel: body.user.id, text: `Starting ${name} with ${gpu}` });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    sim.botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  after(async () => {
    await app.stop();
    await sim.close();
  });

  test('a command, its message with numbered buttons, a confirmed click and the updated message', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const screen = new Screen(output);
    let exited = false;
    const done = runConsole({ simulator: sim, input, output, userId: 'U1ALICE', channelId: 'C1TEAM', onExit: () => (exited = true) });

    await screen.waitFor(/you are @alice in #ml-team/);
    input.write('/gpu up exp42\n');
    await screen.waitFor(/\[1\] Stop  \[2\] Keep 2h/);
    assert.match(screen.text, /── #ml-team\n {3}== exp42 ==\n {3}exp42 is running · Open Jupyter \(https:\/\/example\.test\/jupyter\)\n[\s\S]*Owner @alice/);
    // The ack's text arrives once the listener has finished (processBeforeResponse), as Slack would show it.
    await screen.waitFor(/── #ml-team \(only you\)\n {3}Starting up exp42…/);
    await screen.waitFor(/── #ml-team, thread of "exp42 is running"\n {3}Jupyter is ready/);

    input.write('1\n');
    await screen.waitFor(/Stop exp42\?: Unsaved notebooks are lost\. \[Stop = y \/ Keep running = N\]/);
    input.write('y\n');
    await screen.waitFor(/── #ml-team \(updated\)\n {3}== exp42 ==\n {3}exp42 is stopped/);
    assert.equal(sim.messages('C1TEAM')[0]?.text, 'exp42 stopped');

    input.write('1\n');
    await screen.waitFor(/Button \[1\] was on an older version of a message/);
    input.write('quit\n');
    await done;
    assert.equal(exited, true);
    assert.deepEqual(sim.violations, []);
  });

  test('a form is filled in prompt by prompt; the bot refusing a field asks for it again', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const screen = new Screen(output);
    const done = runConsole({ simulator: sim, input, output, userId: 'U1ALICE', channelId: 'C1TEAM' });

    input.write('/gpu\n');
    await screen.waitFor(/── Form: New box/);
    await screen.waitFor(/\? Name\n/);
    input.write('Exp 42\n');
    await screen.waitFor(/\? GPU \[T4\]\n {2}1\) T4 {3}2\) A100/);
    input.write('2\n');
    await screen.waitFor(/! Name: Use lowercase letters, digits and dashes\./);
    await screen.waitFor(/\? Name \[Exp 42\]/);
    input.write('exp43\n');
    await screen.waitFor(/Form sent\./);
    await screen.waitFor(/── DM\n {3}Starting exp43 with a100/);
    input.end();
    await done;
    assert.equal(sim.topView('U1ALICE'), undefined);
  });
});
