import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { App, LogLevel, verifySlackRequest } from '@slack/bolt';
import { signSlackRequest } from '../../src/sandbox/slack/signing.js';
import { startSlackSimulator, type SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';

interface Vector {
  signing_secret: string;
  timestamp: string;
  body: string;
  signature: string;
}

const vector = JSON.parse(
  readFileSync(new URL('../fixtures/slack-signing-vector.json', import.meta.url), 'utf8'),
) as Vector;

describe('signing requests as Slack does', () => {
  test("reproduces Slack's documented example signature", () => {
    assert.equal(signSlackRequest(vector.signing_secret, vector.timestamp, vector.body), vector.signature);
    assert.equal(signSlackRequest(vector.signing_secret, Number(vector.timestamp), vector.body), vector.signature);
  });

  test("Bolt's verifier accepts the documented example when its clock reads the example's time", () => {
    assert.doesNotThrow(() =>
      verifySlackRequest({
        signingSecret: vector.signing_secret,
        body: vector.body,
        headers: { 'x-slack-signature': vector.signature, 'x-slack-request-timestamp': Number(vector.timestamp) },
        nowMilliseconds: Number(vector.timestamp) * 1000,
      }),
    );
  });

  test('a different body or secret gives a different signature', () => {
    assert.notEqual(signSlackRequest(vector.signing_secret, vector.timestamp, `${vector.body}x`), vector.signature);
    assert.notEqual(signSlackRequest('another-secret', vector.timestamp, vector.body), vector.signature);
  });
});

describe("a real Bolt app checks the simulator's signatures", () => {
  let sim: SlackSimulator;
  let app: App;
  const heard: { text: string; retryNum: number | undefined }[] = [];

  before(async () => {
    sim = await startSlackSimulator({ signingSecret: 'bolt-signing-secret' });
    app = new App({
      signingSecret: 'bolt-signing-secret',
      token: sim.botToken,
      processBeforeResponse: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: sim.apiUrl },
    });
    app.command('/gpu', async ({ ack, command, context }) => {
      heard.push({ text: command.text, retryNum: context.retryNum });
      await ack();
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    sim.botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });

  after(async () => {
    await app.stop();
    await sim.close();
  });

  test('a signed slash command is accepted (200) and reaches the listener', async () => {
    const res = await sim.sendCommand({ command: '/gpu', text: 'list', userId: 'U1ALICE', channelId: 'C1TEAM' });
    assert.equal(res.status, 200);
    assert.deepEqual(heard.at(-1), { text: 'list', retryNum: undefined });
    assert.ok(sim.callsTo('auth.test').length >= 1, 'Bolt checked its token against the simulator');
  });

  test('a request signed with the wrong secret is refused (401) and never reaches the listener', async () => {
    const before = heard.length;
    const res = await sim.sendCommand({ text: 'forged', userId: 'U1ALICE', channelId: 'C1TEAM', signingSecret: 'not-the-secret' });
    assert.equal(res.status, 401);
    assert.equal(heard.length, before);
  });

  test('a request stamped six minutes ago is refused (401) as stale', async () => {
    const before = heard.length;
    const res = await sim.sendCommand({
      text: 'stale',
      userId: 'U1ALICE',
      channelId: 'C1TEAM',
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    assert.equal(res.status, 401);
    assert.equal(heard.length, before);
  });

  test('a retry carries the same body and X-Slack-Retry-Num, which Bolt exposes as context.retryNum', async () => {
    const first = await sim.sendCommand({ text: 'up exp42', userId: 'U1ALICE', channelId: 'C1TEAM' });
    const retry = await sim.resend(first, { retryNum: 1 });
    assert.equal(retry.status, 200);
    assert.equal(retry.request.rawBody, first.request.rawBody);
    assert.equal(retry.request.headers['x-slack-retry-num'], '1');
    assert.equal(retry.request.headers['x-slack-retry-reason'], 'http_timeout');
    assert.deepEqual(heard.slice(-2), [
      { text: 'up exp42', retryNum: undefined },
      { text: 'up exp42', retryNum: 1 },
    ]);
  });
});
