/**
 * Delivers what the outbox holds: each box's card (posted once under a claim, then updated in place
 * with chat.update) and each notice (a thread reply, a DM, or a word to the admins), once per notice,
 * with two replicas and crashes between a post and its record (outbox.ts). Rate limits are handled by
 * the Web API client, which waits Retry-After.
 */
import type { WebClient } from '@slack/web-api';
import type { Box } from '../domain/box.js';
import type { Notice } from '../domain/notice.js';
import type { BoxStore, CardClaimStore, Clock, Fence, Logger, NoticeStore } from '../app/ports.js';
import type { PriceTable } from '../domain/prices.js';
import { PRICE_WAIT_MS, startLookup, within, type PriceLookup } from './price-lookup.js';
import { boxCard } from './views/box-card.js';
import { noticeMessage } from './views/notices.js';
import { approvalRequestMessage } from './views/approval.js';
import { isJobNotice, type JobNotifier, type JobRead } from './job-notifier.js';
import { isJobApprovalNotice, type JobApprovalNotifier } from './job-approval-notifier.js';
import { postWithDmFallback, slackError, type OutboxTag, type Posted, type SlackMessageBody } from './delivery.js';
import { CardRetries, deliverNotices, passReads, postCardOnce, waitForCardMs, type NoticeRoute, type NoticeSender } from './outbox.js';
import { inLanes } from '../app/lanes.js';
import type { ShortCache } from '../app/short-cache.js';

export interface NotifierDeps {
  client: WebClient;
  boxes: BoxStore & {
    cardOf(boxId: string): Promise<{ channel: string; ts: string } | null>;
    /** The boxes whose card is behind, each with its card (null: not posted yet), in one read. */
    staleCards(limit: number): Promise<{ box: Box; card: { channel: string; ts: string } | null }[]>;
    /** Records a pass's cards as shown, in one write. */
    markCardsShown(shown: readonly CardShown[]): Promise<void>;
    /** The box and its card, read together. */
    boxWithCard(boxId: string): Promise<{ box: Box | null; card: { channel: string; ts: string } | null }>;
  };
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  project: string;
  admins: ReadonlySet<string>;
  adminChannel: string | null;
  holder: string;
  /** Claims on posting cards (store/card-claim-store.ts). */
  claims: CardClaimStore;
  /** A region's list prices (the price book): with it, cards and stop and delete notices show costs. */
  prices?: PriceLookup;
  /** Training-job cards and notices, delivered in the same pass. */
  jobs?: JobNotifier;
  /** Training-job requests waiting for an admin, and each step of them. */
  jobApprovals?: JobApprovalNotifier;
  /** Wall time a pass may spend sending notices (PASS_BUDGET_MS); tests shorten it. */
  passBudgetMs?: number;
}

/** Notices read per pass. */
const NOTICES_PER_PASS = 100;
/** A notice this young waiting for its card keeps ticks fast: the card is normally posted within a tick or two. */
const FRESH_MS = 60_000;

/** Notices of one thread (box or job) sent per pass: one busy thread does not hold the others up. */
const PER_THREAD = 10;

/**
 * Threads (and cards) delivered at once. Posts to one channel stay near Slack's "about 1 message per
 * second per channel, short bursts allowed" for chat.postMessage
 * (https://docs.slack.dev/apis/web-api/rate-limits); beyond that the client waits Retry-After.
 */
const LANES = 8;

/**
 * Wall time a pass may spend sending before it leaves the rest to the next tick. Slack's rate limits
 * make the client wait Retry-After, and a hung call waits its timeout: without a bound one pass could
 * hold the tick for minutes while boxes wait to be stopped. Real time, not the clock: it bounds the tick.
 */
const PASS_BUDGET_MS = 10_000;

/** A card brought up to date: its box, the revision drawn, and where the card is. */
interface CardShown {
  boxId: string;
  rev: number;
  card: { channel: string; ts: string };
}

/** A delivery pass's reads, by id, shared by the notices of one box or job (its thread's, its owner's). */
interface PassReads {
  boxes: ShortCache<{ box: Box | null; card: { channel: string; ts: string } | null }>;
  jobs: ShortCache<JobRead>;
}

export class SlackNotifier {
  private readonly retries: CardRetries;
  private readonly sender: NoticeSender;

  constructor(private readonly deps: NotifierDeps) {
    this.retries = new CardRetries(deps.clock);
    this.sender = { client: deps.client, notices: deps.notices, clock: deps.clock, log: deps.log, holder: deps.holder, unmarked: new Map() };
  }

  /** One delivery pass; returns true when something is still waiting (the next tick should come soon). */
  async deliver(fence?: Fence): Promise<boolean> {
    const fenceNo = fence?.fence;
    const cards = await this.deps.boxes.staleCards(50);
    const shown: CardShown[] = [];
    // Each card is its own message: a few at once (chat.update is Slack's tier 3, 50+ a minute, and the
    // Web API client waits Retry-After when told to).
    await inLanes(
      cards.filter(({ box }) => this.retries.due(`${box.id}@${box.rev}`)),
      LANES,
      ({ box, card }) =>
        this.showCard(box, card, fenceNo).then(
          (drawn) => {
            if (drawn !== null) shown.push({ boxId: box.id, rev: box.rev, card: drawn });
            this.retries.succeeded(`${box.id}@${box.rev}`);
          },
          (error: unknown) => this.cardFailed(box, error),
        ),
    );
    // One write for the pass's cards; if it fails they are drawn again next pass (chat.update is idempotent,
    // and a new card is found through its claim, not posted twice).
    await this.deps.boxes.markCardsShown(shown).catch((error: unknown) => this.deps.log.warn('could not record the cards shown; they are drawn again next pass', { cards: shown.length, error }));
    const moreJobCards = (await this.deps.jobs?.showCards(fenceNo)) ?? false;
    const pending = await this.deps.notices.pending(NOTICES_PER_PASS);
    const now = this.deps.clock.now();
    const started = Date.now();
    // A thread's notices go out one after another, in order; different threads go out at once.
    const threads = new Map<string, Notice[]>();
    for (const notice of pending) {
      const key = threadKey(notice);
      const list = threads.get(key);
      if (list === undefined) threads.set(key, [notice]);
      else list.push(notice);
    }
    let waiting = false;
    const budgetMs = this.deps.passBudgetMs ?? PASS_BUDGET_MS;
    // First where each notice goes (reads only), then one claim for all, the posts, and one record of them.
    const ready: NoticeRoute[][] = [];
    // A box's notices share one read of it (and its card) per pass: a warned box has two.
    const reads: PassReads = { boxes: passReads(), jobs: passReads() };
    await inLanes([...threads.values()], LANES, async (notices) => {
      const routes: NoticeRoute[] = [];
      ready.push(routes);
      let sent = 0;
      /** Found without a card this pass: the thread's other notices wait too, without being read again. */
      let cardless = false;
      for (const notice of notices) {
        if (Date.now() - started > budgetMs) {
          waiting = true;
          return;
        }
        if (cardless || sent >= PER_THREAD) {
          // Put off behind the notices due now, so one busy or stuck thread does not fill every pass.
          const wait = cardless ? waitForCardMs(now - notice.createdAt) : 1_000;
          await this.deps.notices.defer(notice.id, now + wait).catch((error: unknown) => this.deps.log.warn('could not put a notice off', { noticeId: notice.id, error }));
          // More of a busy thread is due at once; a thread long without its card is no reason for fast ticks.
          waiting = waiting || !cardless || now - notice.createdAt < FRESH_MS;
          continue;
        }
        sent++;
        try {
          const route = await this.route(notice, fenceNo, reads);
          if (route === 'wait') {
            // Its thread has no card yet: put it off behind the others rather than read it first every pass.
            cardless = true;
            await this.deps.notices.defer(notice.id, now + waitForCardMs(now - notice.createdAt));
            waiting = waiting || now - notice.createdAt < FRESH_MS;
          } else if (route !== 'done') {
            routes.push(route);
          }
        } catch (error) {
          this.deps.log.error('notice delivery failed', { noticeId: notice.id, error });
        }
      }
    });
    const left = await deliverNotices(this.sender, ready, fenceNo, { lanes: LANES, started, budgetMs });
    return left || waiting || moreJobCards || cards.length === 50 || pending.length === NOTICES_PER_PASS;
  }

  /** A card Slack refuses for good is given up for this revision (one log line); others are tried later. */
  private async cardFailed(box: Box, error: unknown): Promise<void> {
    const permanent = this.retries.failed(`${box.id}@${box.rev}`, error);
    if (!permanent) {
      this.deps.log.warn('card update failed; will try again later', { boxId: box.id, slackError: slackError(error), error });
      return;
    }
    this.deps.log.error('card update refused by Slack; not retried until the box changes', { boxId: box.id, slackError: slackError(error) });
    const card = await this.deps.boxes.cardOf(box.id).catch(() => null);
    if (card !== null) await this.deps.boxes.markCardShown(box.id, box.rev, card).catch(() => undefined);
  }

  /**
   * The prices of the box's region, or none when they do not come in time: a card or notice without a
   * cost is better than a delivery loop stalled behind a slow catalogue read.
   */
  private async pricesFor(box: Box | null): Promise<{ prices?: PriceTable }> {
    if (box === null || this.deps.prices === undefined) return {};
    const prices = await within(startLookup(this.deps.prices, box.spec.region, this.deps.log), PRICE_WAIT_MS);
    return prices !== undefined ? { prices } : {};
  }

  /** Draws the box's card (`card`: where it is, as read with the box; null: not posted yet); returns where it is now, or null when another sender posts it. */
  private async showCard(box: Box, card: { channel: string; ts: string } | null, fence: number | undefined): Promise<{ channel: string; ts: string } | null> {
    const ctx = { now: this.deps.clock.now(), project: this.deps.project, ...(await this.pricesFor(box)) };
    if (card !== null) {
      const message = boxCard(box, { ...ctx, shownInDm: card.channel !== box.channel });
      await this.deps.client.chat.update({ channel: card.channel, ts: card.ts, text: message.text, blocks: message.blocks });
      return card;
    }
    return postCardOnce(this.deps, `box:${box.id}`, fence, { channel: box.channel }, (tag) =>
      this.post(box.channel, boxCard(box, ctx), undefined, { user: box.owner, message: boxCard(box, { ...ctx, shownInDm: true }) }, tag),
    );
  }

  /**
   * Where one notice goes and how it is posted; 'wait' when its thread is not posted yet, 'done' when
   * it was dealt with here (split per admin, given up, or a request's copies updated in place).
   */
  private async route(notice: Notice, fence: number | undefined, reads: PassReads): Promise<NoticeRoute | 'wait' | 'done'> {
    if (isJobNotice(notice)) return this.deps.jobs !== undefined ? this.deps.jobs.route(notice, reads.jobs) : 'wait';
    if (isJobApprovalNotice(notice)) {
      if (this.deps.jobApprovals === undefined) return 'wait';
      return (await this.deps.jobApprovals.send(notice, fence)) ? 'wait' : 'done';
    }
    // The box and its card in one read: both live in the box's document.
    const boxId = notice.boxId;
    const { box, card: shownCard } = boxId !== null ? await reads.boxes.get(boxId, () => this.deps.boxes.boxWithCard(boxId)) : { box: null, card: null };
    const card = notice.to === 'thread' ? shownCard : null;
    if (notice.to === 'thread' && card === null) return 'wait';
    if (notice.event.type === 'box-approval-copies') {
      await this.updateApprovalCopies(notice, box, fence);
      return 'done';
    }
    const digest = notice.to === 'admins' && notice.boxId === null && notice.channel !== null;
    if (notice.to === 'admins' && !digest && notice.admin === undefined && this.deps.adminChannel === null) {
      // One notice per admin: a DM that fails is tried again alone.
      if (this.deps.admins.size === 0) {
        this.deps.log.warn('an admin notice has nowhere to go: set GPUBOT_ADMINS or GPUBOT_ADMIN_CHANNEL', { noticeId: notice.id, event: notice.event.type });
        await this.deps.notices.markFailed(notice.id, 'no admins configured', null);
        return 'done';
      }
      await this.deps.notices.fanOut(notice.id, [...this.deps.admins].sort());
      return 'done';
    }
    const prices = await this.pricesFor(box);
    const message = noticeMessage(notice.event, box, { now: this.deps.clock.now(), project: this.deps.project, audience: notice.to, ...prices });
    let to: { channel: string; threadTs?: string };
    let fallbackUser: string | null = null;
    if (notice.to === 'thread' && card !== null) {
      to = { channel: card.channel, threadTs: card.ts };
      fallbackUser = notice.owner;
    } else if (notice.to === 'dm' && notice.owner !== null) {
      to = { channel: notice.owner };
    } else if (digest && notice.channel !== null) {
      // The daily digest: an admins' notice addressed to its configured channel.
      to = { channel: notice.channel };
    } else if (notice.admin !== undefined) {
      to = { channel: notice.admin };
    } else if (this.deps.adminChannel !== null) {
      to = { channel: this.deps.adminChannel };
    } else {
      await this.deps.notices.markFailed(notice.id, 'nowhere to send it', null);
      this.deps.log.error('notice given up: it has nowhere to go', { noticeId: notice.id, to: notice.to });
      return 'done';
    }
    const fallback = fallbackUser === null ? null : { user: fallbackUser, message };
    return { notice, to, fallbackUser, post: (tag) => this.post(to.channel, message, to.threadTs, fallback, tag) };
  }

  /**
   * Every admin's copy of a request (the admin channel's, or each DM) shows what was decided and by
   * whom, in place: chat.update is idempotent, so a retried pass updates again and posts nothing.
   */
  private async updateApprovalCopies(notice: Notice, box: Box | null, fence: number | undefined): Promise<void> {
    if (!(await this.deps.notices.claim(notice.id, this.deps.holder, this.deps.clock.now() + 60_000, fence))) return;
    try {
      if (box !== null && notice.boxId !== null) {
        const copies = await this.deps.notices.sentCopies(notice.boxId, 'box-approval-requested');
        const message = approvalRequestMessage(box, { now: this.deps.clock.now(), ...(await this.pricesFor(box)) });
        for (const copy of copies) await this.deps.client.chat.update({ channel: copy.channel, ts: copy.ts, text: message.text, blocks: message.blocks });
      }
      await this.deps.notices.markSent(notice.id, { channel: 'admins', ts: '' });
    } catch (error) {
      const code = slackError(error);
      this.deps.log.warn('could not update the admins\' copies of a request; will try again', { noticeId: notice.id, slackError: code });
      await this.deps.notices.markFailed(notice.id, code ?? String(error), this.deps.clock.now() + 5_000, this.deps.holder);
    }
  }

  private post(channel: string, message: SlackMessageBody, threadTs: string | undefined, fallback: { user: string; message: SlackMessageBody } | null, tag?: OutboxTag): Promise<Posted> {
    return postWithDmFallback(this.deps.client, this.deps.log, { channel, threadTs }, message, fallback, tag);
  }
}

/** The thread a notice belongs to, for the per-thread limit: its box, its job, or itself. */
function threadKey(notice: Notice): string {
  if (notice.boxId !== null) return `box:${notice.boxId}`;
  if (notice.event.type === 'job-ended') return `job:${notice.event.jobId}`;
  return `notice:${notice.id}`;
}
