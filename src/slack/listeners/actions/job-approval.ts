/**
 * What [Approve], [Deny] and [With a reason…] on a training job request share (job-approve.ts,
 * job-deny.ts, job-decide-reason.ts register them): admins only. The decision is
 * recorded before the ack; the clicked message then shows what was decided in place of the buttons,
 * and a late click (a double click, a second admin) is told what was decided first.
 */
import type { JobApprovals } from '../../../app/job-approvals.js';
import type { ListenerDeps } from '../../context.js';
import { jobAlreadyDecidedText, jobApprovalRequestMessage, jobDecisionForm } from '../../views/job-approval.js';
import { errorMessage } from '../../views/messages.js';
import { runDecision } from './box-approval.js';
import { askerOf, replyTo, type ButtonArgs } from './button.js';

/** [With a reason…]: the form opens right after the ack, while the trigger_id is good; admins only. */
export async function openDecisionForm(args: ButtonArgs, deps: ListenerDeps, approvals: JobApprovals): Promise<void> {
  await args.ack();
  try {
    const found = await approvals.findForDecision(askerOf(args.body).userId, args.action.value ?? '');
    if (!found.ok) return await replyTo(args, errorMessage(found.error.message));
    await args.client.views.open({ trigger_id: args.body.trigger_id, view: jobDecisionForm(found.value) });
  } catch (error) {
    deps.log.warn('could not open the job decision form', { error });
  }
}

export function decide(args: ButtonArgs, deps: ListenerDeps, approvals: JobApprovals, decision: 'approve' | 'deny'): Promise<void> {
  return runDecision(args, deps, decision, (asker) => approvals.decide(asker, args.action.value ?? '', decision), ({ job, changed }) => ({
    said: changed ? `${decision === 'approve' ? 'Approved' : 'Denied'} training job \`${job.name}\`; its owner is told.` : jobAlreadyDecidedText(job),
    decided: job.approval?.state !== 'waiting',
    region: job.region,
    redraw: (ctx) => jobApprovalRequestMessage(job, ctx),
  }));
}
