/**
 * [Approve] / [Deny] on a request past a budget: admins only. The decision is recorded before the
 * ack; the admin's message then shows what was decided in place of the buttons, and a late click (a
 * double click, a second admin) is told what was decided first.
 */
import { randomUUID } from 'node:crypto';
import { raceAckDeadline } from '../../ack-deadline.js';
import type { Box } from '../../../domain/box.js';
import type { Parsed } from '../../../domain/result.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, startLookup, within } from '../../price-lookup.js';
import { alreadyDecidedText, approvalRequestMessage } from '../../views/approval.js';
import { apologyMessage, errorMessage, okMessage } from '../../views/messages.js';
import { askerOf, replyTo, type ButtonArgs } from './button.js';

/** The shared body of [Approve] and [Deny]. */
export async function decide(args: ButtonArgs, deps: ListenerDeps, decision: 'approve' | 'deny'): Promise<void> {
  const work: Promise<Parsed<{ box: Box; changed: boolean }> | { failed: string }> = deps.boxes
    .decide(askerOf(args.body), args.action.value ?? '', decision)
    .catch((error: unknown) => {
      const errorId = randomUUID().slice(0, 8);
      deps.log.error(`${decision} button failed`, { errorId, error, user: args.body.user.id });
      return { failed: errorId };
    });
  // The decision is recorded before the ack, so a click Slack saw acknowledged is never lost.
  await raceAckDeadline(work);
  await args.ack();
  const result = await work;
  try {
    if ('failed' in result) return await replyTo(args, apologyMessage(result.failed));
    if (!result.ok) return await replyTo(args, errorMessage(result.error.message));
    const { box, changed } = result.value;
    const verb = decision === 'approve' ? 'Approved' : 'Denied';
    await replyTo(args, okMessage(changed ? `${verb} \`${box.name}\`; its owner is told.` : alreadyDecidedText(box)));
    // The clicked message loses its buttons, so nobody reading it later thinks it still waits.
    if (box.approval?.state !== 'waiting' && args.body.response_url !== undefined && args.body.container?.type !== 'view') {
      const prices = await within(startLookup(deps.prices, box.spec.region, deps.log), PRICE_WAIT_MS);
      const message = approvalRequestMessage(box, { now: deps.clock.now(), ...(prices !== undefined ? { prices } : {}) });
      await args.respond({ replace_original: true, text: message.text, blocks: message.blocks });
    }
  } catch (error) {
    deps.log.warn('could not answer an approval button', { error });
  }
}
