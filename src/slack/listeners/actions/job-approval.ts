/**
 * What [Approve], [Deny] and [With a reason…] on a training job request share (job-approve.ts,
 * job-deny.ts, job-decide-reason.ts register them): admins only. The decision is
 * recorded before the ack; the clicked message then shows what was decided in place of the buttons,
 * and a late click (a double click, a second admin) is told what was decided first.
 */
import type { Parsed } from '../../../domain/result.js';
import { randomUUID } from 'node:crypto';
import { raceAckDeadline } from '../../ack-deadline.js';
import type { Job } from '../../../domain/job.js';
import type { JobApprovals } from '../../../app/job-approvals.js';
import type { ListenerDeps } from '../../context.js';
import { PRICE_WAIT_MS, startLookup, within } from '../../price-lookup.js';
import { jobAlreadyDecidedText, jobApprovalRequestMessage, jobDecisionForm } from '../../views/job-approval.js';
import { apologyMessage, errorMessage, okMessage } from '../../views/messages.js';
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

export async function decide(args: ButtonArgs, deps: ListenerDeps, approvals: JobApprovals, decision: 'approve' | 'deny'): Promise<void> {
  const work: Promise<Parsed<{ job: Job; changed: boolean }> | { failed: string }> = approvals.decide(askerOf(args.body), args.action.value ?? '', decision).catch((error: unknown) => {
    const errorId = randomUUID().slice(0, 8);
    deps.log.error(`job ${decision} button failed`, { errorId, error, user: args.body.user.id });
    return { failed: errorId };
  });
  // The decision is recorded before the ack, so a click Slack saw acknowledged is never lost.
  await raceAckDeadline(work);
  await args.ack();
  const result = await work;
  try {
    if ('failed' in result) return await replyTo(args, apologyMessage(result.failed));
    if (!result.ok) return await replyTo(args, errorMessage(result.error.message));
    const { job, changed } = result.value;
    const verb = decision === 'approve' ? 'Approved' : 'Denied';
    await replyTo(args, okMessage(changed ? `${verb} training job \`${job.name}\`; its owner is told.` : jobAlreadyDecidedText(job)));
    // The clicked message loses its buttons, so nobody reading it later thinks it still waits.
    if (job.approval?.state !== 'waiting' && args.body.response_url !== undefined && args.body.container?.type !== 'view') {
      const prices = await within(startLookup(deps.prices, job.region, deps.log), PRICE_WAIT_MS);
      const message = jobApprovalRequestMessage(job, { now: deps.clock.now(), ...(prices !== undefined ? { prices } : {}) });
      await args.respond({ replace_original: true, text: message.text, blocks: message.blocks });
    }
  } catch (error) {
    deps.log.warn('could not answer a job approval button', { error });
  }
}
