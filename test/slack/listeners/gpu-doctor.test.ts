import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { webApi } from '@slack/bolt';
import type { BoxCommands } from '../../../src/app/box-commands.js';
import { loadConfig } from '../../../src/config.js';
import { createDoctor } from '../../../src/doctor-cli.js';
import { createLogger } from '../../../src/log.js';
import type { ListenerDeps } from '../../../src/slack/context.js';
import { handleGpuCommand } from '../../../src/slack/listeners/commands/gpu.js';
import { sandboxAuth } from '../../support/cloud.js';
import { startTestDeployment, type TestDeployment } from '../../support/deployment.js';
import { textOf } from '../views/fixtures.js';

const ADMIN = 'U0ADMIN';
const SOMEONE = 'U0SOMEONE';

interface Said {
  text?: string;
  blocks?: unknown[];
  replace_original?: boolean;
}

function depsFor(d: TestDeployment, runs: { count: number }): ListenerDeps {
  const config = loadConfig(d.env);
  return {
    // /gpu doctor touches no box.
    boxes: {} as BoxCommands,
    log: createLogger({ level: 'error', write: () => undefined }),
    clock: { now: () => Date.now() },
    project: config.cloud.project,
    region: config.region,
    regions: [config.region],
    doctor: {
      isAdmin: (user) => user === ADMIN,
      run: async () => {
        runs.count += 1;
        const slackClient = new webApi.WebClient(config.slack.kind === 'http' ? config.slack.botToken : '', { slackApiUrl: d.slack.apiUrl });
        return (await createDoctor(config, { authClient: sandboxAuth(), rootUrl: d.server.url, slackClient })).run();
      },
    },
  };
}

/** `/gpu doctor` as `user`: what was acked (and how many Google calls had been made by then), and what came later. */
async function run(d: TestDeployment, user: string, runs: { count: number }): Promise<{ acked: Said; googleCallsAtAck: number; responded: Said[] }> {
  let acked: Said | undefined;
  let googleCallsAtAck = -1;
  const responded: Said[] = [];
  const args = {
    command: { text: 'doctor', user_id: user, channel_id: 'C0TEAM', team_id: 'T1', trigger_id: 'trigger-doctor' },
    ack: (body?: Said) => {
      acked = body ?? {};
      googleCallsAtAck = d.exchanges.length;
      return Promise.resolve();
    },
    respond: (body: Said) => {
      responded.push(body);
      return Promise.resolve();
    },
    client: {},
  };
  // A slash command's arguments carry much more than this listener reads.
  await handleGpuCommand(args as unknown as Parameters<typeof handleGpuCommand>[0], depsFor(d, runs));
  assert.ok(acked !== undefined, 'acked');
  return { acked, googleCallsAtAck, responded };
}

describe('/gpu doctor', () => {
  it('acks before any Google call, then answers the admin with every check through response_url', async () => {
    const d = await startTestDeployment();
    try {
      d.compute.quota('GPUS_ALL_REGIONS', 'global', 0);
      const runs = { count: 0 };
      const { acked, googleCallsAtAck, responded } = await run(d, ADMIN, runs);
      assert.equal(googleCallsAtAck, 0, 'nothing was asked of Google before the ack');
      assert.match(textOf(acked.blocks ?? []) || (acked.text ?? ''), /Checking this deployment/);
      assert.equal(runs.count, 1);
      assert.ok(d.exchanges.length > 0);
      assert.equal(responded.length, 1);
      const answer = responded[0];
      assert.equal(answer?.replace_original, true);
      const text = textOf(answer?.blocks ?? []);
      assert.match(text, /1 of \d+ checks failed/);
      assert.match(text, /FAIL {2}quota GPUS_ALL_REGIONS: limit 0: no GPU can start in any region\. Fix: gcloud beta quotas preferences create/);
      assert.match(text, /ok {4}API compute\.googleapis\.com: enabled/);
    } finally {
      await d.close();
    }
  });

  it('refuses someone who is not an admin, and checks nothing', async () => {
    const d = await startTestDeployment();
    try {
      const runs = { count: 0 };
      const { acked, responded } = await run(d, SOMEONE, runs);
      assert.match(acked.text ?? textOf(acked.blocks ?? []), /is for admins \(GPUBOT_ADMINS\)/);
      assert.equal(runs.count, 0);
      assert.deepEqual(responded, []);
      assert.equal(d.exchanges.length, 0);
    } finally {
      await d.close();
    }
  });
});
