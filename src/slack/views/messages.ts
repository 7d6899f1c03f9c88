/** Text safety (escaping, cutting to Block Kit limits) and the small replies every listener uses. */
import { LIMITS, mrkdwn, plain, type ContextBlock, type EphemeralMessage, type HeaderBlock, type SectionBlock } from './block-kit.js';

const ELLIPSIS = '…';

/**
 * Makes text safe inside mrkdwn: `&`, `<` and `>` become entities, so no `<!channel>`, `<@U…>` or
 * `<http…|…>` can be formed from it. Entities already there (`&amp;`, `&lt;`, `&gt;`) are kept, so text
 * that was escaped once (the domain's quoted user text) is not shown as `&amp;lt;`. The leftover case,
 * someone literally typing `&lt;`, then reads as `<`, which is harmless.
 */
export function escapeMrkdwn(text: string): string {
  return String(text)
    .replace(/&(?!(?:amp|lt|gt);)/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Characters as Slack counts them: code points, so an emoji counts once and is never split in half. */
function chars(text: string): string[] {
  return Array.from(text);
}

/** Cuts `text` to at most `max` characters, ending with `…` when something was cut. */
export function truncate(text: string, max: number): string {
  const all = chars(String(text));
  if (all.length <= max) return all.join('');
  if (max <= 0) return '';
  return all.slice(0, max - 1).join('') + ELLIPSIS;
}

/**
 * Like `truncate`, for mrkdwn: never leaves half an entity (`&am…`) or an unclosed `<…` link or
 * mention at the cut, either of which Slack would show as garbage.
 */
export function truncateMrkdwn(text: string, max: number): string {
  const all = chars(String(text));
  if (all.length <= max) return all.join('');
  if (max <= 0) return '';
  let head = all.slice(0, max - 1).join('');
  head = head.replace(/&[a-z]{0,3}$/, '');
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  return head + ELLIPSIS;
}

/**
 * For mrkdwn the bot wrote itself (which may mention a person or a channel on purpose): turns any
 * special mention (`<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`) into plain text, so no
 * message of ours can ping a crowd even if a caller forgot to escape something. Dates (`<!date^…>`)
 * are formatting, not pings, and stay.
 */
export function neutralizeBroadcasts(text: string): string {
  return String(text).replace(/<!(?!date\^)([^>]*)>/g, (_all, inner: string) => `&lt;!${escapeMrkdwn(inner)}&gt;`);
}

/** A plain-text fallback for `text`: no markup that could ping, no longer than Slack will show. */
export function fallbackText(text: string): string {
  return truncateMrkdwn(neutralizeBroadcasts(text), LIMITS.fallbackText);
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: mrkdwn(truncateMrkdwn(text, LIMITS.sectionText)) };
}

export function contextLine(text: string): ContextBlock {
  return { type: 'context', elements: [mrkdwn(truncateMrkdwn(text, LIMITS.contextText))] };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(truncate(text, LIMITS.header)) };
}

function ephemeral(text: string): EphemeralMessage {
  const safe = neutralizeBroadcasts(text);
  return { response_type: 'ephemeral', text: fallbackText(safe), blocks: [section(safe)] };
}

/**
 * A refusal the asker can fix, shown only to them. `text` is mrkdwn written by the bot: user text in
 * it must already be escaped (the domain quotes it with `quoteUserText`); mentions of a person or a
 * channel are kept, crowd pings are not.
 */
export function errorMessage(text: string): EphemeralMessage {
  return ephemeral(`:warning: ${text}`);
}

/** A short confirmation shown only to the asker; `text` follows the same rules as `errorMessage`. */
export function okMessage(text: string): EphemeralMessage {
  return ephemeral(`:white_check_mark: ${text}`);
}

/** The answer to a failure nobody expected: the id lets an admin find the logged details. */
export function apologyMessage(errorId: string): EphemeralMessage {
  const id = escapeMrkdwn(truncate(errorId, 64).replace(/`/g, "'"));
  return ephemeral(
    `Sorry, something went wrong on my side. If it keeps happening, tell your admin and quote error id \`${id}\`.`,
  );
}
