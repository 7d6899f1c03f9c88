/**
 * [Approve] / [Deny] on a request past a budget: admins only. The decision is recorded before the
 * ack; the admin's message then shows what was decided in place of the buttons, and a late click (a
 * double click, a second admin) is told what was decided first.
 */
import { randomUUID } from 'node:crypto';
import { raceAckDeadline } from '../../ack-deadline.js';
import type { Asker } from '../../../app/box-commands.js';
import type { PriceTable } from '../../../domain/prices.js';
import type { Parsed } from '../../../domain/result.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, startLookup, within } from '../../price-lookup.js';
import { alreadyDecidedText, approvalRequestMessage } from '../../views/approval.js';
import type { SlackMessage } from '../../views/block-kit.js';
import { apologyMessage, errorMessage, okMessage } from '../../views/messages.js';
import { askerOf, replyTo, type ButtonArgs } from './button.js';

/** The shared body of [Approve] and [Deny] on a box request. */
export function decide(args: ButtonArgs, deps: ListenerDeps, decision: 'approve' | 'deny'): Promise<void> {
  return runDecision(args, deps, decision, (asker) => deps.boxes.decide(asker, args.action.value ?? '', decision), ({ box, changed }) => ({
    said: changed ? `${decision === 'approve' ? 'Approved' : 'Denied'} \`${box.name}\`; its owner is told.` : alreadyDecidedText(box),
    decided: box.approval?.state !== 'waiting',
    region: box.spec.region,
    redraw: (ctx) => approvalRequestMessage(box, ctx),
  }));
}

/** What one decision answers: the clicker's reply, and the request message redrawn once decided. */
export interface DecisionShown {
  said: string;
  decided: boolean;
  /** The region whose prices the redrawn request shows. */
  region: string;
  redraw: (ctx: { now: number; prices?: PriceTable }) => SlackMessage;
}

/**
 * [Approve] / [Deny] on a box or a job request: the decision is recorded before the ack, so a click
 * Slack saw acknowledged is never lost; then the clicker hears what happened and the clicked message
 * loses its buttons.
 */
export async function runDecision<V>(
  args: ButtonArgs,
  deps: ListenerDeps,
  decision: 'approve' | 'deny',
  act: (asker: Asker) => Promise<Parsed<V>>,
  shown: (value: V) => DecisionShown,
): Promise<void> {
  const work: Promise<Parsed<V> | { failed: string }> = act(askerOf(args.body)).catch((error: unknown) => {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error(`${decision} button failed`, { errorId, error, user: args.body.user.id });
    return { failed: errorId };
  });
  await raceAckDeadline(work);
  await args.ack();
  const result = await work;
  try {
    if ('failed' in result) return await replyTo(args, apologyMessage(result.failed));
    if (!result.ok) return await replyTo(args, errorMessage(result.error.message));
    const view = shown(result.value);
    await replyTo(args, okMessage(view.said));
    // The clicked message loses its buttons, so nobody reading it later thinks it still waits.
    if (view.decided && args.body.response_url !== undefined && args.body.container?.type !== 'view') {
      const prices = await within(startLookup(deps.prices, view.region, deps.log), PRICE_WAIT_MS);
      const message = view.redraw({ now: deps.clock.now(), ...(prices !== undefined ? { prices } : {}) });
      await args.respond({ replace_original: true, text: message.text, blocks: message.blocks });
    }
  } catch (error) {
    deps.log.warn('could not answer an approval button', { error });
  }
}
