import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boxCost } from '../../../src/domain/cost.js';
import { formatUsd } from '../../../src/domain/money.js';
import type { NoticeAudience, NoticeEvent } from '../../../src/domain/notice.js';
import { BUNDLED_AS_OF, hourlyPrice } from '../../../src/domain/prices.js';
import { noticeMessage } from '../../../src/slack/views/notices.js';
import {
  CHANNEL,
  HOSTILE,
  MIN,
  PRICES,
  PROJECT,
  T0,
  assertBlockKit,
  assertNoRawMarkup,
  buttonsIn,
  makeBox,
  makeBoxIn,
  occurrences,
  textOf,
} from './fixtures.js';

const ctx = (audience: NoticeAudience) => ({ now: T0, project: PROJECT, audience });
const URL = 'https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab';

const EVERY_EVENT: NoticeEvent[] = [
  { type: 'box-zone-retry', zone: 'us-central1-a', nextZone: 'us-central1-b', reason: 'no capacity for this GPU right now' },
  { type: 'box-ready', url: URL },
  { type: 'box-ready', url: null },
  { type: 'box-failed', code: 'STOCKOUT', message: 'us-central1-a has no capacity to start this box right now.', hint: 'Press Start again later; the disk and its files are kept.' },
  { type: 'box-stopped', cause: 'request' },
  { type: 'box-stopped', cause: 'outside' },
  { type: 'box-stopped', cause: 'preempted' },
  { type: 'box-started' },
  { type: 'box-deleted', cause: 'request' },
  { type: 'box-deleted', cause: 'outside' },
  { type: 'orphan-found', instance: { id: '123', name: 'old-exp', zone: 'us-central1-f', owner: 'u0123abcd', status: 'RUNNING' } },
];

describe('noticeMessage', () => {
  it('says which zone had no capacity and which is next', () => {
    const m = noticeMessage(EVERY_EVENT[0] as NoticeEvent, makeBoxIn('requested'), ctx('thread'));
    assert.equal(textOf(m.blocks), ':arrows_counterclockwise: us-central1-a has no NVIDIA T4 capacity right now; trying us-central1-b.');
  });

  it('uses the reason when the box is gone', () => {
    const m = noticeMessage(EVERY_EVENT[0] as NoticeEvent, null, ctx('thread'));
    assert.ok(textOf(m.blocks).includes('us-central1-a: no capacity for this GPU right now; trying us-central1-b.'));
  });

  it('gives the Jupyter link in the owner\'s DM only, naming the box and its channel there', () => {
    const thread = noticeMessage({ type: 'box-ready', url: URL }, makeBox(), ctx('thread'));
    assert.ok(!JSON.stringify(thread).includes(URL), JSON.stringify(thread));
    assert.ok(textOf(thread.blocks).includes('has the link in a DM'));
    assert.equal(buttonsIn(thread.blocks).length, 0);

    const dm = noticeMessage({ type: 'box-ready', url: URL }, makeBox(), ctx('dm'));
    const text = textOf(dm.blocks);
    assert.ok(text.startsWith(':large_green_circle: *exp42*: Jupyter is ready'), text);
    assert.ok(text.includes(`Its thread is in <#${CHANNEL}>.`));
    assert.ok(dm.text.startsWith('exp42: '));
    assert.deepEqual(
      buttonsIn(dm.blocks).map((b) => b.action_id),
      ['box_open', 'box_connect'],
    );
  });

  it('points to Connect when ready without a link', () => {
    const m = noticeMessage({ type: 'box-ready', url: null }, makeBox({ jupyterUrl: null }), ctx('thread'));
    assert.ok(textOf(m.blocks).includes('press Connect for the tunnel command'));
  });

  it('says what failed and what to do', () => {
    const m = noticeMessage(EVERY_EVENT[3] as NoticeEvent, makeBoxIn('failed'), ctx('thread'));
    const text = textOf(m.blocks);
    assert.ok(text.includes('us-central1-a has no capacity to start this box right now.'));
    assert.ok(text.includes('*What to do:* Press Start again later; the disk and its files are kept.'));
    assert.ok(text.includes('`STOCKOUT`'));
  });

  it('says why a box stopped', () => {
    const box = makeBoxIn('stopped');
    const said = (cause: 'request' | 'outside' | 'preempted') => textOf(noticeMessage({ type: 'box-stopped', cause }, box, ctx('thread')).blocks);
    assert.ok(said('request').includes('Stopped. The disk and its files are kept'));
    assert.ok(said('outside').includes('Stopped outside gpubot (console or gcloud)'));
    assert.ok(said('preempted').includes('Preempted by Google Cloud (Spot)'));
  });

  it('offers Start again after a preemption, and only then', () => {
    const box = makeBoxIn('stopped');
    const preempted = buttonsIn(noticeMessage({ type: 'box-stopped', cause: 'preempted' }, box, ctx('dm')).blocks);
    assert.deepEqual(
      preempted.map((b) => [b.action_id, b.text?.text, b.value]),
      [['box_start', 'Start again', 'bx7k2m9q']],
    );
    assert.equal(buttonsIn(noticeMessage({ type: 'box-stopped', cause: 'request' }, box, ctx('dm')).blocks).length, 0);
    // A box deleted since then has nothing to start.
    assert.equal(buttonsIn(noticeMessage({ type: 'box-stopped', cause: 'preempted' }, makeBoxIn('deleted'), ctx('dm')).blocks).length, 0);
  });

  it('says who deleted a box', () => {
    const box = makeBoxIn('deleted');
    assert.ok(textOf(noticeMessage({ type: 'box-deleted', cause: 'request' }, box, ctx('thread')).blocks).includes('Deleted, together with its disk.'));
    assert.ok(textOf(noticeMessage({ type: 'box-deleted', cause: 'outside' }, box, ctx('dm')).blocks).includes('Deleted outside gpubot (console or gcloud)'));
  });

  it('tells admins about an orphan VM, leaves it alone and links to the console', () => {
    const m = noticeMessage(EVERY_EVENT[10] as NoticeEvent, null, ctx('admins'));
    const text = textOf(m.blocks);
    for (const part of ['old-exp', 'us-central1-f', '<@U0123ABCD>', '`u0123abcd`', 'RUNNING', 'gpubot will not touch it; delete it in the console if nobody needs it']) {
      assert.ok(text.includes(part), `missing ${part}`);
    }
    assert.ok(
      text.includes(`<https://console.cloud.google.com/compute/instancesDetail/zones/us-central1-f/instances/old-exp?project=${PROJECT}|`),
      text,
    );
  });

  it("links an orphan found in a team's project to that project", () => {
    const event: NoticeEvent = { type: 'orphan-found', instance: { id: '123', name: 'old-exp', zone: 'us-central1-f', owner: null, status: 'RUNNING', project: 'vision-lab' } };
    assert.ok(textOf(noticeMessage(event, null, ctx('admins')).blocks).includes('/instances/old-exp?project=vision-lab|'));
  });

  it('names the box in a DM but not in its thread', () => {
    const event: NoticeEvent = { type: 'box-started' };
    assert.ok(!textOf(noticeMessage(event, makeBox(), ctx('thread')).blocks).includes('*exp42*'));
    assert.ok(textOf(noticeMessage(event, makeBox(), ctx('dm')).blocks).includes('*exp42*: '));
  });

  for (const audience of ['thread', 'dm', 'admins'] as const) {
    for (const event of EVERY_EVENT) {
      it(`${event.type} ${'cause' in event ? event.cause : ''} to ${audience} stays within limits, with or without its box`, () => {
        for (const box of [makeBox(), makeBoxIn('stopped'), null]) {
          const m = noticeMessage(event, box, ctx(audience));
          assertBlockKit('message', m, `${event.type} to ${audience}`);
          assert.ok(m.text.length > 0);
        }
      });
    }
  }

  describe('with prices', () => {
    // The stop below was seen at T0 + 10 min; the notice goes out a minute later.
    const now = T0 + 11 * MIN;
    const priced = (audience: NoticeAudience) => ({ ...ctx(audience), now, prices: PRICES });

    it('says what a stopped box has cost so far and what stopping saves per hour', () => {
      const box = makeBoxIn('stopped');
      const m = noticeMessage({ type: 'box-stopped', cause: 'request' }, box, priced('thread'));
      const text = textOf(m.blocks);
      const cost = boxCost(box, PRICES, now);
      const saves = hourlyPrice(box.spec, PRICES).vmPerHour;
      assert.ok(text.includes(`Cost so far: ${formatUsd(cost.total)}`), text);
      assert.ok(text.includes(`stopping saves ≈ ${formatUsd(saves)}/h; the disk stays at $20.00/month`), text);
      // By hand: 8 min of VM (booting at +2, stopped at +10) at $0.73/h, and 10 min of disk at $0.0269/h.
      assert.ok(text.includes('Cost so far: $0.10 · stopping saves ≈ $0.73/h'), text);
      assert.ok(m.text.includes(`Cost so far: ${formatUsd(cost.total)}`), 'the notification says it too');
    });

    it('says it for every cause of a stop', () => {
      for (const cause of ['request', 'outside', 'preempted'] as const) {
        assert.ok(textOf(noticeMessage({ type: 'box-stopped', cause }, makeBoxIn('stopped'), priced('dm')).blocks).includes('stopping saves'), cause);
      }
    });

    it('says what a deleted box cost in all', () => {
      const box = makeBoxIn('deleted');
      const text = textOf(noticeMessage({ type: 'box-deleted', cause: 'request' }, box, priced('dm')).blocks);
      assert.ok(text.includes(`Cost in all: ${formatUsd(boxCost(box, PRICES, now).total)}`), text);
      assert.ok(!text.includes('stopping saves'));
    });

    it('says once that the figures are list prices, with the bundled prices’ date', () => {
      const text = textOf(noticeMessage({ type: 'box-stopped', cause: 'request' }, makeBoxIn('stopped'), priced('thread')).blocks);
      assert.equal(occurrences(text, 'list price,'), 1, text);
      assert.ok(text.includes(`prices as of ${BUNDLED_AS_OF}`), text);
    });

    it('keeps money out of notices that are not about it, and out of any without the box or its prices', () => {
      for (const event of EVERY_EVENT.filter((e) => e.type !== 'box-stopped' && e.type !== 'box-deleted')) {
        assert.ok(!JSON.stringify(noticeMessage(event, makeBox(), priced('thread'))).includes('list price'), event.type);
      }
      assert.ok(!JSON.stringify(noticeMessage({ type: 'box-stopped', cause: 'request' }, null, priced('thread'))).includes('$'));
      assert.ok(!JSON.stringify(noticeMessage({ type: 'box-stopped', cause: 'request' }, makeBoxIn('stopped'), ctx('thread'))).includes('$'));
    });

    it('stays within limits and escapes hostile prices and boxes', () => {
      const box = makeBoxIn('stopped', { name: HOSTILE, spec: { machineType: HOSTILE, region: HOSTILE } });
      const hostilePrices = { ...PRICES, region: HOSTILE, source: { kind: 'bundled' as const, asOf: HOSTILE, note: HOSTILE } };
      for (const audience of ['thread', 'dm', 'admins'] as const) {
        for (const event of EVERY_EVENT) {
          for (const m of [noticeMessage(event, box, { ...ctx(audience), prices: hostilePrices }), noticeMessage(event, makeBoxIn('stopped'), priced(audience))]) {
            assertBlockKit('message', m, `${event.type} to ${audience} with prices`);
            assertNoRawMarkup(m, `${event.type} to ${audience} with prices`);
          }
        }
      }
    });
  });

  it('escapes hostile names, messages and instance fields', () => {
    const box = makeBox({ name: HOSTILE, channel: '<!channel>', jupyterUrl: null });
    const hostileEvents: NoticeEvent[] = [
      { type: 'box-zone-retry', zone: HOSTILE, nextZone: HOSTILE, reason: HOSTILE },
      { type: 'box-ready', url: `https://x.example/${HOSTILE}` },
      { type: 'box-failed', code: HOSTILE, message: HOSTILE, hint: HOSTILE },
      { type: 'box-stopped', cause: 'preempted' },
      { type: 'orphan-found', instance: { id: HOSTILE, name: HOSTILE, zone: HOSTILE, owner: HOSTILE, status: HOSTILE } },
    ];
    for (const audience of ['thread', 'dm', 'admins'] as const) {
      for (const event of hostileEvents) {
        for (const b of [box, null]) {
          const m = noticeMessage(event, b, ctx(audience));
          assertBlockKit('message', m, `hostile ${event.type}`);
          assertNoRawMarkup(m, `hostile ${event.type}`);
        }
      }
    }
  });
});
