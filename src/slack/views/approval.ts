/**
 * Boxes asked for past a budget: the admins' request with [Approve] / [Deny], what the box's thread
 * and owner are told when it is decided, and the answers to the admin who clicked.
 */
import type { Box } from '../../domain/box.js';
import { approvalExpiresAt } from '../../domain/box-approval.js';
import { formatDuration } from '../../domain/duration.js';
import type { NoticeEvent } from '../../domain/notice.js';
import { hourlyPrice, type PriceTable } from '../../domain/prices.js';
import { LIMITS, mrkdwn, plain, type Button, type KnownBlock, type Modal, type MrkdwnElement, type SlackMessage } from './block-kit.js';
import { budgetAmounts, gpuText, nameText, placeText } from './box-parts.js';
import { channelRef, mention, slackDate } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate, truncateMrkdwn } from './messages.js';
import { priceBasisText, runningPriceText, stoppedPriceText } from './price-parts.js';

/** Action ids of the admins' buttons; each button's `value` is the box id. */
export const APPROVAL_ACTIONS = {
  approve: 'box_approve',
  deny: 'box_deny',
  /** Opens the decision form: Approve or Deny with a reason the requester reads. */
  withReason: 'box_decide_reason',
} as const;

/** The decision form behind [With a reason…]. */
export const DECISION_FORM = {
  callbackId: 'box_decision_form',
  blocks: { decision: 'decision', reason: 'reason' },
  actions: { decision: 'decision', reason: 'reason' },
} as const;

/** The form an admin decides in with a reason; `private_metadata` carries the box id. */
export function decisionForm(box: Box): Modal {
  const options = [
    { text: plain('Approve'), value: 'approve' },
    { text: plain('Deny'), value: 'deny' },
  ];
  return {
    type: 'modal',
    callback_id: DECISION_FORM.callbackId,
    title: plain('Decide on a request'),
    submit: plain('Decide'),
    close: plain('Cancel'),
    private_metadata: truncate(box.id, LIMITS.privateMetadata),
    blocks: [
      section(`${mention(box.owner)} asked for *${nameText(box)}* (${escapeMrkdwn(gpuText(box))}).`),
      { type: 'input', block_id: DECISION_FORM.blocks.decision, label: plain('Decision'), element: { type: 'radio_buttons', action_id: DECISION_FORM.actions.decision, options } },
      {
        type: 'input',
        block_id: DECISION_FORM.blocks.reason,
        label: plain('Reason'),
        optional: true,
        hint: plain('The requester and the other admins read it.'),
        element: { type: 'plain_text_input', action_id: DECISION_FORM.actions.reason, multiline: true, max_length: 500 },
      },
    ],
  };
}

type Decided = Extract<NoticeEvent, { type: 'box-approval-decided' }>;

function field(title: string, value: string): MrkdwnElement {
  return mrkdwn(truncateMrkdwn(`*${title}*\n${value}`, LIMITS.sectionField));
}

function approvalButtons(box: Box): Button[] {
  const value = truncate(box.id, LIMITS.buttonValue);
  return [
    { type: 'button', text: plain('Approve'), action_id: APPROVAL_ACTIONS.approve, value, style: 'primary' },
    {
      type: 'button',
      text: plain('Deny'),
      action_id: APPROVAL_ACTIONS.deny,
      value,
      style: 'danger',
      confirm: {
        title: plain('Deny this request?'),
        text: mrkdwn(truncateMrkdwn(`${nameText(box)} will not be created, and its owner is told you denied it.`, LIMITS.confirmText)),
        confirm: plain('Deny'),
        deny: plain('Back'),
        style: 'danger',
      },
    },
    { type: 'button', text: plain('With a reason…'), action_id: APPROVAL_ACTIONS.withReason, value },
  ];
}

/** What became of the request, once it is no longer waiting. */
function outcomeLine(box: Box): string | null {
  const a = box.approval;
  if (a === undefined || a.state === 'waiting') return null;
  const by = a.decidedBy !== null ? mention(a.decidedBy) : 'nobody';
  const self = a.selfDecided === true ? ' (their own request; they are the only admin)' : '';
  const reason = a.reason !== undefined ? ` Reason: ${escapeMrkdwn(truncate(a.reason, 500))}` : '';
  switch (a.state) {
    case 'approved':
      return `:white_check_mark: Approved by ${by}${self}${a.decidedAt !== null ? ` ${slackDate(a.decidedAt)}` : ''}; the box is being created.${reason}`;
    case 'denied':
      return `:no_entry_sign: Denied by ${by}${a.decidedAt !== null ? ` ${slackDate(a.decidedAt)}` : ''}; no VM was created.${reason}`;
    case 'expired':
      return ':hourglass: Nobody decided in time, so the request ended; no VM was created.';
    case 'withdrawn':
      return `:wastebasket: Withdrawn by ${by} before anyone decided; no VM was created.`;
  }
}

/**
 * The admins' copy of a request past a budget: who asked for what, where, how far past which budget,
 * what it would cost per hour, and [Approve] / [Deny] while it waits. Rendered again after a
 * decision, it says what was decided instead of offering the buttons.
 */
export function approvalRequestMessage(box: Box, ctx: { now: number; prices?: PriceTable }): SlackMessage {
  const a = box.approval;
  const name = nameText(box);
  const place = placeText(box);
  const whose = a?.budget?.scope === 'team' ? "the team's" : `${mention(box.owner)}'s`;
  const reasons: string[] = [];
  if (a?.budget !== undefined) reasons.push(`${whose} GPU budget for ${escapeMrkdwn(truncate(a.budget.month, 16))} is used up (${budgetAmounts(a.budget)})`);
  for (const r of (a?.rules ?? []).filter((r) => r.code !== 'APPROVAL_PAST_BUDGET')) reasons.push(`the policy rule *${escapeMrkdwn(truncate(r.rule, 80))}* asks for an approval (${escapeMrkdwn(truncate(r.detail, 200))})`);
  const past = reasons.length > 0 ? reasons.join('; ') : 'a GPU budget is used up';
  const lead = `:raised_hand: ${mention(box.owner)} asked for *${name}*, but ${past}. It waits for an admin: Approve creates it, Deny ends it.`;
  const fields: MrkdwnElement[] = [
    field('GPU', escapeMrkdwn(gpuText(box))),
    field('Machine', escapeMrkdwn(truncate(box.spec.machineType, 100))),
    field(place.label, escapeMrkdwn(truncate(place.value, 64))),
    field('Disk', `${box.spec.diskGb} GB${box.spec.spot ? ' · Spot' : ''}`),
    field('Asked in', channelRef(box.channel) ?? 'a DM with me'),
  ];
  let basis: string | null = null;
  if (ctx.prices !== undefined) {
    const price = hourlyPrice(box.spec, ctx.prices);
    fields.push(field('Price', `${runningPriceText(price, { spot: box.spec.spot, parts: false })}\n${stoppedPriceText(price)}`));
    basis = priceBasisText([ctx.prices.source], price.missing);
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(truncateMrkdwn(lead, LIMITS.sectionText)), fields }];
  const outcome = outcomeLine(box);
  if (outcome !== null) {
    blocks.push(section(outcome));
  } else {
    blocks.push({ type: 'actions', elements: approvalButtons(box) });
    const ends = `Only admins can decide. If nobody does by ${slackDate(approvalExpiresAt(box))}, the request ends by itself.`;
    blocks.push(contextLine(basis !== null ? `${ends} · ${basis}` : ends));
  }
  const text = `${name}: ${past}; ${outcome ?? 'approve or deny the request.'}`;
  return { text: fallbackText(text), blocks };
}

/** What the box's thread and owner are told when a waiting request is decided or ends. */
export function decidedSentence(event: Decided, box: Box | null): { emoji: string; sentence: string } {
  const by = event.by !== null ? mention(event.by) : 'an admin';
  switch (event.outcome) {
    case 'approved':
      return { emoji: ':white_check_mark:', sentence: `Approved by ${by}${box?.approval?.budget !== undefined ? ' past the budget' : ''}; creating it now.${reasonText(box)}` };
    case 'denied':
      return {
        emoji: ':no_entry_sign:',
        sentence: `Denied by ${by}: no VM was created, and the name is free again.${reasonText(box)} Ask an admin about it if you still need it.`,
      };
    case 'expired': {
      const wait = box !== null && box.approval !== undefined ? formatDuration(approvalExpiresAt(box) - box.approval.askedAt) : 'the allowed time';
      return {
        emoji: ':hourglass:',
        sentence: `No admin approved or denied it within ${wait}, so the request ended: no VM was created, and the name is free again. Ask again with \`/gpu up\` if you still need it.`,
      };
    }
    case 'withdrawn':
      return { emoji: ':wastebasket:', sentence: `Withdrawn by ${by} before an admin decided; no VM was created.` };
  }
}

/** The admin's reason, as a sentence to append; empty when they gave none. */
function reasonText(box: Box | null): string {
  const reason = box?.approval?.reason;
  return reason !== undefined ? ` Reason: ${escapeMrkdwn(truncate(reason, 500))}` : '';
}

/** The answer to an admin whose click came after the request was already decided (or had ended). */
export function alreadyDecidedText(box: Box): string {
  const a = box.approval;
  const name = `\`${nameText(box)}\``;
  if (a === undefined) return `${name} never needed an approval.`;
  const by = a.decidedBy !== null ? mention(a.decidedBy) : 'nobody';
  switch (a.state) {
    case 'approved':
      return `${name} was already approved by ${by}; nothing more to do.`;
    case 'denied':
      return `${name} was already denied by ${by}; nothing more to do.`;
    case 'expired':
      return `${name} already ended: nobody decided in time.`;
    case 'withdrawn':
      return `${name} was already withdrawn by ${by}.`;
    case 'waiting':
      return `${name} is still waiting for a decision.`;
  }
}
