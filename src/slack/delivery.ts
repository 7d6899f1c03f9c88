/**
 * What both notifiers (boxes, jobs) do the same way when they post a notice: read Slack's error code,
 * decide whether a failed post is worth trying again and when, and post with a DM fallback where the
 * bot may not post.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../app/ports.js';
import type { KnownBlock } from './views/block-kit.js';

export interface SlackMessageBody {
  text: string;
  blocks: KnownBlock[];
}

export interface Posted {
  channel: string;
  ts: string;
}

/**
 * What a message carries to be found again: Slack message metadata (an `event_type` and a payload,
 * https://api.slack.com/metadata/using), read back by conversations.history and conversations.replies
 * with `include_all_metadata` (https://api.slack.com/methods/conversations.history). The outbox tags
 * every card and notice with its key, so after a crash between a post and its record the post is
 * found instead of made again.
 */
export interface OutboxTag {
  eventType: 'gpubot_card' | 'gpubot_notice';
  key: string;
}

/** Errors that mean the bot cannot post in that conversation at all; a DM may still reach the person. */
export const UNREACHABLE: ReadonlySet<string> = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot']);

/**
 * Errors another try cannot fix: the conversation or user is gone or closed to the bot, the message
 * itself is refused, or the app's token or scopes are wrong (an admin has to act). From the error
 * lists of https://api.slack.com/methods/chat.postMessage and https://api.slack.com/methods/chat.update.
 * Anything else (ratelimited, internal_error, fatal_error, service_unavailable, request_timeout, a
 * network error or an HTTP 5xx) is transient and tried again with backoff.
 */
export const PERMANENT: ReadonlySet<string> = new Set([
  ...UNREACHABLE,
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'msg_too_long',
  'no_text',
  'too_many_attachments',
  'user_not_found',
  'user_disabled',
  'account_inactive',
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'missing_scope',
  'not_allowed_token_type',
  'cant_update_message',
  'message_not_found',
  'edit_window_closed',
]);

export function isPermanent(code: string | null): boolean {
  return code !== null && PERMANENT.has(code);
}

/** Tries before a notice is given up; the waits double from 5 s up to 10 minutes between them. */
const MAX_ATTEMPTS = 8;

/** The `error` of a Slack Web API error (`not_in_channel`), or null for anything else. */
export function slackError(error: unknown): string | null {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : null;
}

/**
 * When to try a failed notice again, or null to give up: never for what another try cannot fix (the
 * conversation is unreachable, the blocks are invalid, the user is gone), else with backoff.
 */
export function whenToRetry(error: unknown, attempts: number, nowMs: number): { code: string | null; retryAt: number | null } {
  const code = slackError(error);
  return { code, retryAt: isPermanent(code) || attempts >= MAX_ATTEMPTS ? null : nowMs + backoffMs(attempts) };
}

/** 5 s, doubling, at most 10 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts) * 5_000, 600_000);
}

/** Pages of history read when looking for an earlier post: the post is recent, so the first pages hold it. */
const SEARCH_PAGES = 3;

/**
 * Looks for a message the bot posted with `tag` in a conversation (in a thread when `threadTs` is
 * given) since `sinceMs`. A user id is a DM: its conversation id comes from conversations.open. Throws
 * when Slack cannot say (the caller then posts, preferring a possible double to a lost notice).
 */
export async function findTagged(client: WebClient, to: { channel: string; threadTs?: string | undefined }, tag: OutboxTag, sinceMs: number): Promise<Posted | null> {
  let channel = to.channel;
  if (/^[UW]/.test(channel)) {
    const opened = await client.conversations.open({ users: channel });
    channel = opened.channel?.id ?? channel;
  }
  // A second's slack on the lower bound: the claim's clock and Slack's need not agree to the millisecond.
  const oldest = (Math.max(0, sinceMs - 1_000) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < SEARCH_PAGES; page++) {
    const args = { channel, oldest, include_all_metadata: true, limit: 200, ...(cursor !== undefined ? { cursor } : {}) };
    const res = to.threadTs !== undefined ? await client.conversations.replies({ ...args, ts: to.threadTs }) : await client.conversations.history(args);
    for (const m of res.messages ?? []) {
      const meta = (m as { metadata?: { event_type?: string; event_payload?: Record<string, unknown> } }).metadata;
      if (meta?.event_type === tag.eventType && meta.event_payload?.key === tag.key && typeof m.ts === 'string') return { channel, ts: m.ts };
    }
    cursor = res.response_metadata?.next_cursor;
    if (cursor === undefined || cursor === '') break;
  }
  return null;
}

/** The tag as Slack message metadata. */
function metadataOf(tag: OutboxTag | undefined): { metadata?: { event_type: string; event_payload: { key: string } } } {
  return tag === undefined ? {} : { metadata: { event_type: tag.eventType, event_payload: { key: tag.key } } };
}

/**
 * Posts to a conversation (in a thread when `threadTs` is given); when the bot cannot post there (a
 * private channel it was not invited to, say), posts `fallback.message` to `fallback.user`'s DM.
 */
export async function postWithDmFallback(
  client: WebClient,
  log: Logger,
  to: { channel: string; threadTs?: string | undefined },
  message: SlackMessageBody,
  fallback: { user: string; message: SlackMessageBody } | null,
  tag?: OutboxTag,
): Promise<Posted> {
  try {
    const res = await client.chat.postMessage({
      channel: to.channel,
      text: message.text,
      blocks: message.blocks,
      ...(to.threadTs !== undefined ? { thread_ts: to.threadTs } : {}),
      unfurl_links: false,
      ...metadataOf(tag),
    });
    return { channel: res.channel ?? to.channel, ts: res.ts ?? '' };
  } catch (error) {
    const code = slackError(error);
    if (fallback === null || code === null || !UNREACHABLE.has(code)) throw error;
    log.info('cannot post in the channel; using the owner DM', { channel: to.channel, slackError: code });
    const res = await client.chat.postMessage({ channel: fallback.user, text: fallback.message.text, blocks: fallback.message.blocks, unfurl_links: false, ...metadataOf(tag) });
    return { channel: res.channel ?? fallback.user, ts: res.ts ?? '' };
  }
}
