import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxCommands } from '../../../src/app/box-commands.js';
import type { Box } from '../../../src/domain/box.js';
import type { PriceTable } from '../../../src/domain/prices.js';
import { createLogger } from '../../../src/log.js';
import type { CostReports } from '../../../src/app/cost-reports.js';
import { buildCostReport, periodOf } from '../../../src/domain/cost-report.js';
import type { ListenerDeps } from '../../../src/slack/context.js';
import { handleGpuCommand } from '../../../src/slack/listeners/commands/gpu.js';
import { PRICE_WAIT_IN_ACK_MS } from '../../../src/slack/price-lookup.js';
import { CHANNEL, OWNER, PRICES, PROJECT, T0, makeBox, makeBoxIn, textOf } from '../views/fixtures.js';

interface Acked {
  text?: string;
  blocks?: unknown[];
}

function depsWith(prices: ListenerDeps['prices'] | undefined, boxes: Box[] = [makeBox()]): ListenerDeps {
  // The command only calls requestBox and list; the real BoxCommands needs Firestore.
  const commands = {
    requestBox: () => Promise.resolve({ ok: true, value: { box: makeBoxIn('requested') } }),
    list: () => Promise.resolve(boxes),
  } as unknown as BoxCommands;
  return {
    boxes: commands,
    log: createLogger({ level: 'error', write: () => undefined }),
    clock: { now: () => T0 + 60 * 60_000 },
    project: PROJECT,
    region: 'us-central1',
    regions: ['us-central1'],
    ...(prices !== undefined ? { prices } : {}),
  };
}

/** Runs `/gpu <text>` and returns the ack body and how long the ack took. */
async function run(text: string, deps: ListenerDeps): Promise<{ acked: Acked; ms: number }> {
  let acked: Acked | undefined;
  const started = Date.now();
  let ms = 0;
  const args = {
    command: { text, user_id: OWNER, channel_id: CHANNEL, team_id: 'T1', trigger_id: 'trigger-1' },
    ack: (body?: Acked) => {
      acked = body ?? {};
      ms = Date.now() - started;
      return Promise.resolve();
    },
    respond: () => Promise.resolve(),
    client: {},
  };
  // A slash command's arguments carry much more than this listener reads.
  await handleGpuCommand(args as unknown as Parameters<typeof handleGpuCommand>[0], deps);
  assert.ok(acked !== undefined, 'acked');
  return { acked, ms };
}

const slow = (): Promise<PriceTable> => new Promise(() => undefined);

describe('/gpu and prices', () => {
  it('/gpu up answers with the hourly price when the price book answers at once', async () => {
    const { acked } = await run('up exp42 --gpu t4', depsWith(() => Promise.resolve(PRICES)));
    assert.ok(textOf(acked.blocks ?? []).includes('≈ $0.76/h while running'), textOf(acked.blocks ?? []));
  });

  it('/gpu up answers without a price, in time, when the price book is slow', async () => {
    const { acked, ms } = await run('up exp42 --gpu t4', depsWith(slow));
    const text = textOf(acked.blocks ?? []);
    assert.ok(text.includes('Creating `exp42`'), text);
    assert.ok(!text.includes('/h while running'));
    assert.ok(ms < PRICE_WAIT_IN_ACK_MS + 700, `acked after ${ms} ms`);
  });

  it('/gpu list shows what the boxes cost, and only the boxes when prices are slow', async () => {
    const priced = await run('list', depsWith(() => Promise.resolve(PRICES)));
    assert.ok(textOf(priced.acked.blocks ?? []).includes('Running now: 1 box, ≈ $0.76/h'));
    const unpriced = await run('list', depsWith(slow));
    assert.ok(!JSON.stringify(unpriced.acked.blocks).includes('$'));
    assert.ok(unpriced.ms < PRICE_WAIT_IN_ACK_MS + 700, `acked after ${unpriced.ms} ms`);
  });

  it('says nothing about money without a price book', async () => {
    const { acked } = await run('up exp42 --gpu t4', depsWith(undefined));
    assert.ok(!JSON.stringify(acked.blocks).includes('$'));
  });
});

describe('/gpu cost and its chart', () => {
  const DM = 'D0OWNER';
  /** A platform error as @slack/web-api throws it. */
  const slackRefusal = (data: Record<string, unknown>): Error => Object.assign(new Error(`An API error occurred: ${String(data.error)}`), { code: 'slack_webapi_platform_error', data });

  /**
   * Runs `/gpu cost` for an asker whose only box is `boxes`; returns the ack, the uploads the listener
   * made and what it said afterwards through response_url.
   */
  async function costWith(boxes: Box[], upload: (args: unknown) => Promise<unknown> = () => Promise.resolve({ ok: true })): Promise<{ acked: Acked; uploads: unknown[]; opened: unknown[]; followUps: Acked[] }> {
    const now = T0 + 60 * 60_000;
    const costs = {
      report: () => {
        const report = buildCostReport({ boxes, jobs: [] }, () => PRICES, periodOf({ kind: 'days', days: 7 }, now), now);
        return Promise.resolve({ ok: true, value: { report, reads: 1 } });
      },
    } as unknown as CostReports;
    const uploads: unknown[] = [];
    const opened: unknown[] = [];
    const followUps: Acked[] = [];
    let acked: Acked | undefined;
    const args = {
      command: { text: 'cost', user_id: OWNER, channel_id: CHANNEL, team_id: 'T1', trigger_id: 'trigger-1' },
      ack: (body?: Acked) => {
        acked = body ?? {};
        return Promise.resolve();
      },
      respond: (body: Acked) => {
        followUps.push(body);
        return Promise.resolve();
      },
      client: {
        conversations: {
          open: (a: unknown) => {
            opened.push(a);
            return Promise.resolve({ ok: true, channel: { id: DM } });
          },
        },
        filesUploadV2: (a: unknown) => {
          uploads.push(a);
          return upload(a);
        },
      },
    };
    await handleGpuCommand(args as unknown as Parameters<typeof handleGpuCommand>[0], { ...depsWith(() => Promise.resolve(PRICES)), costs });
    assert.ok(acked !== undefined, 'acked');
    return { acked, uploads, opened, followUps };
  }

  it('uploads the chart of daily spend into the asker’s DM with the bot, and says so in the answer', async () => {
    const { acked, uploads, opened, followUps } = await costWith([makeBoxIn('ready')]);
    assert.match(textOf(acked.blocks ?? []), /Your spend the last 7 days: \*\$0\.\d\d\*/);
    assert.match(textOf(acked.blocks ?? []), /chart of daily spend is on its way to your DM/);
    assert.deepEqual(opened, [{ users: OWNER }]);
    assert.equal(uploads.length, 1);
    assert.equal((uploads[0] as { channel_id?: string }).channel_id, DM, 'never the channel, where everyone would see it');
    assert.deepEqual(followUps, []);
  });

  it('uploads no chart of zeros when nothing was spent', async () => {
    const { acked, uploads } = await costWith([]);
    assert.match(textOf(acked.blocks ?? []), /No box or training job cost anything/);
    assert.doesNotMatch(textOf(acked.blocks ?? []), /chart/);
    assert.equal(uploads.length, 0);
  });

  it('a missing scope is said to the asker with the scope and where to add it', async () => {
    const { followUps } = await costWith([makeBoxIn('ready')], () => Promise.reject(slackRefusal({ ok: false, error: 'missing_scope', needed: 'files:write', provided: 'commands,chat:write' })));
    assert.equal(followUps.length, 1);
    const said = textOf(followUps[0]?.blocks ?? []);
    assert.match(said, /could not be sent/);
    assert.match(said, /`files:write` scope/);
    assert.match(said, /manifest\.yml/);
  });

  it('any other refusal is said too, with Slack’s code', async () => {
    const { followUps } = await costWith([makeBoxIn('ready')], () => Promise.reject(slackRefusal({ ok: false, error: 'file_uploads_disabled' })));
    assert.match(textOf(followUps[0]?.blocks ?? []), /`file_uploads_disabled`/);
  });
});
