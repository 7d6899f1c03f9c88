/**
 * Training jobs a policy rule sends to an admin: the admins' request with [Approve] / [Deny] /
 * [With a reason…], what the job's thread and owner are told at each step, the decision form, and the
 * line the job's card shows once the request was decided. The box's (approval.ts) says the same for boxes.
 */
import type { Job } from '../../domain/job.js';
import { jobApprovalExpiresAt } from '../../domain/job-approval.js';
import { jobPools } from '../../domain/job.js';
import { formatDuration } from '../../domain/duration.js';
import type { NoticeAudience, NoticeEvent } from '../../domain/notice.js';
import { trainingHourlyPrice, type PriceTable } from '../../domain/prices.js';
import { LIMITS, mrkdwn, plain, type Button, type KnownBlock, type Modal, type MrkdwnElement, type SlackMessage } from './block-kit.js';
import { channelRef, mention, slackDate } from './format.js';
import { jobMachinesText, jobNameText } from './job-card.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate, truncateMrkdwn } from './messages.js';
import { approveDoesText, jobApprovalOutcome } from './job-approval-parts.js';
import { perHourText, priceBasisText } from './price-parts.js';

/** Action ids of the admins' buttons on a job request; each button's `value` is the job id. */
export const JOB_APPROVAL_ACTIONS = {
  approve: 'job_approve',
  deny: 'job_deny',
  withReason: 'job_decide_reason',
} as const;

/** The decision form behind [With a reason…] on a job request; `private_metadata` carries the job id. */
export const JOB_DECISION_FORM = {
  callbackId: 'job_decision_form',
  blocks: { decision: 'decision', reason: 'reason' },
  actions: { decision: 'decision', reason: 'reason' },
} as const;

type Decided = Extract<NoticeEvent, { type: 'job-approval-decided' }>;

export function jobDecisionForm(job: Job): Modal {
  const options = [
    { text: plain('Approve'), value: 'approve' },
    { text: plain('Deny'), value: 'deny' },
  ];
  return {
    type: 'modal',
    callback_id: JOB_DECISION_FORM.callbackId,
    title: plain('Decide on a request'),
    submit: plain('Decide'),
    close: plain('Cancel'),
    private_metadata: truncate(job.id, LIMITS.privateMetadata),
    blocks: [
      section(truncateMrkdwn(`${mention(job.owner)} submitted training job *${jobNameText(job)}* (${escapeMrkdwn(jobMachinesText(job))}).`, LIMITS.sectionText)),
      { type: 'input', block_id: JOB_DECISION_FORM.blocks.decision, label: plain('Decision'), element: { type: 'radio_buttons', action_id: JOB_DECISION_FORM.actions.decision, options } },
      {
        type: 'input',
        block_id: JOB_DECISION_FORM.blocks.reason,
        label: plain('Reason'),
        optional: true,
        hint: plain('The requester and the other admins read it.'),
        element: { type: 'plain_text_input', action_id: JOB_DECISION_FORM.actions.reason, multiline: true, max_length: 500 },
      },
    ],
  };
}

function field(title: string, value: string): MrkdwnElement {
  return mrkdwn(truncateMrkdwn(`*${title}*\n${value}`, LIMITS.sectionField));
}

function buttons(job: Job): Button[] {
  const value = truncate(job.id, LIMITS.buttonValue);
  return [
    { type: 'button', text: plain('Approve'), action_id: JOB_APPROVAL_ACTIONS.approve, value, style: 'primary' },
    {
      type: 'button',
      text: plain('Deny'),
      action_id: JOB_APPROVAL_ACTIONS.deny,
      value,
      style: 'danger',
      confirm: {
        title: plain('Deny this request?'),
        text: mrkdwn(truncateMrkdwn(`Training job ${jobNameText(job)} will not be submitted, and its owner is told you denied it.`, LIMITS.confirmText)),
        confirm: plain('Deny'),
        deny: plain('Back'),
        style: 'danger',
      },
    },
    { type: 'button', text: plain('With a reason…'), action_id: JOB_APPROVAL_ACTIONS.withReason, value },
  ];
}

/** A job's price per hour at training rates, every replica of every pool; null without prices. */
function perHour(job: Job, prices: PriceTable | undefined): { usd: number; missing: string[] } | null {
  if (prices === undefined) return null;
  let usd = 0;
  const missing: string[] = [];
  for (const pool of jobPools(job.plan)) {
    const price = trainingHourlyPrice(pool, prices);
    usd += price.perHour * pool.replicaCount;
    missing.push(...price.missing);
  }
  return { usd, missing };
}

/**
 * The admins' copy of a job request: who submitted what, where, which rules sent it here, what it
 * would cost per hour, and the buttons while it waits; rendered again after a decision, it says what
 * was decided instead.
 */
export function jobApprovalRequestMessage(job: Job, ctx: { now: number; prices?: PriceTable }): SlackMessage {
  const name = jobNameText(job);
  const rules = (job.approval?.rules ?? []).map((r) => `the policy rule *${escapeMrkdwn(truncate(r.rule, 80))}* asks for an approval (${escapeMrkdwn(truncate(r.detail, 200))})`);
  const why = rules.length > 0 ? rules.join('; ') : 'a policy rule asks for an approval';
  const source = job.fromBox;
  const fromBox = source != null ? ` from the code on box \`${escapeMrkdwn(truncate(source.box, 64))}\` (${source.dir === '.' ? 'its home directory' : `\`${escapeMrkdwn(truncate(source.dir, 200))}\``})` : '';
  // A job from a box is packaged only once approved: a Deny leaves nothing staged.
  const approveDoes = source != null ? `Approve packages that code and submits it to Vertex AI, Deny ends it with nothing packaged` : 'Approve submits it to Vertex AI, Deny ends it';
  const lead = `:raised_hand: ${mention(job.owner)} submitted training job *${name}*${fromBox}, but ${why}. It waits for an admin: ${approveDoes}.`;
  const fields: MrkdwnElement[] = [
    field('Machines', escapeMrkdwn(jobMachinesText(job))),
    field('Region', escapeMrkdwn(truncate(job.region, 64))),
    field('Asked in', channelRef(job.channel) ?? 'a DM with me'),
  ];
  const price = perHour(job, ctx.prices);
  if (price !== null) fields.push(field('Price', `≈ ${perHourText(price.usd)} while it runs, at training list prices`));
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(truncateMrkdwn(lead, LIMITS.sectionText)), fields }];
  const outcome = jobApprovalOutcome(job);
  if (outcome !== null) {
    blocks.push(section(outcome));
  } else {
    blocks.push({ type: 'actions', elements: buttons(job) });
    const ends = `Only admins can decide. If nobody does by ${slackDate(jobApprovalExpiresAt(job))}, the request ends by itself.`;
    const basis = ctx.prices !== undefined && price !== null ? priceBasisText([ctx.prices.source], price.missing) : null;
    blocks.push(contextLine(basis !== null ? `${ends} · ${basis}` : ends));
  }
  return { text: fallbackText(`Training job ${name}: ${why}; ${outcome ?? 'approve or deny the request.'}`), blocks };
}

/** What the job's thread and its owner are told at each step of the request. */
export function jobDecidedMessage(event: Decided, job: Job, audience: NoticeAudience): SlackMessage {
  const by = event.by !== null ? mention(event.by) : 'an admin';
  const reason = job.approval?.reason !== undefined ? ` Reason: ${escapeMrkdwn(truncate(job.approval.reason, 500))}` : '';
  const lead = audience === 'thread' ? '' : `Training job *${jobNameText(job)}*: `;
  let sentence: string;
  switch (event.outcome) {
    case 'approved':
      sentence = `:white_check_mark: ${lead}Approved by ${by}; ${approveDoesText(job)} now.${reason}`;
      break;
    case 'denied':
      sentence = `:no_entry_sign: ${lead}Denied by ${by}: nothing was submitted.${reason} Ask an admin about it if you still need it.`;
      break;
    case 'expired': {
      const wait = job.approval !== undefined ? formatDuration(jobApprovalExpiresAt(job) - job.approval.askedAt) : 'the allowed time';
      sentence = `:hourglass: ${lead}No admin approved or denied it within ${wait}, so the request ended: nothing was submitted. Submit it again if you still need it.`;
      break;
    }
    case 'withdrawn':
      sentence = `:wastebasket: ${lead}Withdrawn by ${by} before an admin decided; nothing was submitted.`;
      break;
  }
  return { text: fallbackText(sentence), blocks: [section(truncateMrkdwn(sentence, LIMITS.sectionText))] };
}

/** The answer to an admin whose click came after the request was decided (or had ended). */
export function jobAlreadyDecidedText(job: Job): string {
  const a = job.approval;
  const name = `\`${jobNameText(job)}\``;
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
