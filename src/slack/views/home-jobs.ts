/**
 * The App Home's training-job part and its month line: the viewer's live jobs and those that ended
 * lately, each with what it has cost, and what the viewer has spent this month against their budget.
 */
import { formatDuration } from '../../domain/duration.js';
import { isJobOver, jobDurations, type Job } from '../../domain/job.js';
import { formatUsd } from '../../domain/money.js';
import type { KnownBlock } from './block-kit.js';
import type { PricesByRegion } from './box-list.js';
import { JOB_STATUS, cancelButton, jobCostText, jobNameText } from './job-card.js';
import { contextLine, escapeMrkdwn, section, truncate } from './messages.js';

/** Jobs that ended longer ago than this are left to `/train list`: the Home tab is about now. */
export const HOME_JOB_DAYS = 7;
/** At most this many jobs on the tab; the rest are counted and pointed to `/train list`. */
export const HOME_JOB_MAX = 10;

const DAY_MS = 86_400_000;

// The words `/train list` and the job card use for each status, so a job reads the same everywhere.
export interface HomeJobsContext {
  now: number;
  project: string;
  prices?: PricesByRegion;
}

/** The jobs the tab shows: live ones, and those that ended in the last HOME_JOB_DAYS days, newest first. */
export function recentJobs(jobs: readonly Job[], now: number): Job[] {
  const since = now - HOME_JOB_DAYS * DAY_MS;
  // A job refused before it ran may have no end time; its last update is when it ended.
  return jobs.filter((j) => !isJobOver(j) || (j.endedAt ?? j.updatedAt) >= since).sort((a, b) => b.createdAt - a.createdAt);
}

function timeText(job: Job, now: number): string {
  const d = jobDurations(job, now);
  if (!isJobOver(job)) return d.ranMs === null ? `waiting ${formatDuration(d.queuedMs)}` : `running for ${formatDuration(d.ranMs)}`;
  const ended = job.endedAt ?? job.updatedAt;
  const ago = `ended ${formatDuration(now - ended)} ago`;
  return d.ranMs === null ? `never ran, ${ago}` : `ran ${formatDuration(d.ranMs)}, ${ago}`;
}

/** One job: a section with its facts, and the card's Cancel button where the card would offer one. */
export function homeJobEntry(job: Job, ctx: HomeJobsContext): KnownBlock {
  const s = JOB_STATUS[job.status];
  const asked = job.desired === 'cancelled' && !isJobOver(job);
  const table = ctx.prices?.(job.region);
  const cost = jobCostText(job, { now: ctx.now, project: ctx.project, ...(table !== undefined ? { prices: table } : {}) });
  const facts = [escapeMrkdwn(truncate(job.region, 64)), timeText(job, ctx.now)];
  if (cost !== null) facts.push(cost);
  const block = section(`${s.emoji} *${jobNameText(job)}*  ${s.word}${asked ? ' (cancel asked)' : ''}\n${facts.join(' · ')}`);
  // Same button and action id as the card: the existing listener handles the click and checks the owner.
  return asked || isJobOver(job) ? block : { ...block, accessory: cancelButton(job, true) };
}

/**
 * The training-job blocks, within `budget` blocks (one per job, plus one for `and N more` when some
 * are left out). `jobs` null: they could not be read this time.
 */
export function homeJobBlocks(jobs: readonly Job[] | null, budget: number, ctx: HomeJobsContext): KnownBlock[] {
  if (jobs === null) return [section('I could not read your training jobs just now; `/train list` shows them.')];
  const recent = recentJobs(jobs, ctx.now);
  if (recent.length === 0) {
    return [section(`You have no training jobs running or ended in the last ${HOME_JOB_DAYS} days. \`/train\` opens a form to start one; \`/train list\` shows older ones.`)];
  }
  const room = recent.length <= Math.min(HOME_JOB_MAX, budget) ? recent.length : Math.max(0, Math.min(HOME_JOB_MAX, budget - 1));
  const blocks = recent.slice(0, room).map((job) => homeJobEntry(job, ctx));
  const rest = recent.length - room;
  if (rest > 0) blocks.push(contextLine(`…and ${rest} more — \`/train list\``));
  return blocks;
}

/** Month-to-date spend as the cost report gives it, and the viewer's monthly budget if they have one. */
export interface MonthSpend {
  total: number;
  /** Boxes and jobs left out of `total` because their prices did not load. */
  unpriced: number;
  budget: number | null;
}

export function monthLine(month: MonthSpend): KnownBlock {
  const usd = (n: number): string => escapeMrkdwn(formatUsd(n));
  const parts = [`:moneybag: *This month:* ${usd(month.total)} on your boxes and training jobs, at list price`];
  if (month.budget !== null && month.budget > 0) {
    parts.push(`${Math.round((month.total / month.budget) * 100)}% of your ${usd(month.budget)} monthly budget`);
  }
  if (month.unpriced > 0) parts.push(`${month.unpriced} ${month.unpriced === 1 ? 'box or job' : 'boxes or jobs'} not counted: their prices did not load`);
  return section(`${parts.join(' · ')} · \`/gpu cost --month\` for the details`);
}
