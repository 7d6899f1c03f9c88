/** Pieces of a box that the card, the list, the Home tab and the notices all show the same way. */
import type { Box, BoxApproval, BoxStatus, BudgetOverrun } from '../../domain/box.js';
import { approvalExpiresAt } from '../../domain/box-approval.js';
import { formatDuration } from '../../domain/duration.js';
import { formatUsd } from '../../domain/money.js';
import { GPUS, type GpuKey } from '../../domain/gpus.js';
import { LIMITS, mrkdwn, plain, type Button, type ConfirmationDialog } from './block-kit.js';
import { jupyterLink, link, listText, mention, slackDate } from './format.js';
import { escapeMrkdwn, truncate, truncateMrkdwn } from './messages.js';

/** Action ids of the box buttons; each button's `value` is the box id. */
export const ACTIONS = {
  stop: 'box_stop',
  start: 'box_start',
  delete: 'box_delete',
  connect: 'box_connect',
} as const;

/** The Open JupyterLab button is a link; Slack still reports its click under this id. */
export const OPEN_ACTION = 'box_open';

/** Box names are at most 63 characters; this keeps a forged longer one from crowding everything out. */
const NAME_MAX = 80;

/** The box name as mrkdwn-safe text (not yet bold or quoted). */
export function nameText(box: Pick<Box, 'name'>): string {
  return escapeMrkdwn(truncate(box.name, NAME_MAX));
}

export function gpuLabel(gpu: GpuKey | string): string {
  return Object.hasOwn(GPUS, gpu) ? GPUS[gpu as GpuKey].label : truncate(String(gpu), 40);
}

/** `NVIDIA T4 × 2` (plain text; escape before putting it in mrkdwn). */
export function gpuText(box: Pick<Box, 'spec'>): string {
  return `${gpuLabel(box.spec.gpu)} × ${box.spec.gpuCount}`;
}

/** Where the box is: its zone once one is chosen, else the region the controller will try. */
export function placeText(box: Pick<Box, 'zone' | 'spec'>): { label: 'Zone' | 'Region'; value: string } {
  const zone = box.zone ?? box.spec.zone;
  return zone !== null ? { label: 'Zone', value: zone } : { label: 'Region', value: box.spec.region };
}

const WORDS: Readonly<Record<BoxStatus, string>> = {
  'awaiting-approval': 'Awaiting approval',
  requested: 'Queued',
  creating: 'Creating',
  booting: 'Booting',
  ready: 'Ready',
  stopping: 'Stopping',
  stopped: 'Stopped',
  starting: 'Starting',
  deleting: 'Deleting',
  deleted: 'Deleted',
  failed: 'Failed',
};

const EMOJI: Readonly<Record<BoxStatus, string>> = {
  'awaiting-approval': ':raised_hand:',
  requested: ':hourglass_flowing_sand:',
  creating: ':construction:',
  booting: ':gear:',
  ready: ':large_green_circle:',
  stopping: ':double_vertical_bar:',
  stopped: ':black_square_for_stop:',
  starting: ':arrow_forward:',
  deleting: ':wastebasket:',
  deleted: ':wastebasket:',
  failed: ':x:',
};

export function statusWord(status: BoxStatus): string {
  return WORDS[status] ?? String(status);
}

export function statusEmoji(status: BoxStatus): string {
  return EMOJI[status] ?? ':grey_question:';
}

/** The note the controller left on the latest change, e.g. `preempted` or `outside` for a stop. */
function lastNote(box: Pick<Box, 'history' | 'status'>): string | undefined {
  const last = box.history.at(-1);
  return last?.status === box.status ? last.note : undefined;
}

function triedText(box: Pick<Box, 'zonesTried'>): string {
  const noCapacity = box.zonesTried.filter((a) => a.outcome === 'stockout').map((a) => escapeMrkdwn(a.zone));
  const unavailable = box.zonesTried.filter((a) => a.outcome !== 'stockout').map((a) => escapeMrkdwn(a.zone));
  const parts: string[] = [];
  if (noCapacity.length > 0) parts.push(`no capacity in ${listText(noCapacity)}`);
  if (unavailable.length > 0) parts.push(`not available in ${listText(unavailable)}`);
  return parts.join('; ');
}

/**
 * Which budget a waiting box is past, for anyone to read: the month but not the amounts, which are
 * for the owner and the admins (the card sits in a team channel).
 */
export function budgetName(budget: Pick<BudgetOverrun, 'scope' | 'month'>, owner: string): string {
  const month = escapeMrkdwn(truncate(budget.month, 16));
  return budget.scope === 'person' ? `${mention(owner)}'s GPU budget for ${month}` : `the team's GPU budget for ${month}`;
}

/** `$15.00 of $10.00, list price`: how far past the budget, for the owner and the admins. */
export function budgetAmounts(budget: Pick<BudgetOverrun, 'spent' | 'budget'>): string {
  return `${escapeMrkdwn(formatUsd(budget.spent))} of ${escapeMrkdwn(formatUsd(budget.budget))}, list price`;
}

/**
 * Why a box waits for an admin, for anyone to read: the budget it is past (without amounts), else the
 * policy rules it tripped, by name.
 */
export function approvalWhy(a: Pick<BoxApproval, 'budget' | 'rules'>, owner: string): string {
  if (a.budget !== undefined) return `${budgetName(a.budget, owner)} is used up`;
  const rules = (a.rules ?? []).map((r) => `*${escapeMrkdwn(truncate(r.rule, 80))}*`);
  return rules.length > 0 ? `the policy ${rules.length === 1 ? 'rule' : 'rules'} ${rules.join(', ')} ask for it` : 'the policy asks for it';
}

/** How a box that waited for an admin ended, when it did not go on to be created. */
function approvalEndLine(box: Box): string | null {
  const a = box.approval;
  if (a === undefined) return null;
  switch (a.state) {
    case 'denied':
      return `:no_entry_sign: Denied by ${a.decidedBy !== null ? mention(a.decidedBy) : 'an admin'}: no VM was created`;
    case 'expired':
      return `:hourglass: Ended: no admin decided within ${formatDuration(approvalExpiresAt(box) - a.askedAt)}, so no VM was created`;
    case 'withdrawn':
      return ':wastebasket: Withdrawn before an admin decided: no VM was created';
    default:
      return null;
  }
}

/** `Approved by @admin`, on a box that waited for one; null otherwise. */
export function approvedText(box: Pick<Box, 'approval'>): string | null {
  const a = box.approval;
  if (a?.state !== 'approved') return null;
  const by = a.decidedBy !== null ? mention(a.decidedBy) : 'an admin';
  const why = a.budget !== undefined ? `Past ${a.budget.scope === 'person' ? "the owner's" : "the team's"} budget` : 'Needed an approval';
  const self = a.selfDecided === true ? ' (their own request: the only admin)' : '';
  return `${why}; approved by ${by}${self}${a.decidedAt !== null ? ` ${slackDate(a.decidedAt)}` : ''}`;
}

/** Longest failure message and hint shown; the rest is in the logs and would drown the card. */
const FAILURE_MESSAGE_MAX = 1500;
const FAILURE_HINT_MAX = 700;

/**
 * Who reads a box's message: with `owner` true only its owner does (their DM, an answer only they see,
 * their Home tab), so the Jupyter link may be shown. Anywhere else (a channel's card and thread) it never
 * is: the proxy admits the owner alone, and a link in a channel only invites others to try it.
 */
export interface Readers {
  owner?: boolean;
}

/** Where the box is in its life, in one or two lines of mrkdwn, user text escaped. */
export function statusLine(box: Box, opts: { short?: boolean } & Readers = {}): string {
  const emoji = statusEmoji(box.status);
  const place = placeText(box);
  switch (box.status) {
    case 'awaiting-approval': {
      const a = box.approval;
      if (opts.short === true || a === undefined) return `${emoji} Awaiting an admin's approval (${a?.budget === undefined && a !== undefined ? 'policy' : 'over budget'})`;
      return `${emoji} Awaiting an admin's approval: ${approvalWhy(a, box.owner)}. No VM is created unless an admin approves by ${slackDate(approvalExpiresAt(box))}`;
    }
    case 'requested': {
      const tried = triedText(box);
      return `${emoji} Queued${tried === '' ? '' : `: ${tried}; trying the next zone`}`;
    }
    case 'creating': {
      const tried = triedText(box);
      return `${emoji} Creating in ${place.label === 'Zone' ? 'zone' : 'region'} ${escapeMrkdwn(place.value)}${tried === '' ? '' : ` (${tried})`}`;
    }
    case 'booting':
      return `${emoji} Booting: installing the driver and starting Jupyter`;
    case 'ready': {
      const url = jupyterLink(box.jupyterUrl);
      if (url === null) return `${emoji} Ready: use Connect for the tunnel command`;
      if (opts.short === true) return `${emoji} Ready`;
      return opts.owner === true ? `${emoji} Ready: ${link(url, 'open JupyterLab')}` : `${emoji} Ready: ${mention(box.owner)} has the Jupyter link in a DM, and Connect gives it again`;
    }
    case 'stopping':
      return `${emoji} Stopping`;
    case 'stopped': {
      const note = lastNote(box);
      const why = note === 'preempted' ? ' (preempted by Google Cloud: Spot)' : note === 'outside' ? ' (outside gpubot)' : '';
      return opts.short === true
        ? `${emoji} Stopped${why}`
        : `${emoji} Stopped${why}: the disk and files are kept; only the disk is billed`;
    }
    case 'starting':
      return `${emoji} Starting`;
    case 'deleting':
      return `${emoji} Deleting the VM and its disk`;
    case 'deleted':
      return approvalEndLine(box) ?? (lastNote(box) === 'outside' ? `${emoji} Deleted outside gpubot (console or gcloud)` : `${emoji} Deleted`);
    case 'failed': {
      const f = box.failure;
      if (f === null) return `${emoji} Failed`;
      if (opts.short === true) return `${emoji} Failed: ${escapeMrkdwn(truncate(f.message, 200))}`;
      const hint = f.hint.trim() === '' ? '' : `\n*What to do:* ${escapeMrkdwn(truncate(f.hint, FAILURE_HINT_MAX))}`;
      return `${emoji} Failed: ${escapeMrkdwn(truncate(f.message, FAILURE_MESSAGE_MAX))}${hint}`;
    }
    default:
      return `${emoji} ${escapeMrkdwn(String(box.status))}`;
  }
}

/** When the box entered its current status: its latest history entry, if that entry is about it. */
export function statusSince(box: Pick<Box, 'history' | 'status' | 'updatedAt'>): number {
  const last = box.history.at(-1);
  return last !== undefined && last.status === box.status ? last.at : box.updatedAt;
}

/** `Ready for 12m`, or `Deleted 3h ago` once it is over. */
export function timeInState(box: Pick<Box, 'history' | 'status' | 'updatedAt'>, now: number): string {
  const d = formatDuration(now - statusSince(box));
  return box.status === 'deleted' || box.status === 'failed' ? `${statusWord(box.status)} ${d} ago` : `${statusWord(box.status)} for ${d}`;
}

function button(text: string, actionId: string, box: Pick<Box, 'id'>): Button {
  return { type: 'button', text: plain(truncate(text, LIMITS.buttonText)), action_id: actionId, value: truncate(box.id, LIMITS.buttonValue) };
}

/** The Open JupyterLab link button: for the owner's eyes only (see Readers). */
export function openButton(box: Box): Button | null {
  const url = jupyterLink(box.jupyterUrl);
  return url === null ? null : { ...button('Open JupyterLab', OPEN_ACTION, box), url };
}

export function connectButton(box: Box): Button {
  return button('Connect', ACTIONS.connect, box);
}

export function stopButton(box: Box, text = 'Stop'): Button {
  return button(text, ACTIONS.stop, box);
}

export function startButton(box: Box, text = 'Start'): Button {
  return { ...button(text, ACTIONS.start, box), style: 'primary' };
}

function deleteConfirm(box: Box): ConfirmationDialog {
  return {
    title: plain('Delete this box?'),
    // mrkdwn with the name escaped, like everywhere else: what a reader sees is the same either way.
    text: mrkdwn(truncateMrkdwn(`Delete ${nameText(box)}? Its disk and every file on it are deleted too.`, LIMITS.confirmText)),
    confirm: plain('Delete'),
    deny: plain('Keep it'),
    style: 'danger',
  };
}

/** Delete loses the disk, so it asks first unless the message around it already asked. */
export function deleteButton(box: Box, opts: { confirm: boolean } = { confirm: true }): Button {
  const b: Button = { ...button('Delete', ACTIONS.delete, box), style: 'danger' };
  return opts.confirm ? { ...b, confirm: deleteConfirm(box) } : b;
}

/** Delete for a box still waiting for an admin: nothing exists yet, so it loses nothing and asks nothing. */
export function withdrawButton(box: Box): Button {
  return { ...button('Withdraw request', ACTIONS.delete, box), style: 'danger' };
}

/** Whether a Start button still makes sense: the box exists and is not on its way out. */
export function canStart(box: Pick<Box, 'status'>): boolean {
  return !['deleting', 'deleted', 'failed'].includes(box.status);
}

/**
 * The buttons that fit the box's status. `full` (card, Home tab) offers Delete too; `short` (the list)
 * keeps to the everyday ones and leaves Delete to the card.
 */
export function boxButtons(box: Box, set: 'full' | 'short', readers: Readers = {}): Button[] {
  const out: Button[] = [];
  const open = readers.owner === true ? openButton(box) : null;
  switch (box.status) {
    case 'ready':
      if (open !== null) out.push(open);
      out.push(connectButton(box), stopButton(box));
      break;
    case 'stopped':
      out.push(startButton(box));
      break;
    case 'awaiting-approval':
      // Nothing exists yet, so withdrawing loses nothing and needs no second question.
      if (set === 'full') out.push(withdrawButton(box));
      break;
    default:
      break;
  }
  const deletable: readonly BoxStatus[] = ['requested', 'creating', 'booting', 'ready', 'stopping', 'stopped', 'starting'];
  if (set === 'full' && deletable.includes(box.status)) out.push(deleteButton(box));
  return out;
}
