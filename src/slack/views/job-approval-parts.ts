/**
 * The parts of a job's approval that its card and the submit answer show (job-card.ts), apart from
 * the admins' request (job-approval.ts), which itself uses the card's parts: one direction, no circle.
 */
import type { Job } from '../../domain/job.js';
import { mention, slackDate } from './format.js';
import { escapeMrkdwn, truncate } from './messages.js';

function nameOf(job: Pick<Job, 'name'>): string {
  return escapeMrkdwn(truncate(job.name, 128));
}

/** What became of the request, once it no longer waits; null while it does. */
export function jobApprovalOutcome(job: Pick<Job, 'approval'>): string | null {
  const a = job.approval;
  if (a === undefined || a.state === 'waiting') return null;
  const by = a.decidedBy !== null ? mention(a.decidedBy) : 'nobody';
  const when = a.decidedAt !== null ? ` ${slackDate(a.decidedAt)}` : '';
  const self = a.selfDecided === true ? ' (their own request; they are the only admin)' : '';
  const reason = a.reason !== undefined ? ` Reason: ${escapeMrkdwn(truncate(a.reason, 500))}` : '';
  switch (a.state) {
    case 'approved':
      return `:white_check_mark: Approved by ${by}${self}${when}; the job is submitted to Vertex AI.${reason}`;
    case 'denied':
      return `:no_entry_sign: Denied by ${by}${when}; nothing was submitted.${reason}`;
    case 'expired':
      return ':hourglass: Nobody decided in time, so the request ended; nothing was submitted.';
    case 'withdrawn':
      return `:wastebasket: Withdrawn by ${by} before anyone decided; nothing was submitted.`;
  }
}

/** The answer to a submit that waits: what was asked, why it waits, and that the requester hears each step. */
export function jobWaitsText(job: Pick<Job, 'name' | 'approval'> & Partial<Pick<Job, 'fromBox'>>): string {
  const rules = (job.approval?.rules ?? []).map((r) => `*${escapeMrkdwn(truncate(r.rule, 80))}* (${escapeMrkdwn(truncate(r.detail, 200))})`).join('; ');
  // A job from a box: its code is packaged only once approved, so a denied request leaves nothing behind.
  const box = job.fromBox != null ? `nothing is packaged on \`${escapeMrkdwn(truncate(job.fromBox.box, 64))}\` or ` : 'nothing is ';
  return (
    `:raised_hand: Training job \`${nameOf(job)}\` waits for an admin's approval under the policy: ${rules !== '' ? rules : 'a rule asks for one'}. ` +
    `I asked the admins; ${box}submitted to Vertex AI until one approves, and I will tell you what they decide. Cancel it to withdraw the request.`
  );
}

/** What [Approve] does with the job: a job from a box has its code packaged on the box first. */
export function approveDoesText(job: Partial<Pick<Job, 'fromBox'>>): string {
  return job.fromBox != null ? `packaging the code on \`${escapeMrkdwn(truncate(job.fromBox.box, 64))}\`, then submitting it to Vertex AI` : 'submitting it to Vertex AI';
}
