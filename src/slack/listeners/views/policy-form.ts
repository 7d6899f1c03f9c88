/** The `/gpu policy` modal's submission: admins only; problems beside their inputs, else the policy saved. */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { formRequestKey } from './gpu-up-form.js';
import type { ListenerDeps } from '../../context.js';
import { POLICY_FORM, policySummary, readPolicyForm } from '../../views/policy-form.js';
import { apologyMessage } from '../../views/messages.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function registerPolicyForm(app: App, deps: ListenerDeps): void {
  app.view<ViewSubmitAction>(POLICY_FORM.callbackId, (args) => handlePolicyForm(args, deps));
}

/** The first input of the form: where an error about the whole form is shown. */
const FIRST_BLOCK = POLICY_FORM.blocks.allowedGpus;

export async function handlePolicyForm({ ack, body, view, client }: Args, deps: ListenerDeps): Promise<void> {
  const user = body.user.id;
  const gate = deps.policy;
  // The form was opened for an admin, but a submission is checked again: admins change, payloads can be forged.
  if (gate === undefined || deps.isAdmin?.(user) !== true) {
    await ack({ response_action: 'errors', errors: { [FIRST_BLOCK]: 'Only an admin can change the policy; your change was not saved.' } });
    return;
  }
  let channel: string | null = null;
  try {
    const meta = JSON.parse(view.private_metadata || '{}') as { channel?: unknown };
    if (typeof meta.channel === 'string' && /^[CDG][A-Z0-9]+$/.test(meta.channel)) channel = meta.channel;
  } catch {
    // Without a channel the confirmation goes to the admin's DM.
  }
  try {
    const current = await gate.current();
    const read = readPolicyForm(view.state.values, current.policy);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    // Saving writes the whole policy: a retried submission writes the same document again, no more.
    await gate.save(read.policy, { userId: user, channelId: channel ?? '', requestKey: formRequestKey(view, view.state.values) });
    await ack();
    const saved = policySummary({ policy: read.policy, updatedBy: user, updatedAt: deps.clock.now() }, gate.admins, { canEdit: true });
    const text = `:white_check_mark: Policy saved. It applies to every request from now on.\n${saved.text}`;
    await client.chat.postEphemeral({ channel: channel ?? user, user, text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: Policy saved. It applies to every request from now on.' } }, ...saved.blocks] }).catch((error: unknown) => deps.log.warn('could not confirm a policy change', { error }));
  } catch (error) {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('/gpu policy form failed', { errorId, error, user });
    await ack({ response_action: 'errors', errors: { [FIRST_BLOCK]: apologyMessage(errorId).text.slice(0, 300) } });
  }
}

