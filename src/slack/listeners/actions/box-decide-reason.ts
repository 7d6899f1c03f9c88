/** [With a reason…] on a request past a budget: opens the decision form (admins only). */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { ListenerDeps } from '../../context.js';
import { APPROVAL_ACTIONS, decisionForm } from '../../views/approval.js';
import { errorMessage } from '../../views/messages.js';
import { askerOf, replyTo, type ButtonArgs } from './button.js';

export function registerBoxDecideReason(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(APPROVAL_ACTIONS.withReason, (args) => openDecisionForm(args, deps));
}

/** [With a reason…]: the form opens right after the ack, while the trigger_id is good; admins only. */
async function openDecisionForm(args: ButtonArgs, deps: ListenerDeps): Promise<void> {
  await args.ack();
  const boxId = args.action.value ?? '';
  try {
    const box = boxId === '' ? null : await deps.boxes.findForDecision(askerOf(args.body).userId, boxId);
    if (box === null || !box.ok) return await replyTo(args, errorMessage(box === null ? 'That request no longer exists.' : box.error.message));
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: decisionForm(box.value) });
  } catch (error) {
    deps.log.warn('could not open the decision form', { error });
  }
}
