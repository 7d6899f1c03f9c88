/** mrkdwn pieces built from record fields: mentions, links, dates, console addresses, shell words. */
import { LIMITS } from './block-kit.js';
import { escapeMrkdwn, truncate } from './messages.js';
import { utcAt } from '../../domain/time.js';
import { isNotebookProxyUrl } from '../../domain/jupyter-access.js';
import { isChannelId } from '../../domain/slack-ids.js';

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/** `<@U…>` for a Slack user id; anything else is shown as escaped text, never as markup. */
export function mention(userId: string): string {
  return USER_ID.test(userId) ? `<@${userId}>` : escapeMrkdwn(truncate(userId, 40));
}

/** Channel ids render as a link; a DM (`D…`) or a user id (a box made from the App Home) has none. */
export function channelRef(channelId: string): string | null {
  return isChannelId(channelId) ? `<#${channelId}>` : null;
}

/**
 * The URL when it is an http(s) address Slack can carry, else null. A Jupyter address comes from
 * instance metadata, which anyone with access to the project can write, so it is checked, not trusted.
 */
export function safeUrl(url: string | null | undefined): string | null {
  if (typeof url !== 'string' || url.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // `|` would end the address inside `<url|label>`; URL leaves it as it is.
  const href = parsed.href.replace(/\|/g, '%7C');
  return href.length <= LIMITS.url ? href : null;
}

/**
 * A box's Jupyter address, only when it is Google's notebook proxy (domain/jupyter-access.ts): the
 * metadata it comes from can be written by anyone who can edit the VM, so a look-alike link is dropped.
 */
export function jupyterLink(url: string | null | undefined): string | null {
  const safe = safeUrl(url);
  return safe !== null && isNotebookProxyUrl(safe) ? safe : null;
}

/** `<url|label>` for a URL that passed `safeUrl`; the label is escaped here. */
export function link(url: string, label: string): string {
  const href = url.replace(/&(?!amp;)/g, '&amp;').replace(/</g, '%3C').replace(/>/g, '%3E');
  return `<${href}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

/**
 * A time each reader sees in their own time zone (`<!date^…>`); the fallback, for clients that cannot
 * format it, is UTC.
 */
export function slackDate(ms: number, format = '{date_short_pretty} {time}'): string {
  if (!Number.isFinite(ms)) return 'at an unknown time';
  const fallback = utcAt(ms).format('YYYY-MM-DD HH:mm [UTC]');
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

/** The instance's page in the Cloud console. */
export function consoleInstanceUrl(project: string, zone: string, name: string): string {
  const e = encodeURIComponent;
  return `https://console.cloud.google.com/compute/instancesDetail/zones/${e(zone)}/instances/${e(name)}?project=${e(project)}`;
}

/**
 * One word of a shell command people paste into a terminal: left as it is when it is plain, else
 * single-quoted, so a strange name can never run anything on the reader's machine.
 */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9._:/=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `a, b and c`, shortened to `a, b, … and 3 more` after `max` items. */
export function listText(items: readonly string[], max = 6): string {
  if (items.length <= max) {
    if (items.length <= 1) return items.join('');
    return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
  }
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
