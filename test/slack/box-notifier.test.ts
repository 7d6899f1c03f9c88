import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebClient } from '@slack/web-api';
import type { Box } from '../../src/domain/box.js';
import { boxCost } from '../../src/domain/cost.js';
import { formatUsd } from '../../src/domain/money.js';
import type { Notice, NoticeEvent } from '../../src/domain/notice.js';
import { hourlyPrice, type PriceTable } from '../../src/domain/prices.js';
import type { NoticeStore } from '../../src/app/ports.js';
import { createLogger } from '../../src/log.js';
import { SlackNotifier, type NotifierDeps } from '../../src/slack/box-notifier.js';
import { ManualClock } from '../support/clock.js';
import { CHANNEL, MIN, OWNER, PRICES, PROJECT, T0, makeBoxIn, textOf } from './views/fixtures.js';

interface Posted {
  method: 'postMessage' | 'update';
  channel: string;
  text: string;
  blocks: unknown[];
}

const unused = (): never => {
  throw new Error('not used by the notifier');
};

/** One box with a stale card (or none), one pending notice, and a Slack that records what it is sent. */
function setUp(box: Box, event: NoticeEvent | null, prices: NotifierDeps['prices']) {
  const posted: Posted[] = [];
  const warnings: string[] = [];
  let cardShown = false;
  const boxes: NotifierDeps['boxes'] = {
    transact: unused,
    tryCreateBox: unused,
    getBox: (id) => Promise.resolve(id === box.id ? box : null),
    liveBoxes: unused,
    liveBoxNamed: unused,
    boxesOwnedBy: unused,
    markCardShown: unused,
    staleCards: () => Promise.resolve(cardShown ? [] : [{ box, card: null }]),
    markCardsShown: (shown) => {
      cardShown = cardShown || shown.some((s) => s.boxId === box.id);
      return Promise.resolve();
    },
    rememberOrphan: unused,
    cardOf: () => Promise.resolve(cardShown ? { channel: CHANNEL, ts: '1.0' } : null),
    boxWithCard: (id) => Promise.resolve({ box: id === box.id ? box : null, card: cardShown ? { channel: CHANNEL, ts: '1.0' } : null }),
  };
  const pending: Notice[] =
    event === null
      ? []
      : [{ id: 'n1', boxId: box.id, owner: OWNER, channel: CHANNEL, event, to: 'thread', createdAt: T0, state: 'pending', attempts: 0, notBefore: 0 }];
  const notices: NoticeStore = {
    pending: () => Promise.resolve(pending.splice(0)),
    claim: () => Promise.resolve(true),
    markSent: () => Promise.resolve(),
    claimMany: (ids) => Promise.resolve(new Map(ids.map((id) => [id, { claimedBefore: null }]))),
    settle: (outcomes) => {
      const failed = outcomes.find((o) => o.kind !== 'sent');
      return failed === undefined ? Promise.resolve() : Promise.reject(new Error(`a notice was not sent: ${JSON.stringify(failed)}`));
    },
    markFailed: (_id, error) => Promise.reject(new Error(`a notice failed: ${error}`)),
    defer: unused,
    fanOut: unused,
    sentCopies: unused,
    sentJobCopies: unused,
  };
  const record = (method: Posted['method']) => (args: { channel: string; text: string; blocks: unknown[] }) => {
    posted.push({ method, channel: args.channel, text: args.text, blocks: args.blocks });
    return Promise.resolve({ ok: true, channel: args.channel, ts: `${posted.length}.0` });
  };
  // Only chat.postMessage and chat.update are called; the rest of the Web API client is not needed here.
  const client = { chat: { postMessage: record('postMessage'), update: record('update') } } as unknown as WebClient;
  const log = createLogger({ level: 'warning', write: (line) => warnings.push(line) });
  const notifier = new SlackNotifier({
    client,
    boxes,
    notices,
    clock: new ManualClock(T0 + 11 * MIN),
    log,
    project: PROJECT,
    admins: new Set(),
    adminChannel: null,
    holder: 'test',
    claims: { claim: () => Promise.resolve({ state: 'mine', since: null }), recordPosted: () => Promise.resolve() },
    ...(prices !== undefined ? { prices } : {}),
  });
  return { notifier, posted, warnings };
}

describe('SlackNotifier with prices', () => {
  const now = T0 + 11 * MIN;

  it('draws the card with the box’s region’s prices, and says the stop’s cost in the thread', async () => {
    const box = makeBoxIn('stopped');
    const asked: string[] = [];
    const { notifier, posted } = setUp(box, { type: 'box-stopped', cause: 'request' }, (region) => {
      asked.push(region);
      return Promise.resolve(PRICES);
    });
    await notifier.deliver();
    const card = posted.find((p) => p.method === 'postMessage' && textOf(p.blocks).includes('*Price*'));
    assert.ok(card !== undefined, 'the card shows a price');
    assert.ok(textOf(card.blocks).includes('Stopped: disk only, $20.00/month'));
    await notifier.deliver();
    const notice = posted.find((p) => p.text.includes('Stopped.'));
    assert.ok(notice !== undefined, 'the stop notice was sent');
    const cost = formatUsd(boxCost(box, PRICES, now).total);
    assert.ok(textOf(notice.blocks).includes(`Cost so far: ${cost} · stopping saves ≈ ${formatUsd(hourlyPrice(box.spec, PRICES).vmPerHour)}/h`), textOf(notice.blocks));
    assert.deepEqual([...new Set(asked)], ['us-central1']);
  });

  it('still delivers, without money, when the price look-up fails', async () => {
    const { notifier, posted, warnings } = setUp(makeBoxIn('stopped'), { type: 'box-stopped', cause: 'request' }, () =>
      Promise.reject(new Error('catalogue down')),
    );
    await notifier.deliver();
    await notifier.deliver();
    assert.equal(posted.length, 2, 'the card and the notice');
    assert.ok(posted.every((p) => !JSON.stringify(p.blocks).includes('$')));
    assert.ok(warnings.some((w) => w.includes('could not look up prices')));
  });

  it('shows no money when it has no price book', async () => {
    const { notifier, posted } = setUp(makeBoxIn('stopped'), { type: 'box-stopped', cause: 'request' }, undefined);
    await notifier.deliver();
    await notifier.deliver();
    assert.equal(posted.length, 2);
    assert.ok(posted.every((p) => !JSON.stringify(p.blocks).includes('$')));
  });

  it('asks for the region of the box it is drawing', async () => {
    const box = makeBoxIn('ready', { spec: { region: 'europe-west4' }, zone: 'europe-west4-a' });
    const asked: string[] = [];
    const europe: PriceTable = { ...PRICES, region: 'europe-west4' };
    const { notifier } = setUp(box, null, (region) => {
      asked.push(region);
      return Promise.resolve(europe);
    });
    await notifier.deliver();
    assert.deepEqual(asked, ['europe-west4']);
  });
});
