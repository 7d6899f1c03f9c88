import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxCommands } from '../../../src/app/box-commands.js';
import type { Box } from '../../../src/domain/box.js';
import type { PriceTable } from '../../../src/domain/prices.js';
import { createLogger } from '../../../src/log.js';
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
