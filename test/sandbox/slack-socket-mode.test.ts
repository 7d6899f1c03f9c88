import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import { acceptKey } from '../../src/sandbox/slack/websocket.js';
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

async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === ErrorCode.PlatformError && 'data' in e) return (e.data as { error: string }).error;
    throw e;
  }
  assert.fail('the call succeeded but should have failed');
}

async function openUrl(sim: SlackSimulator): Promise<string> {
  const client = new WebClient(sim.appToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
  const res = await client.apps.connections.open();
  assert.ok(res.url);
  return res.url;
}

/**
 * A bare WebSocket client written against RFC 6455, so the tests can send what Bolt never would
 * (fragments, pings, stray acks) and read the frames the simulator writes.
 */
class RawClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly waiting: ((frame: { opcode: number; payload: Buffer }) => void)[] = [];
  private readonly frames: { opcode: number; payload: Buffer }[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
  }

  /** Resolves with the client once the server answers 101, or with the HTTP status it answered instead. */
  static connect(url: string): Promise<RawClient | number> {
    const key = randomBytes(16).toString('base64');
    return new Promise((resolve, reject) => {
      const req = httpRequest(url.replace(/^ws:/, 'http:'), {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': '13' },
      });
      req.on('upgrade', (res, socket, head) => {
        assert.equal(res.headers['sec-websocket-accept'], acceptKey(key));
        const client = new RawClient(socket);
        if (head.length > 0) socket.emit('data', head);
        resolve(client);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** Writes one masked frame, as a client must. */
  send(opcode: number, payload: Buffer | string, fin = true): void {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const mask = randomBytes(4);
    const masked = Buffer.from(data.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    const header = data.length < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]) : Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, data.length >> 8, data.length & 0xff]);
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  next(timeoutMs = 2000): Promise<{ opcode: number; payload: Buffer }> {
    const ready = this.frames.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no frame from the server')), timeoutMs);
      this.waiting.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  async nextJson(): Promise<Record<string, unknown>> {
    const f = await this.next();
    assert.equal(f.opcode, 0x1, 'a text frame');
    return JSON.parse(f.payload.toString('utf8')) as Record<string, unknown>;
  }

  private parse(): void {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      assert.equal((b[1] ?? 0) & 0x80, 0, 'server frames are never masked');
      let length = (b[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const frame = { opcode: (b[0] ?? 0) & 0x0f, payload: b.subarray(offset, offset + length) };
      this.buffer = b.subarray(offset + length);
      const waiter = this.waiting.shift();
      if (waiter) waiter(frame);
      else this.frames.push(frame);
    }
  }
}

describe('apps.connections.open', () => {
  let sim: SlackSimulator;
  before(async () => {
    sim = await startSlackSimulator({ appToken: 'xapp-1-A0GPUBOT-1-sandbox' });
  });
  after(() => sim.close());

  test('the app-level token gets a loopback ws:// URL; other tokens are refused', async () => {
    const url = await openUrl(sim);
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f-]{36}&app_id=A0GPUBOT$/);
    const withBot = new WebClient(sim.botToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal(await slackError(withBot.apps.connections.open()), 'not_allowed_token_type');
    const wrong = new WebClient('xapp-1-A0GPUBOT-1-not-this-one', { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal(await slackError(wrong.apps.connections.open()), 'invalid_auth');
    const none = new WebClient(undefined, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal(await slackError(none.apps.connections.open()), 'not_authed');
    const appAsBot = new WebClient(sim.appToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 }, logger: quiet });
    assert.equal(await slackError(appAsBot.chat.postMessage({ channel: 'C1', text: 'x' })), 'not_allowed_token_type', 'the app token cannot post');
  });

  test('a URL opens one connection: a second use and a made-up ticket are refused with 401', async () => {
    const url = await openUrl(sim);
    const first = await RawClient.connect(url);
    assert.ok(first instanceof RawClient);
    const hello = await first.nextJson();
    assert.equal(hello.type, 'hello');
    assert.deepEqual(hello.connection_info, { app_id: 'A0GPUBOT' });
    assert.equal(await RawClient.connect(url), 401);
    assert.equal(await RawClient.connect(url.replace(/ticket=[^&]+/, 'ticket=made-up')), 401);
    first.socket.destroy();
  });
});

describe('the WebSocket protocol towards a client', () => {
  let sim: SlackSimulator;
  let client: RawClient;
  before(async () => {
    sim = await startSlackSimulator({ channels: { C1TEAM: 'ml-team' } });
  });
  afterEach(() => {
    client.socket.destroy();
    sim.reset();
  });
  after(() => sim.close());

  async function connected(): Promise<RawClient> {
    const c = await RawClient.connect(await openUrl(sim));
    assert.ok(c instanceof RawClient);
    assert.equal((await c.nextJson()).type, 'hello');
    return c;
  }

  test('a ping is answered with a pong carrying the same data', async () => {
    client = await connected();
    client.send(0x9, 'are you there');
    const pong = await client.next();
    assert.equal(pong.opcode, 0xa);
    assert.equal(pong.payload.toString(), 'are you there');
  });

  test('an ack in fragments, with a ping between them, still answers the envelope', async () => {
    client = await connected();
    const answer = sim.sendCommand({ text: 'list', userId: 'U1ALICE', channelId: 'C1TEAM' });
    const envelope = await client.nextJson();
    assert.equal(envelope.type, 'slash_commands');
    assert.equal(envelope.accepts_response_payload, true);
    const ack = JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'No boxes.' } });
    client.send(0x1, ack.slice(0, 10), false);
    client.send(0x9, 'mid-message');
    client.send(0x0, ack.slice(10), true);
    assert.equal((await client.next()).opcode, 0xa);
    const res = await answer;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { text: 'No boxes.' });
    assert.deepEqual(sim.ephemerals('U1ALICE').map((e) => e.text), ['No boxes.'], 'the ack reply is shown as Slack shows it');
  });

  test('an ack for no envelope is a violation; a close is echoed and the connection ends', async () => {
    client = await connected();
    client.send(0x1, JSON.stringify({ envelope_id: 'not-an-envelope' }));
    client.send(0x1, 'not json');
    const closeCode = Buffer.from([0x03, 0xe8]);
    client.send(0x8, closeCode);
    const echoed = await client.next();
    assert.equal(echoed.opcode, 0x8);
    assert.equal(echoed.payload.readUInt16BE(0), 1000);
    await sim.waitUntil(() => sim.socketConnections().length === 0, 2000, 'the connection to end');
    assert.deepEqual(
      sim.violations.map((v) => v.source),
      ['ack', 'socket_mode'],
    );
  });

  test('an unmasked frame fails the connection with 1002', async () => {
    client = await connected();
    client.socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    const close = await client.next();
    assert.equal(close.opcode, 0x8);
    assert.equal(close.payload.readUInt16BE(0), 1002);
  });
});

describe('a Bolt app in Socket Mode driven through the simulator', () => {
  let sim: SlackSimulator;
  let app: App;
  const heard: Record<string, unknown>[] = [];
  let slowAckMs = 0;

  before(async () => {
    sim = await startSlackSimulator({ channels: { C1TEAM: 'ml-team' }, ackTimeoutMs: 300 });
    // Bolt waits clientPingTimeout before reconnecting after a disconnect; keep it short for the test.
    const receiver = new SocketModeReceiver({
      appToken: sim.appToken,
      clientPingTimeout: 300,
      // The tests drop connections on purpose; the client's error lines about that are expected.
      logger: quiet,
      installerOptions: { clientOptions: { slackApiUrl: sim.apiUrl } },
    });
    app = new App({ token: sim.botToken, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: sim.apiUrl } });
    app.command('/gpu', async ({ ack, command, client }) => {
      heard.push({ kind: 'command', text: command.text });
      if (slowAckMs > 0) await new Promise((r) => setTimeout(r, slowAckMs));
      await ack({ text: `Creating \`${command.text}\`` });
      await client.chat.postMessage({ channel: command.channel_id, text: `${command.text} card`, blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'stop', value: command.text, text: { type: 'plain_text', text: 'Stop' } }] }] });
    });
    app.action('stop', async ({ ack, action, body }) => {
      await ack();
      heard.push({ kind: 'action', value: action.type === 'button' ? action.value : undefined, user: body.user.id });
    });
    app.event('app_home_opened', async ({ event }) => {
      heard.push({ kind: 'event', user: event.user });
    });
    await app.start();
  });
  after(async () => {
    await app.stop();
    // Let the app finish its closing handshake before the server goes.
    await sim.waitUntil(() => sim.socketConnections().length === 0, 2000, 'the app to disconnect');
    await sim.close();
  });

  test('a command, a click and an event each arrive as an envelope and return the ack as HTTP would', async () => {
    assert.equal(sim.socketConnections().length, 1);
    const open = sim.callsTo('apps.connections.open');
    assert.equal(open.length, 1);
    assert.equal(open[0]?.response.ok, true);

    const command = await sim.sendCommand({ text: 'exp42', userId: 'U1ALICE', channelId: 'C1TEAM' });
    assert.equal(command.status, 200);
    assert.deepEqual(command.body, { text: 'Creating `exp42`' });
    assert.equal(command.request.envelopeId !== undefined, true);
    assert.equal(command.request.url, sim.socketConnections()[0]?.url);
    const envelope = JSON.parse(command.request.rawBody) as { type: string; envelope_id: string; payload: Record<string, string> };
    assert.equal(envelope.type, 'slash_commands');
    assert.equal(envelope.envelope_id, command.request.envelopeId);
    assert.equal(envelope.payload.command, '/gpu');
    assert.deepEqual(sim.ephemerals('U1ALICE').map((e) => e.text), ['Creating `exp42`']);

    const card = await sim.waitUntil(() => sim.messages('C1TEAM').find((m) => m.text === 'exp42 card'));
    const click = await sim.sendAction({ userId: 'U2BOB', actionId: 'stop', channelId: 'C1TEAM', messageTs: card.ts });
    assert.equal(click.status, 200);
    assert.equal(click.body, '', 'an empty ack reads as an empty HTTP answer');
    assert.equal((JSON.parse(click.request.rawBody) as { type: string }).type, 'interactive');
    assert.deepEqual(heard.find((h) => h.kind === 'action'), { kind: 'action', value: 'exp42', user: 'U2BOB' });

    const event = await sim.openAppHome('U1ALICE');
    assert.equal(event.status, 200);
    const eventEnvelope = JSON.parse(event.request.rawBody) as { type: string; retry_attempt: number; payload: { type: string } };
    assert.equal(eventEnvelope.type, 'events_api');
    assert.equal(eventEnvelope.retry_attempt, 0);
    assert.equal(eventEnvelope.payload.type, 'event_callback');
    await sim.waitUntil(() => heard.some((h) => h.kind === 'event'), 2000, 'the event handler');
    const retried = await sim.resend(event, { retryNum: 1, retryReason: 'timeout' });
    assert.equal(retried.status, 200);
    assert.notEqual(retried.request.envelopeId, event.request.envelopeId, 'a retry is a new envelope');
    assert.deepEqual(JSON.parse(retried.request.rawBody), { ...eventEnvelope, envelope_id: retried.request.envelopeId, retry_attempt: 1, retry_reason: 'timeout' });
    assert.deepEqual(sim.violations, []);
  });

  test('signature overrides are refused over the socket instead of silently ignored', async () => {
    await assert.rejects(sim.sendCommand({ text: 'x', userId: 'U1ALICE', channelId: 'C1TEAM', signingSecret: 'forged' }), /carry no signature/);
  });

  test('an ack slower than Slack waits for is answered but recorded as a violation', async () => {
    slowAckMs = 500;
    try {
      const res = await sim.sendCommand({ text: 'slow', userId: 'U1ALICE', channelId: 'C1TEAM' });
      assert.equal(res.status, 200);
      assert.match(sim.violations.map((v) => v.problems.join()).join('\n'), /acknowledged a command after \d+ ms; Slack gives up after 300 ms/);
    } finally {
      slowAckMs = 0;
      sim.violations.length = 0;
    }
  });

  test("after Slack's disconnect message the app opens a new connection and keeps answering", async () => {
    const before = sim.socketConnections()[0];
    assert.ok(before);
    assert.equal(sim.disconnectSockets('refresh_requested'), 1);
    await sim.waitUntil(() => sim.socketConnections().some((c) => c.id !== before.id), 5000, 'a new connection');
    assert.equal(sim.socketConnections().length, 1, 'the old connection is closed');
    assert.equal(sim.callsTo('apps.connections.open').length, 2);
    const res = await sim.sendCommand({ text: 'again', userId: 'U1ALICE', channelId: 'C1TEAM' });
    assert.deepEqual(res.body, { text: 'Creating `again`' });
  });

  test('a dropped connection is reopened too', async () => {
    const before = sim.socketConnections()[0];
    assert.ok(before);
    sim.dropSockets();
    await sim.waitUntil(() => sim.socketConnections().some((c) => c.id !== before.id), 5000, 'a new connection');
    const res = await sim.sendCommand({ text: 'after-drop', userId: 'U1ALICE', channelId: 'C1TEAM' });
    assert.deepEqual(res.body, { text: 'Creating `after-drop`' });
  });
});
