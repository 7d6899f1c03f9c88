/** The one message per box in its channel, updated in place as the box moves through its life. */
import { channelRef } from './format.js';
import type { Box, BoxApproval } from '../../domain/box.js';
import { formatUsd } from '../../domain/money.js';
import { formatDuration } from '../../domain/duration.js';
import { provisioningOf } from '../../domain/provisioning.js';
import type { PriceTable } from '../../domain/prices.js';
import { LIMITS, mrkdwn, type KnownBlock, type MrkdwnElement, type SlackMessage } from './block-kit.js';
import { approvedText, boxButtons, gpuText, nameText, placeText, statusLine, statusWord, timeInState } from './box-parts.js';
import { consoleInstanceUrl, link, mention, slackDate } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, truncate, truncateMrkdwn } from './messages.js';
import { trainButton } from './box-job.js';
import { boxMoney, costIsFinal, perMonthText, priceBasisText, runningPriceText } from './price-parts.js';

export { ACTIONS, OPEN_ACTION } from './box-parts.js';

export interface BoxCardContext {
  now: number;
  project: string;
  /** The card sits in the owner's DM because the bot cannot post where the box was asked for. */
  shownInDm?: boolean;
  /** List prices of the box's region: with them the card says what the box costs per hour and so far. */
  prices?: PriceTable;
}

function field(title: string, value: string): MrkdwnElement {
  return mrkdwn(truncateMrkdwn(`*${title}*\n${value}`, LIMITS.sectionField));
}

/** Spot, Flex-start or neither, in the card's words. */
function spotText(box: Box): string {
  const p = provisioningOf(box.spec);
  if (p === 'spot') return 'Yes: cheaper, but Google Cloud may stop it';
  if (p === 'flex-start') return `No, Flex-start: runs at most ${formatDuration(box.spec.flexMaxRunMs ?? 0)} per start`;
  return 'No';
}

/** The spec as section fields: what the box is and whose. */
export function boxFields(box: Box): MrkdwnElement[] {
  const place = placeText(box);
  const where = place.label === 'Zone' ? escapeMrkdwn(place.value) : `${escapeMrkdwn(place.value)} (zone not chosen yet)`;
  return [
    field('GPU', escapeMrkdwn(gpuText(box))),
    field('Machine', escapeMrkdwn(truncate(box.spec.machineType, 100))),
    field(place.label, where),
    field('Spot', spotText(box)),
    field('Disk', `${box.spec.diskGb} GB`),
    field('Owner', mention(box.owner)),
  ];
}

/**
 * What the box costs per hour in its current state and what it has cost: two more fields (a section
 * holds ten), and the basis of the figures for the context line. The card is redrawn only when the box
 * changes, so the cost says when it was reckoned.
 */
function moneyFields(box: Box, prices: PriceTable, now: number): { fields: MrkdwnElement[]; basis: string } {
  const money = boxMoney(box, prices, now);
  const basis = priceBasisText([money.cost.source], money.price.missing);
  const total = formatUsd(money.cost.total);
  if (costIsFinal(box)) return { fields: [field('Cost', `${total} in all`)], basis };
  const stopped = `Stopped: disk only, ${perMonthText(money.price.stoppedPerMonth)}`;
  const price =
    box.status === 'stopped' ? stopped : `${runningPriceText(money.price, { spot: box.spec.spot, parts: false })}\n${stopped.toLowerCase()}`;
  return { fields: [field('Price', price), field('Cost so far', `${total} as of ${slackDate(now)}`)], basis };
}

/** The notification text of a box that ended while waiting for an admin says how it ended. */
const ENDED_WORDS: Readonly<Partial<Record<BoxApproval['state'], string>>> = { denied: 'Denied', expired: 'Not approved in time', withdrawn: 'Withdrawn' };

/** Statuses in which a VM exists in a known zone, so its console page shows something. */
function hasConsolePage(box: Box): boolean {
  return box.zone !== null && !['awaiting-approval', 'requested', 'deleted', 'failed'].includes(box.status);
}

export function boxCard(box: Box, ctx: BoxCardContext): SlackMessage {
  const money = ctx.prices !== undefined ? moneyFields(box, ctx.prices, ctx.now) : null;
  // A card in the channel is read by the whole team; one in the owner's DM by the owner alone.
  const readers = { owner: ctx.shownInDm === true };
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(truncateMrkdwn(`*${nameText(box)}*\n${statusLine(box, readers)}`, LIMITS.sectionText)),
      fields: [...boxFields(box), ...(money?.fields ?? [])],
    },
  ];
  // [Train] on the card only (not the Home tab's short rows): it opens the /train form for this box.
  const buttons = [...boxButtons(box, 'full', readers), ...(box.status === 'ready' ? [trainButton(box)] : [])];
  if (buttons.length > 0) blocks.push({ type: 'actions', elements: buttons });

  const facts = [`Requested ${slackDate(box.createdAt)}`, timeInState(box, ctx.now)];
  const approved = approvedText(box);
  if (approved !== null) facts.push(approved);
  if (hasConsolePage(box) && box.zone !== null) {
    facts.push(link(consoleInstanceUrl(box.project ?? ctx.project, box.zone, box.name), 'Cloud console'));
  }
  if (money !== null) facts.push(money.basis);
  blocks.push(contextLine(facts.join(' · ')));
  if (ctx.shownInDm === true) {
    // The bot could not post where the box was asked for (a private channel it is not in).
    const where = channelRef(box.channel) ?? 'that channel';
    blocks.push(contextLine(`I can't post in ${where}: invite me there with \`/invite @gpubot\` to keep box cards in the channel.`));
  }

  const place = placeText(box);
  const ended = box.status === 'deleted' && box.approval !== undefined ? ENDED_WORDS[box.approval.state] : undefined;
  const summary = `${box.name}: ${ended ?? statusWord(box.status)} (${gpuText(box)}, ${place.value})`;
  const failure = box.status === 'failed' && box.failure !== null ? `. ${truncate(box.failure.message, 300)}` : '';
  return { text: fallbackText(escapeMrkdwn(summary + failure)), blocks };
}
