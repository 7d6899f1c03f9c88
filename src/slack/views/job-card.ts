/**
 * Training jobs in Slack: the one card per job in its channel (updated in place), the notice that
 * ends it (in its thread and in the owner's DM), and the answers to `/train list|status|logs|cancel`.
 */
import { jobApprovalOutcome, jobWaitsText } from './job-approval-parts.js';
import { jobCost } from '../../domain/cost.js';
import { jobDurations, jobPools, isJobOver, type Job, type JobStatus } from '../../domain/job.js';
import { formatDuration } from '../../domain/duration.js';
import { formatUsd } from '../../domain/money.js';
import type { PriceTable } from '../../domain/prices.js';
import { jobConsoleUrl, jobLogsUrl } from '../../domain/train-command.js';
import type { NoticeAudience } from '../../domain/notice.js';
import { LIMITS, mrkdwn, plain, type Button, type EphemeralMessage, type KnownBlock, type SlackMessage } from './block-kit.js';
import { channelRef, link, mention } from './format.js';
import { boxJobBlocks, copyButtons } from './box-job.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate, truncateMrkdwn } from './messages.js';
import { bestTrialText, tuningEndBlocks, tuningStudyText } from './tuning-parts.js';

export const JOB_ACTIONS = { cancel: 'job_cancel', resubmit: 'job_resubmit', logs: 'job_logs', console: 'job_console' } as const;

export interface JobViewContext {
  now: number;
  project: string;
  /** List prices of the job's region: with them, the end says what the job cost. */
  prices?: PriceTable;
}

/** How a job's status reads wherever a job is shown (its card, its end notice, the Home tab). */
export const JOB_STATUS: Readonly<Record<JobStatus, { emoji: string; word: string }>> = {
  'awaiting-approval': { emoji: ':raised_hand:', word: "Awaiting an admin's approval" },
  requested: { emoji: ':hourglass_flowing_sand:', word: 'Submitting to Vertex AI' },
  queued: { emoji: ':hourglass_flowing_sand:', word: 'Queued' },
  pending: { emoji: ':hourglass:', word: 'Pending (machines starting)' },
  running: { emoji: ':runner:', word: 'Running' },
  cancelling: { emoji: ':octagonal_sign:', word: 'Cancelling' },
  succeeded: { emoji: ':white_check_mark:', word: 'Succeeded' },
  failed: { emoji: ':x:', word: 'Failed' },
  cancelled: { emoji: ':no_entry_sign:', word: 'Cancelled' },
};

export function jobNameText(job: Pick<Job, 'name'>): string {
  return escapeMrkdwn(truncate(job.name, 128));
}

/** What the job runs on, in one line: `1 × n1-standard-8 with 1 NVIDIA_TESLA_T4` (a tuning job: per trial, and its study). */
export function jobMachinesText(job: Pick<Job, 'plan'>): string {
  const machines = jobPools({ pools: job.plan.pools })
    .map((p) => `${p.replicaCount} × ${p.machineType}${p.acceleratorType !== null && p.acceleratorCount > 0 ? ` with ${p.acceleratorCount} ${p.acceleratorType}` : ''}`)
    .join(', ');
  const study = tuningStudyText(job);
  return study === null ? machines : `${machines} per trial. ${study}`;
}

function durationsText(job: Job, now: number): string {
  const d = jobDurations(job, now);
  const queued = `queued ${formatDuration(d.queuedMs)}`;
  return d.ranMs === null ? queued : `${queued}, ran ${formatDuration(d.ranMs)}`;
}

/** The job's list price from start to end, at Vertex AI training rates; null without prices or before it ran. */
export function jobCostText(job: Job, ctx: JobViewContext): string | null {
  if (ctx.prices === undefined || job.startedAt === null) return null;
  const end = job.endedAt ?? ctx.now;
  let total = 0;
  const missing = new Set<string>();
  for (const pool of jobPools(job.plan)) {
    const cost = jobCost({ ...pool, startMs: job.startedAt, endMs: end }, ctx.prices);
    total += cost.total;
    for (const m of cost.missing) missing.add(m);
  }
  const gaps = missing.size > 0 ? ` (no price for ${[...missing].slice(0, 3).join(', ')})` : '';
  return `${isJobOver(job) ? 'Cost' : 'Cost so far'}: ${formatUsd(total)} at list price${gaps}`;
}

function links(job: Job, project: string): string | null {
  if (job.vertexJobId === null) return null;
  return `${link(jobConsoleUrl(project, job.region, job.vertexJobId), 'Console')} · ${link(jobLogsUrl(project, job.vertexJobId), 'Logs')}`;
}

function logsButton(job: Job, project: string): Button | null {
  if (job.vertexJobId === null) return null;
  return { type: 'button', text: plain('Logs'), action_id: JOB_ACTIONS.logs, url: jobLogsUrl(project, job.vertexJobId) };
}

export function cancelButton(job: Job, confirm: boolean): Button {
  const b: Button = { type: 'button', text: plain('Cancel job'), action_id: JOB_ACTIONS.cancel, value: job.id, style: 'danger' };
  if (!confirm) return b;
  return {
    ...b,
    confirm: {
      title: plain('Cancel this job?'),
      text: mrkdwn(truncateMrkdwn(`Cancel ${jobNameText(job)}? Vertex AI stops it; its work so far is lost unless it saved checkpoints.`, LIMITS.confirmText)),
      confirm: plain('Cancel job'),
      deny: plain('Let it run'),
      style: 'danger',
    },
  };
}

function resubmitButton(job: Job): Button {
  return { type: 'button', text: plain('Resubmit'), action_id: JOB_ACTIONS.resubmit, value: job.id };
}

/**
 * A job's own log line, shown as it was written: every `&`, `<` and `>` becomes its entity, as Slack's
 * formatting reference asks of text from elsewhere (https://api.slack.com/reference/surfaces/formatting#escaping),
 * so a line holding `<!channel>` or `<http://x|click>` pings nobody and links nowhere. Unlike
 * escapeMrkdwn, an `&lt;` the program printed stays `&lt;` on screen.
 */
export function escapeLogLine(line: string): string {
  return line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A job that waited for an admin says what became of the request (who approved or denied, and why). */
function approvalBlocks(job: Job): KnownBlock[] {
  const outcome = jobApprovalOutcome(job);
  if (outcome !== null) return [section(truncateMrkdwn(outcome, LIMITS.sectionText))];
  return job.status === 'awaiting-approval' ? [contextLine("Waiting for an admin's approval: nothing runs in Vertex AI until one approves. Cancel withdraws the request.")] : [];
}

function failureBlocks(job: Job): KnownBlock[] {
  if (job.failure === null) return [];
  const blocks: KnownBlock[] = [section(`*Error:* ${escapeMrkdwn(truncate(job.failure.message, 1500))}`)];
  if (job.failure.logLines.length > 0) {
    const lines = job.failure.logLines.map((l) => escapeLogLine(truncate(l, 300).replace(/```/g, "'''"))).join('\n');
    blocks.push(section(`*Last error lines:*\n\`\`\`${truncateMrkdwn(lines, 2500)}\`\`\``));
  }
  return blocks;
}

/** The card: posted once in the channel, then updated in place as the job moves. */
export function jobCard(job: Job, ctx: JobViewContext): SlackMessage {
  const s = JOB_STATUS[job.status];
  const name = jobNameText(job);
  const head = `${s.emoji} *Training job ${name}*: ${s.word}${job.desired === 'cancelled' && !isJobOver(job) ? ' (cancel asked)' : ''}`;
  const blocks: KnownBlock[] = [
    section(head),
    {
      type: 'section',
      fields: [
        mrkdwn(truncateMrkdwn(`*Machines*\n${escapeMrkdwn(jobMachinesText(job))}`, LIMITS.sectionField)),
        mrkdwn(`*Region*\n${escapeMrkdwn(truncate(job.region, 64))}`),
        mrkdwn(`*Owner*\n${mention(job.owner)}`),
        mrkdwn(`*Time*\n${durationsText(job, ctx.now)}`),
      ],
    },
    ...failureBlocks(job),
    ...boxJobBlocks(job, ctx.project),
    ...approvalBlocks(job),
  ];
  const cost = jobCostText(job, ctx);
  const where = links(job, job.project ?? ctx.project);
  const footer = [cost !== null ? `:moneybag: ${cost}` : null, where].filter((x): x is string => x !== null).join(' · ');
  if (footer !== '') blocks.push(contextLine(footer));
  const buttons: Button[] = [];
  const logs = logsButton(job, job.project ?? ctx.project);
  if (logs !== null) buttons.push(logs);
  if (!isJobOver(job) && job.desired !== 'cancelled') buttons.push(cancelButton(job, true));
  if (isJobOver(job)) buttons.push(resubmitButton(job), ...copyButtons(job));
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
  return { text: fallbackText(`Training job ${name}: ${s.word}`), blocks };
}

/** The end of a job: in its thread, and (naming the job and its thread) in the owner's DM. */
export function jobEndedMessage(job: Job, ctx: JobViewContext & { audience: NoticeAudience }): SlackMessage {
  const s = JOB_STATUS[job.status];
  const name = jobNameText(job);
  const lead = ctx.audience === 'thread' ? '' : `Training job *${name}*: `;
  const where = ctx.audience === 'thread' ? null : channelRef(job.channel);
  const sentence = `${s.emoji} ${lead}${s.word.toUpperCase()} after ${durationsText(job, ctx.now)}.${where !== null ? ` Its thread is in ${where}.` : ''}`;
  const blocks: KnownBlock[] = [section(sentence), ...tuningEndBlocks(job), ...failureBlocks(job), ...boxJobBlocks(job, ctx.project)];
  const cost = jobCostText(job, ctx);
  if (cost !== null) blocks.push(contextLine(`:moneybag: ${cost}`));
  const l = links(job, job.project ?? ctx.project);
  if (l !== null) blocks.push(contextLine(l));
  const buttons: Button[] = [];
  const logs = logsButton(job, job.project ?? ctx.project);
  if (logs !== null) buttons.push(logs);
  buttons.push(resubmitButton(job), ...copyButtons(job));
  blocks.push({ type: 'actions', elements: buttons });
  const error = job.failure !== null ? ` ${truncate(job.failure.message, 300)}` : '';
  const best = bestTrialText(job);
  const text = `Training job ${name}: ${s.word.toUpperCase()} after ${durationsText(job, ctx.now)}.${best !== null ? ` ${truncate(best, 400)}` : ''}${error}${cost !== null ? ` ${cost}.` : ''}`;
  return { text: fallbackText(text), blocks };
}

function ephemeral(text: string, blocks: KnownBlock[]): EphemeralMessage {
  return { response_type: 'ephemeral', text: fallbackText(text), blocks };
}

/** The answer to a submit: what the job will be, and where to watch it. */
export function submittedMessage(job: Job, notes: readonly string[]): EphemeralMessage {
  const where = channelRef(job.channel);
  const text = job.status === 'awaiting-approval' ? jobWaitsText(job) :
    `:rocket: Submitting training job \`${jobNameText(job)}\` to Vertex AI in ${escapeMrkdwn(job.region)}: ${escapeMrkdwn(jobMachinesText(job))}. ` +
    `${where !== null ? `Its card in ${where}` : 'Its card in your DM with me'} shows progress, and I will DM you when it ends.`;
  const blocks: KnownBlock[] = [section(truncateMrkdwn(text, LIMITS.sectionText))];
  if (notes.length > 0) blocks.push(contextLine(truncateMrkdwn(notes.map((n) => `• ${n}`).join('\n'), LIMITS.contextText)));
  return ephemeral(text, blocks);
}

/** `/train status JOB`. */
export function jobStatusMessage(job: Job, ctx: JobViewContext): EphemeralMessage {
  const card = jobCard(job, ctx);
  return { response_type: 'ephemeral', text: card.text, blocks: card.blocks };
}

/** `/train logs JOB`: the link, and for a failed job its last error lines. */
export function jobLogsMessage(job: Job, project: string): EphemeralMessage {
  if (job.vertexJobId === null) {
    const why = job.failure !== null ? ` Vertex AI refused it: ${escapeMrkdwn(truncate(job.failure.message, 1500))}` : ' It has not reached Vertex AI yet.';
    const text = `\`${jobNameText(job)}\` has no logs.${why}`;
    return ephemeral(text, [section(`:information_source: ${text}`)]);
  }
  const text = `Logs of \`${jobNameText(job)}\`: ${link(jobLogsUrl(job.project ?? project, job.vertexJobId), 'open them in the Logs Explorer')}.`;
  return ephemeral(text, [section(`:scroll: ${text}`), ...failureBlocks(job)]);
}

/** `/train cancel JOB` only asks; the button in the answer does it. */
export function cancelPrompt(job: Job): EphemeralMessage {
  if (isJobOver(job)) {
    const text = `\`${jobNameText(job)}\` already ${job.status}; there is nothing to cancel.`;
    return ephemeral(text, [section(`:information_source: ${text}`)]);
  }
  const text = `:warning: Cancel training job \`${jobNameText(job)}\` (${JOB_STATUS[job.status].word.toLowerCase()})? Its work so far is lost unless it saved checkpoints.`;
  return ephemeral(text, [section(text), { type: 'actions', elements: [cancelButton(job, false)] }]);
}

/** `/train list [--all]`. */
export function jobList(jobs: readonly Job[], ctx: { now: number; all: boolean }): EphemeralMessage {
  if (jobs.length === 0) {
    const text = ctx.all ? 'No training jobs yet.' : 'You have no training jobs. `/train submit ...` starts one; `/train list --all` shows everyone’s.';
    return ephemeral(text, [section(text)]);
  }
  const lines = jobs.slice(0, 40).map((j) => {
    const s = JOB_STATUS[j.status];
    return `${s.emoji} \`${jobNameText(j)}\` ${s.word.toLowerCase()} · ${escapeMrkdwn(j.region)} · ${durationsText(j, ctx.now)}${ctx.all ? ` · ${mention(j.owner)}` : ''}`;
  });
  const title = ctx.all ? `*Training jobs* (${jobs.length})` : `*Your training jobs* (${jobs.length})`;
  const blocks: KnownBlock[] = [section(title)];
  for (let i = 0; i < lines.length; i += 10) blocks.push(section(truncateMrkdwn(lines.slice(i, i + 10).join('\n'), LIMITS.sectionText)));
  return ephemeral(`${ctx.all ? 'Training jobs' : 'Your training jobs'}: ${jobs.length}`, blocks);
}
