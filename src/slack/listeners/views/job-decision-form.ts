/**
 * The job decision form's submission: Approve or Deny a waiting training job with a reason, recorded
 * exactly as the buttons record it (first decision wins; a retried submission replays the first answer).
 */
import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import type { JobApprovals } from '../../../app/job-approvals.js';
import type { ListenerDeps } from '../../context.js';
import { JOB_DECISION_FORM, jobAlreadyDecidedText } from '../../views/job-approval.js';
import { apologyMessage } from '../../views/messages.js';
import { formRequestKey } from './gpu-up-form.js';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export function registerJobDecisionForm(app: App, deps: ListenerDeps, approvals: JobApprovals): void {
  app.view<ViewSubmitAction>(JOB_DECISION_FORM.callbackId, (args) => handleJobDecisionForm(args, deps, approvals));
}

async function handleJobDecisionForm({ ack, body, view, client }: Args, deps: ListenerDeps, approvals: JobApprovals): Promise<void> {
  const values = view.state.values;
  const choice = values[JOB_DECISION_FORM.blocks.decision]?.[JOB_DECISION_FORM.actions.decision]?.selected_option?.value;
  const reason = (values[JOB_DECISION_FORM.blocks.reason]?.[JOB_DECISION_FORM.actions.reason]?.value ?? '').trim().slice(0, 500);
  if (choice !== 'approve' && choice !== 'deny') {
    await ack({ response_action: 'errors', errors: { [JOB_DECISION_FORM.blocks.decision]: 'Choose Approve or Deny.' } });
    return;
  }
  const user = body.user.id;
  try {
    const result = await approvals.decide({ userId: user, channelId: user, requestKey: formRequestKey(view, values) }, view.private_metadata, choice, reason === '' ? undefined : reason);
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: { [JOB_DECISION_FORM.blocks.decision]: result.error.message.replace(/`/g, '').slice(0, 300) } });
      return;
    }
    await ack();
    const { job, changed } = result.value;
    const text = changed ? `${choice === 'approve' ? 'Approved' : 'Denied'} training job \`${job.name}\`; its owner is told, with your reason.` : jobAlreadyDecidedText(job);
    await client.chat.postMessage({ channel: user, text }).catch((error: unknown) => deps.log.warn('could not confirm a job decision', { error }));
  } catch (error) {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error('job decision form failed', { errorId, error, user });
    await ack({ response_action: 'errors', errors: { [JOB_DECISION_FORM.blocks.decision]: apologyMessage(errorId).text.slice(0, 300) } });
  }
}
