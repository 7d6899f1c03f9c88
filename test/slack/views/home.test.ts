import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BoxStatus } from '../../../src/domain/box.js';
import { boxCost } from '../../../src/domain/cost.js';
import { formatUsd } from '../../../src/domain/money.js';
import { homeView } from '../../../src/slack/views/home.js';
import { ALL_STATUSES, HOSTILE, OWNER, PRICES, PROJECT, T0, assertBlockKit, assertNoRawMarkup, buttonsIn, makeBox, makeBoxIn, textOf } from './fixtures.js';

const ctx = { now: T0 + 60 * 60_000, project: PROJECT, viewer: OWNER };

describe('homeView', () => {
  it('is a Home tab listing the viewer’s boxes with the card’s buttons and a how-to', () => {
    const view = homeView([makeBox(), makeBoxIn('stopped', { id: 'b2', name: 'exp43' })], ctx);
    assert.equal(view.type, 'home');
    assertBlockKit('home', view);
    const text = textOf(view.blocks);
    assert.ok(text.includes('Your GPU boxes'));
    assert.ok(text.includes('*exp42*') && text.includes('*exp43*'));
    assert.ok(text.includes('How to'));
    assert.deepEqual(
      buttonsIn(view.blocks).map((b) => `${b.action_id}:${b.value}`),
      ['box_open:bx7k2m9q', 'box_connect:bx7k2m9q', 'box_stop:bx7k2m9q', 'box_delete:bx7k2m9q', 'box_start:b2', 'box_delete:b2'],
    );
    assert.ok(buttonsIn(view.blocks).filter((b) => b.action_id === 'box_delete').every((b) => b.confirm !== undefined));
  });

  it('shows only the viewer’s own boxes', () => {
    const view = homeView([makeBox(), makeBox({ id: 'b9', name: 'not-mine', owner: 'U0999ZZZZ' })], ctx);
    assert.ok(!textOf(view.blocks).includes('not-mine'));
  });

  it('says how to make a box when there is none', () => {
    const view = homeView([], ctx);
    assert.ok(textOf(view.blocks).includes('`/gpu up exp42 --gpu t4`'));
    assertBlockKit('home', view);
  });

  it('keeps 200 boxes within 100 blocks and says how many more there are', () => {
    const boxes = Array.from({ length: 200 }, (_, i) =>
      makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `b${i}`, name: `exp-${i}` }),
    );
    const view = homeView(boxes, ctx);
    assertBlockKit('home', view, 'home(200)');
    assert.ok(view.blocks.length <= 100);
    const shown = view.blocks.filter((b) => b.type === 'section' && textOf([b]).startsWith('*exp-')).length;
    assert.ok(textOf(view.blocks).includes(`and ${200 - shown} more`));
    assert.ok(textOf(view.blocks).includes('How to'), 'the how-to survives a long list');
  });

  it('with prices, says what the viewer’s running boxes cost per hour and what each has cost so far', () => {
    const box = makeBox();
    const view = homeView([box, makeBox({ id: 'b9', name: 'not-mine', owner: 'U0999ZZZZ' })], { ...ctx, prices: () => PRICES });
    const text = textOf(view.blocks);
    assert.ok(text.includes('Running now: 1 box, ≈ $0.76/h'), text);
    assert.ok(text.includes(`${formatUsd(boxCost(box, PRICES, ctx.now).total)} so far`), text);
    assertBlockKit('home', view);
  });

  it('keeps 200 priced boxes within 100 blocks, how-to included', () => {
    const boxes = Array.from({ length: 200 }, (_, i) => makeBoxIn(ALL_STATUSES[i % ALL_STATUSES.length] as BoxStatus, { id: `b${i}`, name: `exp-${i}` }));
    const view = homeView(boxes, { ...ctx, prices: () => PRICES });
    assertBlockKit('home', view, 'home(200) with prices');
    assert.ok(textOf(view.blocks).includes('How to'));
  });

  it('escapes hostile boxes in every status', () => {
    const view = homeView(ALL_STATUSES.map((s, i) => makeBoxIn(s, { id: `b${i}`, name: HOSTILE })), ctx);
    assertBlockKit('home', view);
    assertNoRawMarkup(view);
  });
});
