import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { boxCost } from '../../../src/domain/cost.js';
import { formatUsd } from '../../../src/domain/money.js';
import { BUNDLED_AS_OF, hourlyPrice } from '../../../src/domain/prices.js';
import { boxList } from '../../../src/slack/views/box-list.js';
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

const ctx = { now: T0 + 3 * 60 * MIN, project: PROJECT, all: false, viewer: OWNER };

function manyBoxes(n: number) {
  return Array.from({ length: n }, (_, i) =>
    makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `bx${i}`, name: `exp-${i}`, owner: i % 2 === 0 ? OWNER : 'U0999ZZZZ' }),
  );
}

describe('boxList', () => {
  it('says how to create a box when there is none', () => {
    const m = boxList([], ctx);
    assert.ok(textOf(m.blocks).includes('`/gpu up exp42 --gpu t4`'));
    assert.ok(m.text.includes('You have no GPU boxes'));
    assertBlockKit('message', m);
  });

  it('shows each box with its status, GPU, zone and age', () => {
    const m = boxList([makeBox()], ctx);
    const text = textOf(m.blocks);
    for (const part of ['*exp42*', 'Ready', 'NVIDIA T4 × 1', 'us-central1-a', 'created 3h ago', 'ready for 2h 54m']) {
      assert.ok(text.includes(part), `missing ${part} in ${text}`);
    }
    assert.ok(!text.includes(`<@${OWNER}>`), 'owner only with --all');
  });

  it('shows whose each box is with --all', () => {
    const other = makeBox({ id: 'b2', name: 'theirs', owner: 'U0999ZZZZ' });
    const text = textOf(boxList([makeBox(), other], { ...ctx, all: true }).blocks);
    assert.ok(text.includes('<@U0999ZZZZ>'));
    assert.ok(text.includes('yours'));
  });

  it('offers Connect and Stop for a ready box, Start for a stopped one, and leaves Delete to the card', () => {
    const ready = buttonsIn(boxList([makeBox()], ctx).blocks).map((b) => b.action_id);
    assert.deepEqual(ready, ['box_open', 'box_connect', 'box_stop']);
    const stopped = buttonsIn(boxList([makeBoxIn('stopped')], ctx).blocks).map((b) => b.action_id);
    assert.deepEqual(stopped, ['box_start']);
    assert.deepEqual(buttonsIn(boxList([makeBoxIn('creating')], ctx).blocks), []);
  });

  it('keeps 200 boxes within 50 blocks and says how many more there are', () => {
    const boxes = manyBoxes(200);
    const m = boxList(boxes, { ...ctx, all: true });
    assertBlockKit('message', m, 'boxList(200)');
    assert.ok(m.blocks.length <= 50);
    const shown = m.blocks.filter((b) => b.type === 'section' && textOf([b]).startsWith('*exp-')).length;
    assert.ok(shown > 10, `only ${shown} shown`);
    assert.ok(textOf(m.blocks).includes(`and ${200 - shown} more`));
  });

  it('shows every box when they fit, without an "and more" line', () => {
    const m = boxList(manyBoxes(10), ctx);
    assert.ok(!textOf(m.blocks).includes('more.'));
    assert.equal(m.blocks.filter((b) => b.type === 'section' && textOf([b]).startsWith('*exp-')).length, 10);
  });

  describe('with prices', () => {
    const priced = { ...ctx, prices: (region: string) => (region === 'us-central1' ? PRICES : undefined) };
    const entry = (m: ReturnType<typeof boxList>, name: string) => textOf(m.blocks.filter((b) => b.type === 'section' && textOf([b]).startsWith(`*${name}*`)));

    it('starts with what the running boxes cost per hour together, and what stopped disks add', () => {
      const boxes = [makeBox(), makeBox({ id: 'b2', name: 'exp43', spec: { gpuCount: 2 } }), makeBoxIn('stopped', { id: 'b3', name: 'exp44' })];
      const m = boxList(boxes, priced);
      const burn = hourlyPrice(makeBox().spec, PRICES).running + hourlyPrice({ ...makeBox().spec, gpuCount: 2 }, PRICES).running;
      const title = textOf([m.blocks[0]]);
      assert.ok(title.includes(`Running now: 2 boxes, ≈ ${formatUsd(burn)}/h`), title);
      assert.ok(title.includes(`1 stopped (disk only, ${formatUsd(hourlyPrice(makeBox().spec, PRICES).diskPerHour)}/h)`), title);
      assert.ok(title.includes(`list price, prices as of ${BUNDLED_AS_OF}`), title);
      assert.equal(occurrences(textOf(m.blocks), 'list price,'), 1);
      assert.equal(occurrences(textOf(m.blocks), 'prices as of'), 1);
    });

    it('says what each box has cost so far, and what a running one costs per hour', () => {
      const ready = makeBox();
      const stopped = makeBoxIn('stopped', { id: 'b2', name: 'exp43' });
      const deleted = makeBoxIn('deleted', { id: 'b3', name: 'exp44' });
      const m = boxList([ready, stopped, deleted], priced);
      assert.ok(entry(m, 'exp42').includes(`≈ ${formatUsd(hourlyPrice(ready.spec, PRICES).running)}/h, ${formatUsd(boxCost(ready, PRICES, ctx.now).total)} so far`), entry(m, 'exp42'));
      assert.ok(entry(m, 'exp43').includes(`disk $20.00/month, ${formatUsd(boxCost(stopped, PRICES, ctx.now).total)} so far`), entry(m, 'exp43'));
      assert.ok(entry(m, 'exp44').includes(`${formatUsd(boxCost(deleted, PRICES, ctx.now).total)} in all`), entry(m, 'exp44'));
      // By hand: ready since booting at +2 min, 2h 58m of VM at $0.73/h, plus 2h 59m of disk at $0.0269/h.
      assert.ok(entry(m, 'exp42').includes('$2.25 so far'), entry(m, 'exp42'));
    });

    it('says when no box is running', () => {
      const m = boxList([makeBoxIn('stopped')], priced);
      assert.ok(textOf([m.blocks[0]]).includes('Running now: none'));
    });

    it('leaves out boxes whose region has no prices, and says they are not counted', () => {
      const far = makeBox({ id: 'b2', name: 'far', spec: { region: 'asia-east1' }, zone: 'asia-east1-a' });
      const m = boxList([makeBox(), far], priced);
      assert.ok(textOf([m.blocks[0]]).includes('Running now: 1 box, ≈ $0.76/h · 1 box without a price not counted'), textOf([m.blocks[0]]));
      assert.ok(!entry(m, 'far').includes('$'), entry(m, 'far'));
    });

    it('shows no money at all when no region has prices', () => {
      const m = boxList([makeBox()], { ...ctx, prices: () => undefined });
      assert.ok(!JSON.stringify(m).includes('$'));
    });

    it('keeps 200 priced boxes within 50 blocks', () => {
      const m = boxList(manyBoxes(200), { ...priced, all: true });
      assertBlockKit('message', m, 'boxList(200) with prices');
      assert.ok(textOf([m.blocks[0]]).includes('Running now: '));
    });
  });

  it('stays within limits and escapes hostile boxes in every status', () => {
    const boxes = ALL_STATUSES.map((status, i) =>
      makeBoxIn(status, { id: `b${i}`, name: HOSTILE, owner: '<!channel>', spec: { region: HOSTILE, machineType: HOSTILE } }),
    );
    const hostilePrices = { ...PRICES, region: HOSTILE, source: { kind: 'bundled' as const, asOf: HOSTILE, note: HOSTILE } };
    for (const all of [true, false]) {
      for (const m of [boxList(boxes, { ...ctx, all }), boxList(boxes, { ...ctx, all, prices: () => hostilePrices })]) {
        assertBlockKit('message', m);
        assertNoRawMarkup(m);
      }
    }
  });
});
