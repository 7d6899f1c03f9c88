/**
 * The weekly stopped-box reminder: to the owner, what the box's disk has cost since it was stopped and
 * costs each month, with [Delete] and [Keep 30 days]; to the admins, the list and the team's total.
 */
import type { Box } from '../../domain/box.js';
import { formatUsd } from '../../domain/money.js';
import type { NoticeEvent } from '../../domain/notice.js';
import type { StoppedBoxCost } from '../../domain/stopped-reminder.js';
import { LIMITS, plain, type Button, type KnownBlock, type SlackMessage } from './block-kit.js';
import { deleteButton } from './box-parts.js';
import { mention, slackDate } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate, truncateMrkdwn } from './messages.js';

/** The action id of [Keep 30 days]; its `value` is the box id. */
export const STOPPED_KEEP_ACTION = 'box_keep_stopped';

type Reminder = Extract<NoticeEvent, { type: 'box-stopped-reminder' }>;
type Summary = Extract<NoticeEvent, { type: 'stopped-boxes-summary' }>;

export function isStoppedReminderEvent(event: NoticeEvent): event is Reminder | Summary {
  return event.type === 'box-stopped-reminder' || event.type === 'stopped-boxes-summary';
}

function boxName(c: Pick<StoppedBoxCost, 'name'>): string {
  return `\`${escapeMrkdwn(truncate(c.name, 63)).replace(/`/g, "'")}\``;
}

const LIST_PRICE = 'List prices of the price book; the disk is billed while the box exists, stopped or not.';

/** The owner's DM: the box, how long it has been stopped, its disk's cost, and the two buttons (when the box is still there). */
function reminderMessage(event: Reminder, box: Box | null): SlackMessage {
  const c = event.cost;
  const sentence =
    `:floppy_disk: ${boxName(c)} has been stopped since ${slackDate(c.stoppedSince)}. Its ${c.diskGb} GB disk has cost about ${formatUsd(c.diskSoFar)} since then ` +
    `and costs ${formatUsd(c.diskPerMonth)} a month while it stays. Delete it if you no longer need its files, or keep it and I will not ask again for 30 days.`;
  const blocks: KnownBlock[] = [section(truncateMrkdwn(sentence, LIMITS.sectionText))];
  if (box !== null && box.status === 'stopped') {
    const keep: Button = { type: 'button', text: plain('Keep 30 days'), action_id: STOPPED_KEEP_ACTION, value: truncate(box.id, LIMITS.buttonValue) };
    blocks.push({ type: 'actions', elements: [deleteButton(box), keep] });
  }
  blocks.push(contextLine(LIST_PRICE));
  return { text: fallbackText(`${c.name}: stopped since ${new Date(c.stoppedSince).toISOString().slice(0, 10)}; its disk costs ${formatUsd(c.diskPerMonth)} a month.`), blocks };
}

/** Lines per section: a section holds 3000 characters, and a line stays under 200. */
const LINES_PER_SECTION = 12;
const MOST_LINES = 48;

function summaryMessage(event: Summary): SlackMessage {
  const head = `:floppy_disk: *Stopped boxes that still cost money*: ${event.boxes.length} box${event.boxes.length === 1 ? '' : 'es'}, ${formatUsd(event.perMonth)} a month together (about ${formatUsd(event.soFar)} so far since they were stopped). Their owners were asked to delete or keep them.`;
  const lines = [...event.boxes]
    .sort((a, b) => b.diskPerMonth - a.diskPerMonth)
    .slice(0, MOST_LINES)
    .map((c) => `• ${boxName(c)} of ${mention(c.owner)}: stopped since ${slackDate(c.stoppedSince)}, ${c.diskGb} GB, ${formatUsd(c.diskPerMonth)}/month`);
  const blocks: KnownBlock[] = [section(truncateMrkdwn(head, LIMITS.sectionText))];
  for (let i = 0; i < lines.length; i += LINES_PER_SECTION) blocks.push(section(lines.slice(i, i + LINES_PER_SECTION).join('\n')));
  if (event.boxes.length > MOST_LINES) blocks.push(contextLine(`And ${event.boxes.length - MOST_LINES} more.`));
  blocks.push(contextLine(LIST_PRICE));
  return { text: fallbackText(`Stopped boxes: ${event.boxes.length}, ${formatUsd(event.perMonth)} a month together.`), blocks };
}

export function stoppedReminderMessage(event: Reminder | Summary, box: Box | null): SlackMessage {
  return event.type === 'box-stopped-reminder' ? reminderMessage(event, box) : summaryMessage(event);
}

/** The answer to [Keep 30 days]. */
export function keptStoppedText(box: Pick<Box, 'name'>, until: number): string {
  return `Keeping ${boxName(box)}: no reminder about its disk before ${slackDate(until)}. Delete it any time from its card.`;
}
