/**
 * What both notifiers (boxes, jobs) do the same way when they post a notice: read Slack's error code,
 * decide whether a failed post is worth trying again and when, and post with a DM fallback where the
 * bot may not post.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../app/ports.js';

export interface SlackMessageBody {
  text: string;
  blocks: unknown[];
}

export interface Posted {
  channel: string;
  ts: string;
}

/** Errors that mean the bot cannot post in that conversation at all; a DM may still reach the person. */
export const UNREACHABLE: ReadonlySet<string> = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action', 'cannot_dm_bot']);

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
  const permanent = code !== null && (UNREACHABLE.has(code) || code === 'invalid_blocks' || code === 'user_not_found');
  return { code, retryAt: permanent || attempts >= MAX_ATTEMPTS ? null : nowMs + Math.min(2 ** attempts * 5_000, 600_000) };
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
): Promise<Posted> {
  try {
    const res = await client.chat.postMessage({
      channel: to.channel,
      text: message.text,
      blocks: message.blocks as never,
      ...(to.threadTs !== undefined ? { thread_ts: to.threadTs } : {}),
      unfurl_links: false,
    });
    return { channel: res.channel ?? to.channel, ts: res.ts ?? '' };
  } catch (error) {
    const code = slackError(error);
    if (fallback === null || code === null || !UNREACHABLE.has(code)) throw error;
    log.info('cannot post in the channel; using the owner DM', { channel: to.channel, slackError: code });
    const res = await client.chat.postMessage({ channel: fallback.user, text: fallback.message.text, blocks: fallback.message.blocks as never, unfurl_links: false });
    return { channel: res.channel ?? fallback.user, ts: res.ts ?? '' };
  }
}
