/** The answer to `/gpu list`: one short entry per box, with the buttons it needs most. */
import type { Box } from '../../domain/box.js';
import { formatDuration } from '../../domain/duration.js';
import type { PriceTable } from '../../domain/prices.js';
import { LIMITS, type KnownBlock, type SlackMessage } from './block-kit.js';
import { boxButtons, gpuText, nameText, placeText, statusLine, statusWord, timeInState } from './box-parts.js';
import { listText, mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate } from './messages.js';
import { boxMoneyFact, burnText } from './price-parts.js';

/** List prices by region, already at hand (a view waits for nothing); undefined where there are none. */
export type PricesByRegion = (region: string) => PriceTable | undefined;

export interface BoxListContext {
  now: number;
  project: string;
  /** `--all`: everyone's boxes, so each entry says whose it is. */
  all: boolean;
  /** Slack user id of the person asking. */
  viewer: string;
  /** With prices, each box says what it has cost and the list starts with what the running ones cost per hour. */
  prices?: PricesByRegion;
}

export const CREATE_EXAMPLE = '/gpu up exp42 --gpu t4';

/**
 * The lines one box gets in a list (the list, and the Home tab). `prices` is the table of the box's
 * region; the basis of its figures is the list's to say, once.
 */
export function boxSummary(box: Box, ctx: { now: number; viewer: string; showOwner: boolean; prices?: PriceTable }): string {
  const place = placeText(box);
  const facts = [escapeMrkdwn(gpuText(box)), escapeMrkdwn(truncate(place.value, 64))];
  if (box.spec.spot) facts.push('Spot');
  else if (box.spec.provisioning === 'flex-start') facts.push('Flex-start');
  if (ctx.showOwner) facts.push(box.owner === ctx.viewer ? 'yours' : mention(box.owner));
  facts.push(`${timeInState(box, ctx.now).toLowerCase()}, created ${formatDuration(ctx.now - box.createdAt)} ago`);
  if (ctx.prices !== undefined) facts.push(boxMoneyFact(box, ctx.prices, ctx.now));
  return `*${nameText(box)}*  ${statusLine(box, { short: true })}\n${facts.join(' · ')}`;
}

/**
 * Blocks for as many boxes as fit in `budget` blocks (a section each, plus an actions block when the
 * box has buttons), then `and N more` for the rest.
 */
export function boxEntries(
  boxes: readonly Box[],
  budget: number,
  entry: (box: Box) => { text: string; buttons: ReturnType<typeof boxButtons> },
): { blocks: KnownBlock[]; shown: number } {
  const blocks: KnownBlock[] = [];
  let shown = 0;
  for (const [i, box] of boxes.entries()) {
    const { text, buttons } = entry(box);
    const cost = buttons.length > 0 ? 2 : 1;
    const isLast = i === boxes.length - 1;
    // Keep one block free for the "and N more" line unless this is the last box.
    if (blocks.length + cost + (isLast ? 0 : 1) > budget) break;
    blocks.push(section(text));
    if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });
    shown += 1;
  }
  const rest = boxes.length - shown;
  if (rest > 0) blocks.push(contextLine(`…and ${rest} more. Name one to act on it, e.g. \`/gpu connect NAME\`.`));
  return { blocks, shown };
}

export function boxList(boxes: Box[], ctx: BoxListContext): SlackMessage {
  if (boxes.length === 0) {
    const text = ctx.all
      ? `Nobody has a GPU box right now. Create one with \`${CREATE_EXAMPLE}\`, or type \`/gpu\` alone for a form.`
      : `You have no GPU boxes. Create one with \`${CREATE_EXAMPLE}\`, or type \`/gpu\` alone for a form.`;
    return { text: fallbackText(text), blocks: [section(`:sparkles: ${text}`)] };
  }
  const prices = ctx.prices;
  const burn = prices !== undefined ? burnText(boxes, ctx.now, prices) : null;
  const title = (ctx.all ? `*All GPU boxes* (${boxes.length})` : `*Your GPU boxes* (${boxes.length})`) + (burn !== null ? `\n${burn}` : '');
  const footer = contextLine('`/gpu connect NAME` for the Jupyter link and tunnel command · `/gpu help` for everything else');
  const { blocks } = boxEntries(boxes, LIMITS.messageBlocks - 2, (box) => {
    const table = prices?.(box.spec.region);
    return {
      text: boxSummary(box, { now: ctx.now, viewer: ctx.viewer, showOwner: ctx.all, ...(table !== undefined ? { prices: table } : {}) }),
      // The list answers one person: their own boxes get the Jupyter link, others' (with --all) do not.
      buttons: boxButtons(box, 'short', { owner: box.owner === ctx.viewer }),
    };
  });
  const names = listText(
    boxes.map((b) => `${truncate(b.name, 63)} (${statusWord(b.status).toLowerCase()})`),
    10,
  );
  return {
    text: fallbackText(`${ctx.all ? 'All GPU boxes' : 'Your GPU boxes'}: ${escapeMrkdwn(names)}`),
    blocks: [section(title), ...blocks, footer],
  };
}
