/**
 * gpubot in Socket Mode: SLACK_APP_TOKEN and no signing secret. Slash commands, clicks and events reach
 * it over the WebSocket it opens to the simulator, its answers go out through the Web API as in HTTP
 * mode, and its own HTTP routes still serve on PORT.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ACTIONS } from '../../src/slack/views/box-card.js';
import { SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';
import { emulatorHost, freshProjectId } from '../support/firestore.js';
import { ALICE, APP_TOKEN, BOB, CHANNEL, answerText, freePort, buttonValue, startBot } from './harness.js';

process.on('unhandledRejection', (reason) => {
  throw reason;
});

test('/gpu up over the socket is acked with the creating answer, and the box reaches Ready with its card', async () => {
  const bot = await startBot({ socketMode: true });
  try {
    assert.equal(bot.config.slack.kind, 'socket');
    assert.equal(bot.slack.botUrl, undefined, 'no HTTP request URL: everything goes over the socket');
    const [connection] = bot.slack.socketConnections();
    assert.ok(connection, 'gpubot holds a Socket Mode connection once started');
    assert.match(connection.url, /^ws:\/\/127\.0\.0\.1:\d+\/link\//);
    assert.deepEqual(
      bot.slack.callsTo('apps.connections.open').map((c) => c.response.ok),
      [true],
    );

    const res = await bot.slack.sendCommand({ text: 'up sock1 --gpu t4', userId: ALICE, channelId: CHANNEL });
    assert.equal(res.status, 200);
    assert.ok(res.request.envelopeId, 'the command went as a Socket Mode envelope');
    assert.match(answerText(res.body), /Creating `sock1`/);
    await bot.tickUntil(() => /Ready/.test(bot.card('sock1')?.text ?? ''), 'sock1 ready');
    assert.ok(bot.slack.callsTo('chat.postMessage').some((c) => c.args.channel === CHANNEL && /sock1/.test(String(c.args.text))), 'the card was posted through the Web API');
    assert.equal(bot.threadOf('sock1').filter((m) => /Jupyter is ready/.test(m.text)).length, 1);
    assert.deepEqual(bot.slack.violations, [], 'no ack was late and no Block Kit limit was broken');
  } finally {
    await bot.stop();
  }
});

test("over the socket a non-owner's Stop is refused and the owner's Stop stops the box", async () => {
  const bot = await startBot({ socketMode: true });
  try {
    await bot.slack.sendCommand({ text: 'up sock2 --gpu t4', userId: ALICE, channelId: CHANNEL });
    await bot.tickUntil(() => /Ready/.test(bot.card('sock2')?.text ?? ''), 'sock2 ready');
    const id = buttonValue(bot, 'sock2', ACTIONS.stop);
    const ts = bot.card('sock2')?.ts ?? '';

    const bobs = await bot.slack.sendAction({ userId: BOB, actionId: ACTIONS.stop, value: id, channelId: CHANNEL, messageTs: ts });
    assert.equal(bobs.status, 200);
    assert.ok(bobs.request.envelopeId);
    await bot.gpubot.worker.tick();
    assert.equal(bot.compute.count('instances.stop'), 0);
    const refusal = await bot.slack.waitUntil(() => bot.slack.ephemerals(BOB).find((e) => /belongs to <@UALICE>/.test(e.text)), 3000, "Bob's refusal");
    assert.match(refusal.text, /only its owner or an admin/);

    const alices = await bot.slack.sendAction({ userId: ALICE, actionId: ACTIONS.stop, value: id, channelId: CHANNEL, messageTs: ts });
    assert.equal(alices.status, 200);
    await bot.tickUntil(() => /Stopped/.test(bot.card('sock2')?.text ?? ''), 'sock2 stopped');
    assert.equal(bot.compute.count('instances.stop'), 1);
    assert.deepEqual(bot.slack.violations, []);
  } finally {
    await bot.stop();
  }
});

test('in Socket Mode /healthz still answers on the HTTP port, and there is no /slack/events to post to', async () => {
  const bot = await startBot({ socketMode: true });
  try {
    assert.equal(bot.gpubot.port, bot.config.port);
    const base = `http://127.0.0.1:${bot.config.port}`;
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    // Without a signing secret an HTTP events endpoint would take unsigned requests; there is none.
    const events = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"url_verification","challenge":"x"}' });
    await events.body?.cancel();
    assert.equal(events.status, 404);
  } finally {
    await bot.stop();
  }
});

test('an event (the App Home opening) arrives over the socket and the Home view is published', async () => {
  const bot = await startBot({ socketMode: true });
  try {
    const res = await bot.slack.openAppHome(ALICE);
    assert.equal(res.status, 200);
    assert.equal((JSON.parse(res.request.rawBody) as { type: string }).type, 'events_api');
    await bot.slack.waitUntil(() => bot.slack.homeView(ALICE), 3000, 'the home view');
  } finally {
    await bot.stop();
  }
});

/**
 * A wrong SLACK_APP_TOKEN. Start-up fails inside Bolt's app.start(), so this runs the real entry point
 * (src/main.ts) in a child process, with the network guard loaded there too, to see what an operator
 * sees: the log, whether the process ends, and what its health check says meanwhile.
 */
describe('start-up with an app token Slack refuses', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  let sim: SlackSimulator;
  let child: ChildProcess;
  let port: number;
  const lines: { severity?: string; message?: string; error?: { message?: string } }[] = [];
  let exit: { code: number | null; signal: string | null } | null = null;

  before(async () => {
    sim = new SlackSimulator({ appToken: APP_TOKEN, botToken: 'xoxb-e2e-token', channels: { [CHANNEL]: 'ml-team' } });
    await sim.start();
    port = await freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(SLACK_|GOOGLE_|GCP_|NODE_TEST)/.test(k)) env[k] = v;
    }
    Object.assign(env, {
      PORT: String(port),
      SLACK_APP_TOKEN: 'xapp-1-A0GPUBOT-1-revoked',
      SLACK_BOT_TOKEN: 'xoxb-e2e-token',
      SLACK_API_URL: sim.apiUrl,
      GOOGLE_CLOUD_PROJECT: freshProjectId('e2e'),
      // Nothing listens there; start-up fails before the first Google call.
      GCP_ENDPOINT: 'http://127.0.0.1:9',
      FIRESTORE_EMULATOR_HOST: emulatorHost(),
      METADATA_SERVER_DETECTION: 'none',
      TICK_INTERVAL: '1h',
    });
    child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/support/network-guard.ts', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        try {
          lines.push(JSON.parse(line) as (typeof lines)[number]);
        } catch {
          lines.push({ message: line });
        }
      }
    });
    child.stderr?.resume();
    child.once('exit', (code, signal) => {
      exit = { code, signal };
    });
    // Wait for gpubot's own line naming the refused setting, or for its output to end: that line comes
    // after Bolt's invalid_auth line, once start-up has cleaned up (on Node 26 often past Bolt's line).
    let closed = false;
    child.once('close', () => (closed = true));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !closed && !lines.some((l) => l.severity === 'ERROR' && /SLACK_APP_TOKEN/.test(JSON.stringify(l)))) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    if (exit === null) child.kill('SIGKILL');
    await sim.close();
  });

  test('Slack refuses apps.connections.open and the log says invalid_auth at ERROR', () => {
    assert.deepEqual(
      sim.callsTo('apps.connections.open').map((c) => c.response.error),
      ['invalid_auth'],
      'one try: invalid_auth is not retried',
    );
    assert.deepEqual(sim.socketConnections(), []);
    const refused = lines.filter((l) => l.severity === 'ERROR' && /invalid_auth/.test(JSON.stringify(l)));
    assert.ok(refused.length > 0, `an ERROR line names invalid_auth; log: ${JSON.stringify(lines)}`);
  });

  test('it never reports ready: /healthz does not answer 200', async () => {
    // Bolt starts the routes' HTTP server before it asks Slack for a connection, so it may still be
    // listening (503) while gpubot shuts down; once it has exited, nothing answers at all.
    const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (health) => health.status,
      () => 'refused' as const,
    );
    assert.ok(status === 503 || status === 'refused', `/healthz answered ${status}`);
  });

  test('the log names SLACK_APP_TOKEN as the setting Slack refused', () => {
    assert.ok(lines.some((l) => /SLACK_APP_TOKEN/.test(JSON.stringify(l))), `log: ${JSON.stringify(lines.map((l) => l.message))}`);
  });

  test('the process exits with a failure status instead of running on without Slack', async () => {
    const deadline = Date.now() + 5000;
    while (exit === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(exit !== null, 'gpubot is still running 5 s after Slack refused its app token');
    assert.notEqual(exit.code, 0);
  });
});
