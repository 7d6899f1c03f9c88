/**
 * The App Home tab: what the viewer spent this month, their boxes with their buttons, their recent
 * training jobs, and how to make a box.
 */
import type { Box } from '../../domain/box.js';
import type { Job } from '../../domain/job.js';
import { LIMITS, divider, type Home, type KnownBlock } from './block-kit.js';
import { boxEntries, boxSummary, CREATE_EXAMPLE, type PricesByRegion } from './box-list.js';
import { boxButtons } from './box-parts.js';
import { HOME_JOB_MAX, homeJobBlocks, monthLine, type MonthSpend } from './home-jobs.js';
import { contextLine, header, section } from './messages.js';
import { burnText } from './price-parts.js';

export type { MonthSpend } from './home-jobs.js';

export interface HomeContext {
  now: number;
  project: string;
  /** Slack user id of the person looking at their Home tab. */
  viewer: string;
  /** With prices, each box says what it has cost, under a line with what the running ones cost per hour. */
  prices?: PricesByRegion;
  /**
   * The viewer's training jobs as `/train list` reads them. Absent: training jobs are not set up, so
   * the tab has no part for them; null: they could not be read this time.
   */
  jobs?: readonly Job[] | null;
  /** Month-to-date spend; absent when the cost report is not set up, failed or came too late. */
  month?: MonthSpend;
}

const HOW_TO = [
  `• \`${CREATE_EXAMPLE}\` in a channel creates a box; its card there shows progress and the Jupyter link.`,
  '• `/gpu` alone opens a form; `/gpu list` shows your boxes; `/gpu connect NAME` gives the tunnel command.',
  '• Stop a box you are not using: the disk and files are kept and only the disk is billed. Delete removes the disk too.',
  '• `/gpu help` for everything else.',
].join('\n');

export function homeView(boxes: Box[], ctx: HomeContext): Home {
  // The Home tab is private to its viewer, so it shows only their boxes and jobs whatever the caller passed.
  const mine = boxes.filter((b) => b.owner === ctx.viewer);
  const tail: KnownBlock[] = [divider(), header('How to'), section(HOW_TO)];
  const top: KnownBlock[] = ctx.month !== undefined ? [monthLine(ctx.month)] : [];
  // Jobs are capped at a few, so they take their blocks first and the boxes get what is left.
  const jobs: KnownBlock[] = [];
  if (ctx.jobs !== undefined) {
    const myJobs = ctx.jobs === null ? null : ctx.jobs.filter((j) => j.owner === ctx.viewer);
    const entries = homeJobBlocks(myJobs, HOME_JOB_MAX + 1, { now: ctx.now, project: ctx.project, ...(ctx.prices !== undefined ? { prices: ctx.prices } : {}) });
    jobs.push(divider(), header('Your training jobs'), ...entries);
  }
  const blocks: KnownBlock[] = [...top, header('Your GPU boxes')];
  if (mine.length === 0) {
    blocks.push(section(`You have no boxes right now. Type \`${CREATE_EXAMPLE}\` in a channel, or \`/gpu\` for a form.`));
  } else {
    const prices = ctx.prices;
    const burn = prices !== undefined ? burnText(mine, ctx.now, prices) : null;
    if (burn !== null) blocks.push(contextLine(burn));
    // One block is kept for the line under the entries.
    const budget = LIMITS.viewBlocks - blocks.length - jobs.length - tail.length - 1;
    const { blocks: entries } = boxEntries(mine, budget, (box) => {
      const table = prices?.(box.spec.region);
      return {
        text: boxSummary(box, { now: ctx.now, viewer: ctx.viewer, showOwner: false, ...(table !== undefined ? { prices: table } : {}) }),
        // The Home tab is its viewer's alone, and shows only their boxes.
        buttons: boxButtons(box, 'full', { owner: box.owner === ctx.viewer }),
      };
    });
    blocks.push(...entries, contextLine('Buttons act on the box right away; Delete asks first.'));
  }
  return { type: 'home', blocks: [...blocks, ...jobs, ...tail] };
}
