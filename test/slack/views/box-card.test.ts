import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { boxCost } from '../../../src/domain/cost.js';
import { formatUsd } from '../../../src/domain/money.js';
import { BUNDLED_AS_OF, hourlyPrice } from '../../../src/domain/prices.js';
import { ACTIONS, boxCard } from '../../../src/slack/views/box-card.js';
import {
  ALL_STATUSES,
  HOSTILE,
  MIN,
  OWNER,
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

const ctx = { now: T0 + 22 * MIN, project: PROJECT };

describe('boxCard', () => {
  it('shows the name in bold, the GPU, machine, zone, Spot, disk and owner', () => {
    const card = boxCard(makeBox({ spec: { gpuCount: 2, spot: true, diskGb: 300 } }), ctx);
    const text = textOf(card.blocks);
    assert.match(text, /^\*exp42\*$/m);
    assert.ok(text.includes('NVIDIA T4 × 2'));
    assert.ok(text.includes('n1-standard-8'));
    assert.ok(text.includes('*Zone*\nus-central1-a'));
    assert.ok(text.includes('*Spot*\nYes'));
    assert.ok(text.includes('300 GB'));
    assert.ok(text.includes(`<@${OWNER}>`));
  });

  it('shows the region while no zone is chosen', () => {
    const text = textOf(boxCard(makeBoxIn('requested'), ctx).blocks);
    assert.ok(text.includes('*Region*\nus-central1 (zone not chosen yet)'));
  });

  const statusLines: [BoxStatus, string][] = [
    ['requested', 'Queued'],
    ['creating', 'Creating in zone us-central1-a'],
    ['booting', 'Booting: installing the driver and starting Jupyter'],
    ['ready', `Ready: <@${OWNER}> has the Jupyter link in a DM, and Connect gives it again`],
    ['stopping', 'Stopping'],
    ['stopped', 'Stopped: the disk and files are kept; only the disk is billed'],
    ['starting', 'Starting'],
    ['deleting', 'Deleting'],
    ['deleted', 'Deleted'],
    ['failed', "Failed: The project is out of quota `NVIDIA_T4_GPUS` in us-central1: Quota 'NVIDIA_T4_GPUS' exceeded."],
  ];
  for (const [status, line] of statusLines) {
    it(`says "${line.slice(0, 40)}" when ${status}`, () => {
      assert.ok(textOf(boxCard(makeBoxIn(status), ctx).blocks).includes(line));
    });
  }

  it('says what to do when failed', () => {
    const text = textOf(boxCard(makeBoxIn('failed'), ctx).blocks);
    assert.ok(text.includes('*What to do:* Ask your admin to raise `NVIDIA_T4_GPUS` for us-central1'));
  });

  it('says which zones had no capacity while creating', () => {
    const box = makeBoxIn('creating', {
      zone: 'us-central1-c',
      zonesTried: [
        { zone: 'us-central1-a', outcome: 'stockout', message: 'no', at: T0 },
        { zone: 'us-central1-b', outcome: 'stockout', message: 'no', at: T0 + MIN },
      ],
    });
    const text = textOf(boxCard(box, ctx).blocks);
    assert.ok(text.includes('Creating in zone us-central1-c (no capacity in us-central1-a and us-central1-b)'));
  });

  it('points to Connect when a ready box has no Jupyter link', () => {
    const card = boxCard(makeBoxIn('ready', { jupyterUrl: null }), ctx);
    assert.ok(textOf(card.blocks).includes('Ready: use Connect for the tunnel command'));
    assert.ok(!buttonsIn(card.blocks).some((b) => b.action_id === 'box_open'));
  });

  it('says a preempted box was preempted', () => {
    const box = makeBoxIn('stopped', { history: [...makeBox().history, { status: 'stopped', at: T0 + 9 * MIN, note: 'preempted' }] });
    assert.ok(textOf(boxCard(box, ctx).blocks).includes('Stopped (preempted by Google Cloud: Spot)'));
  });

  const expected: Record<BoxStatus, string[]> = {
    'awaiting-approval': ['box_delete'],
    requested: ['box_delete'],
    creating: ['box_delete'],
    booting: ['box_delete'],
    // No Open JupyterLab on a card in the channel: the link is the owner's, in their DM.
    ready: ['box_connect', 'box_stop', 'box_delete', 'box_train'],
    stopping: ['box_delete'],
    stopped: ['box_start', 'box_delete'],
    starting: ['box_delete'],
    deleting: [],
    deleted: [],
    failed: [],
  };
  for (const status of ALL_STATUSES) {
    it(`offers ${expected[status].join(', ') || 'no buttons'} when ${status}`, () => {
      const card = boxCard(makeBoxIn(status), ctx);
      const buttons = buttonsIn(card.blocks);
      assert.deepEqual(
        buttons.map((b) => b.action_id),
        expected[status],
      );
      for (const b of buttons) assert.equal(b.value, 'bx7k2m9q');
      if (buttons.length === 0) assert.ok(!card.blocks.some((b) => b.type === 'actions'));
    });
  }

  it('exports the action ids', () => {
    assert.deepEqual(ACTIONS, { stop: 'box_stop', start: 'box_start', delete: 'box_delete', connect: 'box_connect' });
  });

  it('never shows the Jupyter link on a card in the channel, only on one in the owner\'s DM', () => {
    const inChannel = boxCard(makeBox(), ctx);
    assert.ok(!JSON.stringify(inChannel).includes('notebooks.googleusercontent.com'), JSON.stringify(inChannel));
    const inDm = boxCard(makeBox(), { ...ctx, shownInDm: true });
    assert.ok(textOf(inDm.blocks).includes('Ready: <https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab|open JupyterLab>'));
  });

  it('opens JupyterLab with a link button in the owner\'s DM, Start is primary and Stop is plain', () => {
    const ready = buttonsIn(boxCard(makeBox(), { ...ctx, shownInDm: true }).blocks);
    const open = ready.find((b) => b.action_id === 'box_open');
    assert.equal(open?.url, 'https://abc123-dot-us-central1.notebooks.googleusercontent.com/lab');
    assert.equal(ready.find((b) => b.action_id === 'box_stop')?.style, undefined);
    const start = buttonsIn(boxCard(makeBoxIn('stopped'), ctx).blocks).find((b) => b.action_id === 'box_start');
    assert.equal(start?.style, 'primary');
  });

  it('asks before Delete, saying the disk goes too', () => {
    const del = buttonsIn(boxCard(makeBox(), ctx).blocks).find((b) => b.action_id === 'box_delete');
    assert.equal(del?.style, 'danger');
    assert.equal(del?.confirm?.text.text, 'Delete exp42? Its disk and every file on it are deleted too.');
    assert.equal(del?.confirm?.confirm?.text, 'Delete');
    assert.equal(del?.confirm?.deny?.text, 'Keep it');
    assert.equal(del?.confirm?.style, 'danger');
  });

  it('says when it was requested in Slack date format, and how long it has been in its status', () => {
    const card = boxCard(makeBox(), ctx);
    const context = card.blocks.at(-1);
    assert.equal(context?.type, 'context');
    const text = textOf([context]);
    assert.ok(text.includes(`Requested <!date^${T0 / 1000}^{date_short_pretty} {time}|2026-07-14 09:30 UTC>`), text);
    assert.ok(text.includes('Ready for 16m'), text);
    assert.ok(
      text.includes(`<https://console.cloud.google.com/compute/instancesDetail/zones/us-central1-a/instances/exp42?project=${PROJECT}|Cloud console>`),
    );
  });

  it("links the Cloud console to the box's own project when it is a team's", () => {
    const text = textOf(boxCard(makeBox({ project: 'vision-lab' }), ctx).blocks);
    assert.ok(text.includes('/instances/exp42?project=vision-lab|Cloud console>'), text);
  });

  it('has a plain fallback text naming the box and its status', () => {
    assert.equal(boxCard(makeBox(), ctx).text, 'exp42: Ready (NVIDIA T4 × 1, us-central1-a)');
  });

  for (const status of ALL_STATUSES) {
    it(`stays within Block Kit limits and escapes hostile text when ${status}`, () => {
      const box = makeBoxIn(status, {
        name: HOSTILE,
        jupyterUrl: status === 'ready' ? 'javascript:alert(1)' : null,
        zonesTried: [{ zone: '<!channel>', outcome: 'stockout', message: HOSTILE, at: T0 }],
        spec: { machineType: HOSTILE },
        ...(status === 'failed' ? { failure: { code: 'X', message: HOSTILE, hint: HOSTILE } } : {}),
      });
      const card = boxCard(box, ctx);
      assertBlockKit('message', card, `boxCard(${status})`);
      assertNoRawMarkup(card, `boxCard(${status})`);
      assert.ok(!JSON.stringify(card).includes('javascript:'));
    });
  }

  describe('with prices', () => {
    const priced = { ...ctx, prices: PRICES };
    const fields = (card: ReturnType<typeof boxCard>) => {
      const first = card.blocks[0];
      return first?.type === 'section' ? (first.fields ?? []).map((f) => f.text) : [];
    };

    it('adds nothing about money without them', () => {
      const card = boxCard(makeBox(), ctx);
      assert.equal(fields(card).length, 6);
      assert.ok(!textOf(card.blocks).includes('list price'));
    });

    it('shows the hourly price of a running N1 + T4 box and its cost so far, as of when the card was drawn', () => {
      const box = makeBox();
      const card = boxCard(box, priced);
      const price = hourlyPrice(box.spec, PRICES);
      const cost = boxCost(box, PRICES, ctx.now);
      assert.ok(fields(card).includes(`*Price*\n≈ ${formatUsd(price.running)}/h while running\nstopped: disk only, ${formatUsd(price.stoppedPerMonth)}/month`), fields(card).join('|'));
      assert.ok(fields(card).includes(`*Cost so far*\n${formatUsd(cost.total)} as of <!date^${ctx.now / 1000}^{date_short_pretty} {time}|2026-07-14 09:52 UTC>`), fields(card).join('|'));
      // By hand: 20 min of VM at $0.73/h since booting, and the disk for 21 min since its insert.
      assert.equal(formatUsd(cost.total), '$0.25');
      assert.equal(formatUsd(price.running), '$0.76');
    });

    it('shows only the disk’s price for a stopped box', () => {
      const card = boxCard(makeBoxIn('stopped'), priced);
      const text = textOf(card.blocks);
      assert.ok(fields(card).includes('*Price*\nStopped: disk only, $20.00/month'), fields(card).join('|'));
      assert.ok(!text.includes('/h while running'));
      assert.ok(fields(card).some((f) => f.startsWith(`*Cost so far*\n${formatUsd(boxCost(makeBoxIn('stopped'), PRICES, ctx.now).total)} `)));
    });

    it('shows what a deleted box cost in all, and no price', () => {
      const box = makeBoxIn('deleted');
      const card = boxCard(box, priced);
      assert.ok(fields(card).includes(`*Cost*\n${formatUsd(boxCost(box, PRICES, ctx.now).total)} in all`), fields(card).join('|'));
      assert.ok(!fields(card).some((f) => f.startsWith('*Price*')));
    });

    it('says once, in the context line, that these are list prices and from when', () => {
      const card = boxCard(makeBox(), priced);
      const text = textOf(card.blocks);
      assert.equal(occurrences(text, 'list price,'), 1, text);
      const context = card.blocks.at(-1);
      assert.equal(context?.type, 'context');
      assert.ok(textOf([context]).includes(`list price, prices as of ${BUNDLED_AS_OF}`), textOf([context]));
    });

    for (const status of ALL_STATUSES) {
      it(`stays within Block Kit limits with prices when ${status}, hostile fields and all`, () => {
        const box = makeBoxIn(status, { name: HOSTILE, spec: { machineType: HOSTILE, region: HOSTILE } });
        const hostilePrices = { ...PRICES, region: HOSTILE, source: { kind: 'bundled' as const, asOf: HOSTILE, note: HOSTILE } };
        for (const card of [boxCard(box, { ...ctx, prices: hostilePrices, shownInDm: true }), boxCard(makeBoxIn(status), priced)]) {
          assertBlockKit('message', card, `boxCard(${status}) with prices`);
          assertNoRawMarkup(card, `boxCard(${status}) with prices`);
        }
      });
    }
  });

  it('ignores an owner that is not a Slack user id instead of forming markup from it', () => {
    const card = boxCard(makeBox({ owner: '<!channel>' }), ctx);
    assertNoRawMarkup(card);
  });
});
