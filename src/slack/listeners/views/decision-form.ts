/**
 * The decision form's submission: Approve or Deny a waiting request with a reason, recorded exactly as
 * the buttons record it (first decision wins; a retried submission replays the first answer).
 */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { ListenerDeps } from '../../context.js';
import { alreadyDecidedText, DECISION_FORM } from '../../views/approval.js';
import { apologyMessage } from '../../views/messages.js';
import { formRequestKey } from './gpu-up-form.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function registerDecisionForm(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(DECISION_FORM.callbackId, (args) => handleDecisionForm(args, deps));
}

export async function handleDecisionForm({ ack, body, view, client }: Args, deps: ListenerDeps): Promise<void> {
  const values = view.state.values;
  const choice = values[DECISION_FORM.blocks.decision]?.[DECISION_FORM.actions.decision]?.selected_option?.value;
  const reason = (values[DECISION_FORM.blocks.reason]?.[DECISION_FORM.actions.reason]?.value ?? '').trim().slice(0, 500);
  if (choice !== 'approve' && choice !== 'deny') {
    await ack({ response_action: 'errors', errors: { [DECISION_FORM.blocks.decision]: 'Choose Approve or Deny.' } });
    return;
  }
  const user = body.user.id;
  try {
    const result = await deps.boxes.decide({ userId: user, channelId: user, requestKey: formRequestKey(view, values) }, view.private_metadata, choice, reason === '' ? undefined : reason);
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [DECISION_FORM.blocks.decision]: result.error.message.replace(/`/g, '').slice(0, 300) } });
      return;
    }
    await ack();
    const { box, changed } = result.value;
    const text = changed ? `${choice === 'approve' ? 'Approved' : 'Denied'} \`${box.name}\`; its owner is told, with your reason.` : alreadyDecidedText(box);
    await client.chat.postMessage({ channel: user, text }).catch((error: unknown) => deps.log.warn('could not confirm a decision', { error }));
  } catch (error) {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('decision form failed', { errorId, error, user });
    await ack({ response_action: 'errors', errors: { [DECISION_FORM.blocks.decision]: apologyMessage(errorId).text.slice(0, 300) } });
  }
}
