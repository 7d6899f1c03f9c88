import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endWait, waitingApproval } from '../../../src/domain/box-approval.js';
import type { Box } from '../../../src/domain/box.js';
import type { NoticeEvent } from '../../../src/domain/notice.js';
import { APPROVAL_ACTIONS, alreadyDecidedText, approvalRequestMessage } from '../../../src/slack/views/approval.js';
import { ACTIONS, boxCard } from '../../../src/slack/views/box-card.js';
import { boxList } from '../../../src/slack/views/box-list.js';
import { noticeMessage } from '../../../src/slack/views/notices.js';
import { deletePrompt, requestedMessage } from '../../../src/slack/views/replies.js';
import { CHANNEL, HOSTILE, MIN, OWNER, PRICES, PROJECT, T0, assertBlockKit, assertNoRawMarkup, buttonsIn, makeBoxIn, textOf } from './fixtures.js';

const BUDGET = { scope: 'person' as const, month: '2026-07', spent: 15.2, budget: 10 };

function waiting(overrides: Partial<Box> = {}): Box {
  return makeBoxIn('awaiting-approval', {
    zone: null,
    history: [{ status: 'awaiting-approval', at: T0 }],
    createdAt: T0,
    approval: waitingApproval({ hits: [], budget: BUDGET }, T0),
    ...overrides,
  });
}

function decided(outcome: 'approved' | 'denied' | 'expired' | 'withdrawn', by: string | null): Box {
  const box = endWait(waiting(), outcome, by, T0 + 30 * MIN);
  assert.ok(box);
  return box;
}

describe('approvalRequestMessage', () => {
  it('tells the admins who asked for what, how far past which budget, the price, with Approve and Deny', () => {
    const m = approvalRequestMessage(waiting(), { now: T0, prices: PRICES });
    const text = textOf(m.blocks);
    assert.ok(text.includes(`<@${OWNER}> asked for *exp42*`), text);
    assert.ok(text.includes(`<@${OWNER}>'s GPU budget for 2026-07 is used up ($15.20 of $10.00, list price)`), text);
    assert.ok(text.includes('NVIDIA T4 × 1'));
    assert.ok(text.includes('≈ $0.76/h while running'), text);
    assert.ok(text.includes(`<#${CHANNEL}>`));
    const buttons = buttonsIn(m.blocks);
    assert.deepEqual(buttons.map((b) => b.action_id), [APPROVAL_ACTIONS.approve, APPROVAL_ACTIONS.deny, APPROVAL_ACTIONS.withReason]);
    for (const b of buttons) assert.equal(b.value, 'bx7k2m9q');
    assert.equal(buttons[0]?.style, 'primary');
    assert.equal(buttons[1]?.confirm?.confirm?.text, 'Deny', 'Deny asks first');
    assert.ok(text.includes('the request ends by itself'));
    assertBlockKit('message', m);
  });

  it('says the team’s budget when that is the one used up, and leaves out the price when unknown', () => {
    const m = approvalRequestMessage(waiting({ approval: waitingApproval({ hits: [], budget: { ...BUDGET, scope: 'team', spent: 2100, budget: 2000 } }, T0) }), { now: T0 });
    const text = textOf(m.blocks);
    assert.ok(text.includes("the team's GPU budget for 2026-07 is used up ($2,100.00 of $2,000.00, list price)"), text);
    assert.ok(!text.includes('/h while running'));
  });

  it('once decided, shows the outcome instead of the buttons', () => {
    for (const [box, said] of [
      [decided('approved', 'UADMIN1'), 'Approved by <@UADMIN1>'],
      [decided('denied', 'UADMIN1'), 'Denied by <@UADMIN1>'],
      [decided('expired', null), 'Nobody decided in time'],
      [decided('withdrawn', OWNER), `Withdrawn by <@${OWNER}>`],
    ] as const) {
      const m = approvalRequestMessage(box, { now: T0 + 40 * MIN, prices: PRICES });
      assert.deepEqual(buttonsIn(m.blocks), [], said);
      assert.ok(textOf(m.blocks).includes(said), textOf(m.blocks));
      assertBlockKit('message', m);
    }
  });

  it('stays within limits and escapes hostile text', () => {
    const box = waiting({ name: HOSTILE, owner: '<!channel>', spec: { ...waiting().spec, machineType: HOSTILE, region: HOSTILE }, approval: waitingApproval({ hits: [], budget: { ...BUDGET, month: HOSTILE } }, T0) });
    for (const m of [approvalRequestMessage(box, { now: T0, prices: PRICES }), approvalRequestMessage({ ...box, approval: { ...waitingApproval({ hits: [], budget: BUDGET }, T0), state: 'denied', decidedBy: HOSTILE, decidedAt: T0 } }, { now: T0 })]) {
      assertBlockKit('message', m);
      assertNoRawMarkup(m);
    }
  });
});

describe('a waiting box elsewhere', () => {
  it('its card says it waits for an admin, keeps the amounts to itself, and offers only Withdraw', () => {
    const card = boxCard(waiting({ zone: 'us-central1-a', spec: { ...waiting().spec, zone: 'us-central1-a' } }), { now: T0 + MIN, project: PROJECT, prices: PRICES });
    const text = textOf(card.blocks);
    assert.ok(text.includes(`:raised_hand: Awaiting an admin's approval: <@${OWNER}>'s GPU budget for 2026-07 is used up.`), text);
    assert.ok(!text.includes('$15.20'), 'the spend is for the owner and the admins, not the channel');
    assert.ok(!text.includes('Cloud console'), 'no VM, so no console page');
    const buttons = buttonsIn(card.blocks);
    assert.deepEqual(buttons.map((b) => [b.action_id, b.text?.text]), [[ACTIONS.delete, 'Withdraw request']]);
    assert.equal(buttons[0]?.confirm, undefined, 'withdrawing loses nothing, so it asks nothing');
    assert.ok(card.text.includes('Awaiting approval'));
  });

  it('the card of an approved box says who approved it; a denied one says who denied it', () => {
    const approved = { ...decided('approved', 'UADMIN1'), status: 'ready' as const, jupyterUrl: null, zone: 'us-central1-a' };
    assert.ok(textOf(boxCard(approved, { now: T0 + 40 * MIN, project: PROJECT }).blocks).includes('approved by <@UADMIN1>'));
    const denied = boxCard(decided('denied', 'UADMIN1'), { now: T0 + 40 * MIN, project: PROJECT });
    assert.ok(textOf(denied.blocks).includes(':no_entry_sign: Denied by <@UADMIN1>: no VM was created'));
    assert.deepEqual(buttonsIn(denied.blocks), []);
    assert.ok(denied.text.startsWith('exp42: Denied'), denied.text);
    assert.ok(textOf(boxCard(decided('expired', null), { now: T0 + 40 * MIN, project: PROJECT }).blocks).includes('no admin decided within 24h'));
  });

  it('/gpu list marks it as waiting', () => {
    const m = boxList([waiting()], { now: T0 + MIN, project: PROJECT, all: false, viewer: OWNER });
    assert.ok(textOf(m.blocks).includes("*exp42*  :raised_hand: Awaiting an admin's approval (over budget)"), textOf(m.blocks));
    assert.ok(m.text.includes('exp42 (awaiting approval)'));
  });

  it('the requester’s answer says how far past the budget, that the admins were asked, and the price', () => {
    const m = requestedMessage(waiting(), PRICES);
    const text = textOf(m.blocks);
    assert.ok(text.includes('Your GPU budget for 2026-07 is used up ($15.20 of $10.00, list price)'), text);
    assert.ok(text.includes('I asked the admins'));
    assert.ok(text.includes('within 24h'));
    assert.ok(text.includes('≈ $0.76/h while running'));
    assert.ok(!text.includes('Creating'));
    assertBlockKit('message', m);
  });

  it('/gpu delete on it offers to withdraw the request', () => {
    const m = deletePrompt(waiting());
    assert.ok(textOf(m.blocks).includes('Withdraw your request for `exp42`?'));
    assert.deepEqual(buttonsIn(m.blocks).map((b) => b.text?.text), ['Withdraw request']);
  });
});

describe('decision notices', () => {
  const events: [NoticeEvent, string][] = [
    [{ type: 'box-approval-decided', outcome: 'approved', by: 'UADMIN1' }, 'Approved by <@UADMIN1>'],
    [{ type: 'box-approval-decided', outcome: 'denied', by: 'UADMIN1' }, 'Denied by <@UADMIN1>: no VM was created'],
    [{ type: 'box-approval-decided', outcome: 'expired', by: null }, 'within 24h, so the request ended'],
    [{ type: 'box-approval-decided', outcome: 'withdrawn', by: OWNER }, `Withdrawn by <@${OWNER}>`],
  ];
  for (const [event, said] of events) {
    it(`${event.type === 'box-approval-decided' ? event.outcome : ''}: says "${said}" in the thread and, naming the box, by DM`, () => {
      const box = decided('denied', 'UADMIN1');
      const thread = noticeMessage(event, box, { now: T0 + 40 * MIN, project: PROJECT, audience: 'thread' });
      assert.ok(textOf(thread.blocks).includes(said), textOf(thread.blocks));
      const dm = noticeMessage(event, box, { now: T0 + 40 * MIN, project: PROJECT, audience: 'dm' });
      assert.ok(textOf(dm.blocks).includes('*exp42*: '), 'a DM names the box');
      assertBlockKit('message', dm);
    });
  }

  it('the admins’ notice is the request with its buttons', () => {
    const m = noticeMessage({ type: 'box-approval-requested' }, waiting(), { now: T0, project: PROJECT, audience: 'admins', prices: PRICES });
    assert.deepEqual(buttonsIn(m.blocks).map((b) => b.action_id), [APPROVAL_ACTIONS.approve, APPROVAL_ACTIONS.deny, APPROVAL_ACTIONS.withReason]);
  });

  it('a late click is told what was decided first', () => {
    assert.equal(alreadyDecidedText(decided('approved', 'UADMIN1')), '`exp42` was already approved by <@UADMIN1>; nothing more to do.');
    assert.equal(alreadyDecidedText(decided('expired', null)), '`exp42` already ended: nobody decided in time.');
  });
});
