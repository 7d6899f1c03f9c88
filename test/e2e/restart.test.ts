/**
 * A bot process killed (SIGKILL, no goodbye) between the VM insert and ready, then started again,
 * ends with one ready box, one VM and one ready notice in the thread and in the DM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { ComputeSandbox } from '../../src/sandbox/google/compute.js';
import { startGoogleSandbox } from '../../src/sandbox/google/server.js';
import { MonitoringSandbox } from '../../src/sandbox/google/monitoring.js';
import { BillingSandbox } from '../../src/sandbox/google/billing.js';
import { VertexSandbox } from '../../src/sandbox/google/vertex.js';
import { activitySampler, monitoredInstances } from '../../src/sandbox/google/utilization.js';
import { SlackSimulator } from '../../src/sandbox/slack/web-api-server.js';
import { emulatorHost, freshProjectId } from '../support/firestore.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The bots' logs (stdout) and stderr, kept (and drained, so a full pipe never blocks a bot) for failure messages. */
let botOutput = '';

function startBotProcess(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    botOutput = (botOutput + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function waitHealthy(port: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the bot did not become healthy on port ${port}`);
}

async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for: ${what}\nbot output:\n${botOutput}`);
}

test('killing the bot between VM insert and ready, then starting it again, gives one ready box and one ready notice', async () => {
  const project = freshProjectId('restart');
  // Real time here: the bot is another process. Boot is slow enough to kill it mid-way.
  const compute = new ComputeSandbox({ project, timings: { provisioningMs: 4000, stagingMs: 2000, jupyterReadyMs: 1500, operationMs: 500, waitMaxMs: 0 } });
  // The whole cloud the bot talks to, so no step of its tick fails on a missing API.
  const monitoring = new MonitoringSandbox({ project, instances: monitoredInstances(compute), sampler: activitySampler(() => 'gpu-busy', Date.now()) });
  const google = await startGoogleSandbox({ handlers: [compute, monitoring, new BillingSandbox(), new VertexSandbox({ project })] });
  const slack = new SlackSimulator({ signingSecret: 'restart-secret-0123456789', botToken: 'xoxb-restart', channels: { CTEAM: 'ml-team' } });
  await slack.start();
  const port = await freePort();
  slack.botUrl = `http://127.0.0.1:${port}/slack/events`;
  const env = {
    PORT: String(port),
    SLACK_SIGNING_SECRET: 'restart-secret-0123456789',
    SLACK_BOT_TOKEN: 'xoxb-restart',
    SLACK_API_URL: slack.apiUrl,
    GOOGLE_CLOUD_PROJECT: project,
    GCP_ENDPOINT: google.url,
    FIRESTORE_EMULATOR_HOST: emulatorHost(),
    METADATA_SERVER_DETECTION: 'none',
    TICK_INTERVAL: '1s',
    LOG_LEVEL: 'info',
  };
  let bot = startBotProcess(env);
  try {
    await waitHealthy(port);
    const res = await slack.sendCommand({ text: 'up exp42 --gpu t4', userId: 'UALICE', channelId: 'CTEAM' });
    assert.equal(res.status, 200);
    await until('the insert reached Compute', () => compute.count('instances.insert') >= 1);
    assert.notEqual(compute.instances()[0]?.status, 'RUNNING', 'killed before the VM was up');
    bot.kill('SIGKILL');
    await new Promise((r) => bot.once('exit', r));

    bot = startBotProcess(env);
    await waitHealthy(port);
    const readyNotices = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && /Jupyter is ready/.test(String(c.args.text ?? '')));
    await until('ready notices in the thread and the DM', () => readyNotices().length >= 2);
    // Give a few more ticks the chance to post twice, if they were going to.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(compute.instances().length, 1, 'one VM');
    assert.equal(compute.count('instances.insert'), 1, 'inserted once');
    const notices = readyNotices();
    assert.equal(notices.length, 2, `one ready notice in the thread and one DM, got ${notices.length}`);
    assert.ok(notices.some((c) => c.args.thread_ts !== undefined), 'one in the thread');
    assert.ok(notices.some((c) => String(c.args.channel).startsWith('U') || String(c.args.channel).startsWith('D')), 'one by DM');
    const cards = slack.messages('CTEAM').filter((m) => m.threadTs === undefined || m.threadTs === m.ts);
    assert.equal(cards.length, 1, 'one card');
    assert.match(cards[0]?.text ?? '', /Ready/);
  } finally {
    bot.kill('SIGKILL');
    await slack.close();
    await google.close();
  }
});
