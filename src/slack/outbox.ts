/**
 * The outbox rules both notifiers (boxes, jobs) share: a card is posted under a claim and found again
 * after a crash instead of posted twice; a notice's "sent" mark is retried on its own, never by posting
 * again; a card whose update Slack refuses for good is given up with a log line, and one that fails
 * for a while is tried again later, not on every tick.
 */
import type { WebClient } from '@slack/web-api';
import type { CardClaimStore, Clock, Logger, NoticeOutcome, NoticeStore } from '../app/ports.js';
import { inLanes } from '../app/lanes.js';
import { ShortCache } from '../app/short-cache.js';
import { backoffMs, findTagged, isPermanent, slackError, type OutboxTag, type Posted } from './delivery.js';

/** How long a claim to post keeps others off: far longer than one post with its retries takes. */
export const CLAIM_MS = 60_000;

/** Tries of a write that records a post, before it is left to the search after the claim runs out. */
const MARK_TRIES = 3;

/** Runs `write` up to MARK_TRIES times; true when it went through. */
export async function retried(write: () => Promise<void>, log: Logger, what: Record<string, unknown>): Promise<boolean> {
  for (let i = 1; i <= MARK_TRIES; i++) {
    try {
      await write();
      return true;
    } catch (error) {
      log.warn('could not record a Slack post; trying the record again, not the post', { ...what, try: i, error });
      if (i < MARK_TRIES) await new Promise((resolve) => setTimeout(resolve, 50 * i));
    }
  }
  return false;
}

/**
 * Posts once under a claim. Returns the card (posted now, or found from an earlier try), or null when
 * another sender holds the claim.
 */
export async function postCardOnce(
  deps: { client: WebClient; claims: CardClaimStore; clock: Clock; log: Logger; holder: string },
  key: string,
  fence: number | undefined,
  to: { channel: string },
  post: (tag: OutboxTag) => Promise<Posted>,
): Promise<Posted | null> {
  const claim = await deps.claims.claim(key, deps.holder, deps.clock.now() + CLAIM_MS, fence);
  if (claim.state === 'busy') return null;
  if (claim.state === 'posted') return claim.card;
  const tag: OutboxTag = { eventType: 'gpubot_card', key };
  if (claim.since !== null) {
    const found = await findTagged(deps.client, to, tag, claim.since).catch((error: unknown) => {
      deps.log.warn('could not look for an earlier card post; posting one', { key, slackError: slackError(error) });
      return null;
    });
    if (found !== null) {
      deps.log.info('found the card an earlier try posted; not posting another', { key });
      await retried(() => deps.claims.recordPosted(key, found), deps.log, { key });
      return found;
    }
  }
  const posted = await post(tag);
  await retried(() => deps.claims.recordPosted(key, posted), deps.log, { key });
  return posted;
}

/** Marks a notice sent, retrying the mark (never the post); when it cannot, the claim's run-out and the search take over. */
export async function markSentOnce(notices: NoticeStore, log: Logger, id: string, delivered: Posted, unmarked: Map<string, Posted>): Promise<void> {
  if (await retried(() => notices.markSent(id, delivered), log, { noticeId: id })) {
    unmarked.delete(id);
    return;
  }
  unmarked.set(id, delivered);
  log.error('a notice was posted but could not be marked sent; it will be marked, not posted, on the next pass', { noticeId: id });
}

/** How long a card Slack refused for good is left alone, unless its record changes (a new revision is shown). */
const PERMANENT_WAIT_MS = 3600_000;

/** Per-card backoff after failed updates, so a card Slack keeps refusing is not retried every tick. */
export class CardRetries {
  private readonly waits = new Map<string, { attempts: number; until: number }>();

  constructor(private readonly clock: Clock) {}

  due(key: string): boolean {
    const wait = this.waits.get(key);
    return wait === undefined || wait.until <= this.clock.now();
  }

  succeeded(key: string): void {
    this.waits.delete(key);
  }

  /**
   * Records a failure; true when it is permanent (the caller gives up on this revision). A card that
   * cannot be posted at all is not asked for again for an hour: the record may change meanwhile.
   */
  failed(key: string, error: unknown): boolean {
    if (isPermanent(slackError(error))) {
      this.waits.set(key, { attempts: 0, until: this.clock.now() + PERMANENT_WAIT_MS });
      return true;
    }
    const attempts = (this.waits.get(key)?.attempts ?? 0) + 1;
    this.waits.set(key, { attempts, until: this.clock.now() + backoffMs(attempts - 1) });
    return false;
  }
}

export interface NoticeSender {
  client: WebClient;
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  holder: string;
  /** Notices posted whose "sent" mark failed: marked, not posted, when they come round again. */
  unmarked: Map<string, Posted>;
}

/**
 * Delivers one notice: claims it (the intent), looks for an earlier post when an earlier claim may
 * have posted it, posts it tagged with its id, and marks it sent; a failed post is marked failed with
 * a retry time (or none, when Slack's error is permanent), a failed mark is retried as a mark.
 */
export async function deliverNotice(
  s: NoticeSender,
  notice: { id: string; attempts: number; firstClaimedAt?: number | undefined },
  fence: number | undefined,
  to: { channel: string; threadTs?: string | undefined },
  fallbackUser: string | null,
  post: (tag: OutboxTag) => Promise<Posted>,
): Promise<void> {
  const known = s.unmarked.get(notice.id);
  if (known !== undefined) {
    await markSentOnce(s.notices, s.log, notice.id, known, s.unmarked);
    return;
  }
  if (!(await s.notices.claim(notice.id, s.holder, s.clock.now() + CLAIM_MS, fence))) return;
  const tag: OutboxTag = { eventType: 'gpubot_notice', key: notice.id };
  if (notice.firstClaimedAt !== undefined) {
    // Claimed before: that try may have posted (a crash before the mark, a timeout after Slack took it).
    const found = await findEarlier(s, to, fallbackUser, tag, notice.firstClaimedAt);
    if (found !== null) {
      s.log.info('found the notice an earlier try posted; not posting it again', { noticeId: notice.id });
      await markSentOnce(s.notices, s.log, notice.id, found, s.unmarked);
      return;
    }
  }
  let delivered: Posted;
  try {
    delivered = await post(tag);
  } catch (error) {
    const code = slackError(error);
    const retryAt = isPermanent(code) || notice.attempts + 1 >= MAX_NOTICE_ATTEMPTS ? null : s.clock.now() + backoffMs(notice.attempts);
    await s.notices.markFailed(notice.id, code ?? String(error), retryAt, s.holder);
    if (retryAt === null) s.log.error('notice given up', { noticeId: notice.id, slackError: code, permanent: isPermanent(code) });
    else s.log.warn('notice not delivered; will try again', { noticeId: notice.id, slackError: code, retryAt });
    return;
  }
  await markSentOnce(s.notices, s.log, notice.id, delivered, s.unmarked);
}

/** One notice ready to go: where it goes, where it may fall back to, and how to post it. */
export interface NoticeRoute {
  notice: { id: string; attempts: number };
  to: { channel: string; threadTs?: string | undefined };
  fallbackUser: string | null;
  post: (tag: OutboxTag) => Promise<Posted>;
}

/**
 * Delivers a pass's notices with two commits in all, not two per notice: every notice is claimed in
 * one transaction before anything is posted (the intent recorded first, as `deliverNotice` does it),
 * each thread's notices are then posted one after another (threads `lanes` at a time), and what
 * became of each (sent, failed, or handed back unposted when the pass ran out of time) is written in
 * one more. A notice claimed before (its earlier claim may have posted it) is looked for first. When
 * the last write fails, the posted notices are kept in `unmarked` and marked, never posted, next time;
 * until then their claim keeps other senders off, and after it the search finds the post.
 * Returns true when notices were left for the next pass.
 */
export async function deliverNotices(
  s: NoticeSender,
  threads: readonly (readonly NoticeRoute[])[],
  fence: number | undefined,
  pass: { lanes: number; started: number; budgetMs: number },
): Promise<boolean> {
  const outcomes: NoticeOutcome[] = [];
  const toClaim: string[] = [];
  for (const route of threads.flat()) {
    const known = s.unmarked.get(route.notice.id);
    if (known !== undefined) outcomes.push({ id: route.notice.id, kind: 'sent', delivery: known });
    else toClaim.push(route.notice.id);
  }
  const until = s.clock.now() + CLAIM_MS;
  let claimed = new Map<string, { claimedBefore: number | null }>();
  if (toClaim.length > 0) {
    try {
      claimed = await s.notices.claimMany(toClaim, s.holder, until, fence);
    } catch (error) {
      // Nothing is posted without its claim recorded: the next pass tries again.
      s.log.warn('could not claim notices; none posted this pass', { notices: toClaim.length, error });
    }
  }
  let left = false;
  await inLanes(threads, pass.lanes, async (routes) => {
    for (const route of routes) {
      const claim = claimed.get(route.notice.id);
      if (claim === undefined) continue;
      // Out of time (real time: it bounds the tick), or so late the claim may run out during the post.
      if (Date.now() - pass.started > pass.budgetMs || s.clock.now() > until - CLAIM_MS / 2) {
        left = true;
        outcomes.push({ id: route.notice.id, kind: 'released', claimedBefore: claim.claimedBefore });
        continue;
      }
      outcomes.push(await postClaimed(s, route, claim.claimedBefore));
    }
  });
  if (outcomes.length === 0) return left;
  if (await retried(() => s.notices.settle(outcomes, s.holder), s.log, { notices: outcomes.length })) {
    for (const o of outcomes) s.unmarked.delete(o.id);
    return left;
  }
  for (const o of outcomes) if (o.kind === 'sent') s.unmarked.set(o.id, o.delivery);
  s.log.error('notices were posted but could not be marked sent; they will be marked, not posted, on the next pass', { notices: outcomes.filter((o) => o.kind === 'sent').length });
  return left;
}

/** Posts one claimed notice (or finds the post an earlier claim made); says what became of it. */
async function postClaimed(s: NoticeSender, route: NoticeRoute, claimedBefore: number | null): Promise<NoticeOutcome> {
  const { notice, to, fallbackUser } = route;
  const tag: OutboxTag = { eventType: 'gpubot_notice', key: notice.id };
  if (claimedBefore !== null) {
    const found = await findEarlier(s, to, fallbackUser, tag, claimedBefore);
    if (found !== null) {
      s.log.info('found the notice an earlier try posted; not posting it again', { noticeId: notice.id });
      return { id: notice.id, kind: 'sent', delivery: found };
    }
  }
  try {
    return { id: notice.id, kind: 'sent', delivery: await route.post(tag) };
  } catch (error) {
    const code = slackError(error);
    // The claim counted as a try: `attempts` here is the count before it.
    const retryAtMs = isPermanent(code) || notice.attempts + 1 >= MAX_NOTICE_ATTEMPTS ? null : s.clock.now() + backoffMs(notice.attempts);
    if (retryAtMs === null) s.log.error('notice given up', { noticeId: notice.id, slackError: code, permanent: isPermanent(code) });
    else s.log.warn('notice not delivered; will try again', { noticeId: notice.id, slackError: code, retryAt: retryAtMs });
    return { id: notice.id, kind: 'failed', error: code ?? String(error), retryAtMs };
  }
}

/** Tries of one notice before it is given up (the waits between them double from 5 s to 10 minutes). */
const MAX_NOTICE_ATTEMPTS = 8;

async function findEarlier(s: NoticeSender, to: { channel: string; threadTs?: string | undefined }, fallbackUser: string | null, tag: OutboxTag, since: number): Promise<Posted | null> {
  try {
    const found = await findTagged(s.client, to, tag, since);
    if (found !== null || fallbackUser === null) return found;
    // The earlier try may have fallen back to the owner's DM.
    return await findTagged(s.client, { channel: fallbackUser }, tag, since);
  } catch (error) {
    s.log.warn('could not look for an earlier post of a notice; posting it', { noticeId: tag.key, slackError: slackError(error) });
    return null;
  }
}

/**
 * One read per key for a delivery pass, shared by every notice that needs it (a box's or job's thread
 * notice and its DM); a failed read is not kept, so the next notice of that key reads again. Kept for
 * the whole pass: each pass makes its own.
 */
export function passReads<V>(): ShortCache<V> {
  return new ShortCache<V>(Number.POSITIVE_INFINITY);
}

/** How long a notice waiting for its thread's card is put off: a while, growing with its age, at most 10 minutes. */
export function waitForCardMs(ageMs: number): number {
  return Math.min(Math.max(5_000, Math.floor(ageMs / 2)), 600_000);
}
