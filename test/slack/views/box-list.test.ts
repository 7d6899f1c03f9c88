import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { boxList } from '../../../src/slack/views/box-list.js';
import {
  ALL_STATUSES,
  HOSTILE,
  MIN,
  OWNER,
  PROJECT,
  T0,
  assertBlockKit,
  assertNoRawMarkup,
  buttonsIn,
  makeBox,
  makeBoxIn,
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

  it('stays within limits and escapes hostile boxes in every status', () => {
    const boxes = ALL_STATUSES.map((status, i) =>
      makeBoxIn(status, { id: `b${i}`, name: HOSTILE, owner: '<!channel>', spec: { region: HOSTILE, machineType: HOSTILE } }),
    );
    for (const all of [true, false]) {
      const m = boxList(boxes, { ...ctx, all });
      assertBlockKit('message', m);
      assertNoRawMarkup(m);
    }
  });
});
