/**
 * What each notice says, where it is said: a reply in the box's thread, a DM to its owner (which has no
 * thread around it, so it names the box), or a word to the admins.
 */
import type { Box } from '../../domain/box.js';
import type { NoticeAudience, NoticeEvent } from '../../domain/notice.js';
import type { PriceTable } from '../../domain/prices.js';
import { LIMITS, mrkdwn, type Button, type KnownBlock, type SlackMessage } from './block-kit.js';
import { connectButton, gpuLabel, canStart, nameText, openButton, startButton } from './box-parts.js';
import { channelRef, consoleInstanceUrl, jupyterLink, link, mention } from './format.js';
import { contextLine, escapeMrkdwn, fallbackText, section, truncate, truncateMrkdwn } from './messages.js';
import { endMoneyText } from './price-parts.js';
import { idleNoticeMessage, isIdleEvent } from './idle-notices.js';
import { isCostNoticeEvent } from '../../domain/cost-notice.js';
import { costNoticeMessage } from './cost-notices.js';
import { approvalRequestMessage, decidedSentence } from './approval.js';
import { isStoppedReminderEvent, stoppedReminderMessage } from './stopped-reminder.js';

export interface NoticeContext {
  now: number;
  project: string;
  audience: NoticeAudience;
  /** List prices of the box's region: with them, stop and delete notices say what the box cost. */
  prices?: PriceTable;
}

/** What one notice says: the sentence after its emoji, and what goes below it. */
interface Said {
  emoji: string;
  /** mrkdwn, user text escaped. */
  sentence: string;
  buttons?: Button[];
  note?: string;
}

const MESSAGE_MAX = 1500;
const HINT_MAX = 700;

function zoneRetry(event: Extract<NoticeEvent, { type: 'box-zone-retry' }>, box: Box | null): Said {
  const zone = escapeMrkdwn(truncate(event.zone, 64));
  const next = escapeMrkdwn(truncate(event.nextZone, 64));
  const sentence =
    box !== null
      ? `${zone} has no ${escapeMrkdwn(gpuLabel(box.spec.gpu))} capacity right now; trying ${next}.`
      : `${zone}: ${escapeMrkdwn(truncate(event.reason, 300))}; trying ${next}.`;
  return { emoji: ':arrows_counterclockwise:', sentence };
}

function ready(event: Extract<NoticeEvent, { type: 'box-ready' }>, box: Box | null, audience: NoticeAudience): Said {
  const url = jupyterLink(event.url);
  if (audience !== 'dm') {
    // The thread is the team's: the link goes to the owner's DM only (the proxy admits them alone).
    const who = box !== null ? mention(box.owner) : 'The owner';
    return url !== null
      ? { emoji: ':large_green_circle:', sentence: `Jupyter is ready. ${who} has the link in a DM; Connect gives it again.` }
      : { emoji: ':large_green_circle:', sentence: 'Ready. Jupyter has no proxy link; press Connect for the tunnel command.' };
  }
  let sentence = url !== null ? `Jupyter is ready: ${link(url, 'open JupyterLab')}.` : 'Ready. Jupyter has no proxy link; press Connect for the tunnel command.';
  const buttons: Button[] = [];
  if (box !== null) {
    // A DM has no card above it, so it carries the buttons the card would.
    const where = channelRef(box.channel);
    if (where !== null) sentence += ` Its thread is in ${where}.`;
    const open = url !== null ? openButton({ ...box, jupyterUrl: url }) : null;
    if (open !== null) buttons.push(open);
    buttons.push(connectButton(box));
  }
  return { emoji: ':large_green_circle:', sentence, buttons };
}

function failed(event: Extract<NoticeEvent, { type: 'box-failed' }>): Said {
  const message = escapeMrkdwn(truncate(event.message, MESSAGE_MAX));
  const hint = event.hint.trim() === '' ? '' : `\n*What to do:* ${escapeMrkdwn(truncate(event.hint, HINT_MAX))}`;
  return { emoji: ':x:', sentence: `${message}${hint}`, note: `Error code: \`${escapeMrkdwn(truncate(event.code, 64)).replace(/`/g, "'")}\`` };
}

const KEPT = 'The disk and its files are kept; only the disk is billed.';

function stopped(event: Extract<NoticeEvent, { type: 'box-stopped' }>, box: Box | null): Said {
  const emoji = ':black_square_for_stop:';
  switch (event.cause) {
    case 'preempted': {
      // Preemption is not anyone's choice, so the way back is one click away.
      const buttons = box !== null && canStart(box) ? [startButton(box, 'Start again')] : [];
      return { emoji, sentence: `Preempted by Google Cloud (Spot): Google took the capacity back and stopped the VM. ${KEPT}`, buttons };
    }
    case 'outside':
      return { emoji, sentence: `Stopped outside gpubot (console or gcloud). ${KEPT}` };
    default:
      return { emoji, sentence: `Stopped. ${KEPT}` };
  }
}

function deleted(event: Extract<NoticeEvent, { type: 'box-deleted' }>): Said {
  return event.cause === 'outside'
    ? { emoji: ':wastebasket:', sentence: 'Deleted outside gpubot (console or gcloud): the VM and its disk are gone.' }
    : { emoji: ':wastebasket:', sentence: 'Deleted, together with its disk.' };
}

function said(event: NoticeEvent, box: Box | null, audience: NoticeAudience): Said {
  switch (event.type) {
    case 'box-zone-retry':
      return zoneRetry(event, box);
    case 'box-ready':
      return ready(event, box, audience);
    case 'box-failed':
      return failed(event);
    case 'box-stopped':
      return stopped(event, box);
    case 'box-started':
      return { emoji: ':arrow_forward:', sentence: 'Starting again; Jupyter is back in a few minutes.' };
    case 'box-deleted':
      return deleted(event);
    case 'orphan-found':
      // Handled by orphanMessage; kept here so the switch covers every event.
      return { emoji: ':mag:', sentence: 'Found a VM labelled as gpubot’s that gpubot has no record of.' };
    case 'box-idle-warning':
    case 'box-idle-stopped':
    case 'box-idle-cancelled':
    case 'box-gpu-metrics-missing':
    case 'box-notebook-reports-missing':
      // Handled by idleNoticeMessage (idle-notices.ts); kept here so the switch covers every event.
      return { emoji: ':zzz:', sentence: 'Idle news about this box.' };
    case 'cost-digest':
    case 'budget-alert':
      // Handled by costNoticeMessage (cost-notices.ts); kept here so the switch covers every event.
      return { emoji: ':moneybag:', sentence: 'Spend news.' };
    case 'box-approval-requested':
      // Rendered from the box by approvalRequestMessage; this is what is left when the box is missing.
      return { emoji: ':raised_hand:', sentence: 'A box past a budget waits for an admin’s approval.' };
    case 'box-approval-decided':
      return decidedSentence(event, box);
    case 'box-approval-copies':
      // Never posted: the notifier updates the admins' copies of the request with approvalRequestMessage.
      return { emoji: ':raised_hand:', sentence: 'A request for approval was decided.' };
    case 'job-ended':
      // Rendered from the job record by the job notifier (job-notifier.ts); kept so the switch covers every event.
      return { emoji: ':checkered_flag:', sentence: 'A training job ended.' };
    case 'box-stopped-reminder':
    case 'stopped-boxes-summary':
      // Handled by stoppedReminderMessage (stopped-reminder.ts); kept so the switch covers every event.
      return { emoji: ':floppy_disk:', sentence: 'A stopped box still costs its disk.' };
    case 'job-approval-requested':
    case 'job-approval-decided':
    case 'job-approval-copies':
      // Rendered from the job record by the job approval notifier (job-approval-notifier.ts).
      return { emoji: ':raised_hand:', sentence: 'A training job request for approval.' };
  }
}

/** What a stop or a delete cost, when the notice has the box and its prices. */
function moneyText(event: NoticeEvent, box: Box | null, prices: PriceTable | undefined, now: number): string | null {
  if (box === null || prices === undefined) return null;
  if (event.type === 'box-stopped') return endMoneyText('stop', box, prices, now);
  if (event.type === 'box-deleted') return endMoneyText('delete', box, prices, now);
  return null;
}

/** The owner label is the Slack user id, lowercased (labels allow no capitals). */
function ownerText(label: string | null): string {
  if (label === null || label === '') return 'no owner label';
  const id = label.toUpperCase();
  const who = /^[UW][A-Z0-9]{2,30}$/.test(id) ? `${mention(id)} ` : '';
  return `${who}(label \`${escapeMrkdwn(truncate(label, 63)).replace(/`/g, "'")}\`)`;
}

function orphanMessage(event: Extract<NoticeEvent, { type: 'orphan-found' }>, project: string): SlackMessage {
  const i = event.instance;
  const name = escapeMrkdwn(truncate(i.name, 80));
  const zone = escapeMrkdwn(truncate(i.zone, 64));
  const field = (title: string, value: string) => mrkdwn(truncateMrkdwn(`*${title}*\n${value}`, LIMITS.sectionField));
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(':mag: Found a VM labelled `managed-by=gpubot` that gpubot has no record of.'),
      fields: [
        field('Name', name),
        field('Zone', zone),
        field('Owner', ownerText(i.owner)),
        field('Status', escapeMrkdwn(truncate(i.status, 40))),
      ],
    },
    section(
      `gpubot will not touch it; delete it in the console if nobody needs it: ${link(consoleInstanceUrl(i.project ?? project, i.zone, i.name), 'open it in the Cloud console')}.`,
    ),
  ];
  const text = `Unknown gpubot VM ${name} in ${zone} (${escapeMrkdwn(truncate(i.status, 40))}): gpubot will not touch it; delete it in the console if nobody needs it.`;
  return { text: fallbackText(text), blocks };
}

export function noticeMessage(event: NoticeEvent, box: Box | null, ctx: NoticeContext): SlackMessage {
  if (event.type === 'orphan-found') return orphanMessage(event, ctx.project);
  if (isIdleEvent(event)) return idleNoticeMessage(event, box, ctx);
  if (isCostNoticeEvent(event)) return costNoticeMessage(event, ctx);
  if (isStoppedReminderEvent(event)) return stoppedReminderMessage(event, box);
  if (event.type === 'box-approval-requested' && box !== null) return approvalRequestMessage(box, ctx);
  const s = said(event, box, ctx.audience);
  const name = box !== null ? nameText(box) : null;
  // In a thread the card above names the box; anywhere else the message has to.
  const lead = ctx.audience !== 'thread' && name !== null ? `*${name}*: ` : '';
  const blocks: KnownBlock[] = [section(`${s.emoji} ${lead}${s.sentence}`)];
  if (s.buttons !== undefined && s.buttons.length > 0) blocks.push({ type: 'actions', elements: s.buttons });
  const money = moneyText(event, box, ctx.prices, ctx.now);
  if (money !== null) blocks.push(contextLine(`:moneybag: ${money}`));
  if (s.note !== undefined) blocks.push(contextLine(s.note));
  const text = `${name !== null ? `${name}: ` : ''}${s.sentence}${money !== null ? ` ${money}.` : ''}`;
  return { text: fallbackText(text), blocks };
}
