/** The App Home tab: the viewer's boxes with their buttons, and how to make one. */
import type { Box } from '../../domain/box.js';
import { LIMITS, divider, type Home, type KnownBlock } from './block-kit.js';
import { boxEntries, boxSummary, CREATE_EXAMPLE, type PricesByRegion } from './box-list.js';
import { boxButtons } from './box-parts.js';
import { contextLine, header, section } from './messages.js';
import { burnText } from './price-parts.js';

export interface HomeContext {
  now: number;
  project: string;
  /** Slack user id of the person looking at their Home tab. */
  viewer: string;
  /** With prices, each box says what it has cost, under a line with what the running ones cost per hour. */
  prices?: PricesByRegion;
}

const HOW_TO = [
  `• \`${CREATE_EXAMPLE}\` in a channel creates a box; its card there shows progress and the Jupyter link.`,
  '• `/gpu` alone opens a form; `/gpu list` shows your boxes; `/gpu connect NAME` gives the tunnel command.',
  '• Stop a box you are not using: the disk and files are kept and only the disk is billed. Delete removes the disk too.',
  '• `/gpu help` for everything else.',
].join('\n');

export function homeView(boxes: Box[], ctx: HomeContext): Home {
  // The Home tab is private to its viewer, so it shows only their boxes whatever the caller passed.
  const mine = boxes.filter((b) => b.owner === ctx.viewer);
  const tail: KnownBlock[] = [divider(), header('How to'), section(HOW_TO)];
  const blocks: KnownBlock[] = [header('Your GPU boxes')];
  if (mine.length === 0) {
    blocks.push(section(`You have no boxes right now. Type \`${CREATE_EXAMPLE}\` in a channel, or \`/gpu\` for a form.`));
  } else {
    const prices = ctx.prices;
    const burn = prices !== undefined ? burnText(mine, ctx.now, prices) : null;
    if (burn !== null) blocks.push(contextLine(burn));
    const budget = LIMITS.viewBlocks - blocks.length - tail.length - 1;
    const { blocks: entries } = boxEntries(mine, budget, (box) => {
      const table = prices?.(box.spec.region);
      return {
        text: boxSummary(box, { now: ctx.now, viewer: ctx.viewer, showOwner: false, ...(table !== undefined ? { prices: table } : {}) }),
        buttons: boxButtons(box, 'full'),
      };
    });
    blocks.push(...entries, contextLine('Buttons act on the box right away; Delete asks first.'));
  }
  return { type: 'home', blocks: [...blocks, ...tail] };
}
