/**
 * The training-job half of the outbox: each job's card (posted once, then chat.update in place) and
 * each `job-ended` notice (in the job's thread and the owner's DM), delivered once per notice.
 */
import type { WebClient } from '@slack/web-api';
import type { Job } from '../domain/job.js';
import type { Notice } from '../domain/notice.js';
import type { CardClaimStore, Clock, Logger, NoticeStore } from '../app/ports.js';
import type { JobStore } from '../app/ports/jobs.js';
import type { PriceTable } from '../domain/prices.js';
import { PRICE_WAIT_MS, startLookup, within, type PriceLookup } from './price-lookup.js';
import { jobCard, jobEndedMessage } from './views/job-card.js';
import { postWithDmFallback, slackError, type OutboxTag, type Posted, type SlackMessageBody } from './delivery.js';
import { CardRetries, passReads, postCardOnce, type NoticeRoute } from './outbox.js';
import { inLanes } from '../app/lanes.js';
import type { ShortCache } from '../app/short-cache.js';

export interface JobNotifierDeps {
  client: WebClient;
  jobs: JobStore;
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  project: string;
  holder: string;
  /** Claims on posting cards (store/card-claim-store.ts). */
  claims: CardClaimStore;
  prices?: PriceLookup;
}

const CARDS_PER_PASS = 50;
/** Cards updated at once (chat.update is Slack's tier 3, 50+ a minute; the client waits Retry-After). */
const CARD_LANES = 8;

/** One read of a job and its card. */
export type JobRead = { job: Job | null; card: { channel: string; ts: string } | null };

export function isJobNotice(notice: Pick<Notice, 'event'>): boolean {
  return notice.event.type === 'job-ended';
}

export class JobNotifier {
  private readonly retries: CardRetries;

  constructor(private readonly deps: JobNotifierDeps) {
    this.retries = new CardRetries(deps.clock);
  }

  /** Brings stale job cards up to date; true when more are waiting than one pass takes. */
  async showCards(fence?: number): Promise<boolean> {
    const stale = await this.deps.jobs.jobsWithStaleCards(CARDS_PER_PASS);
    // A few cards at once, as the box cards (notifier.ts): each is its own message.
    await inLanes(
      stale.filter((job) => this.retries.due(`${job.id}@${job.rev}`)),
      CARD_LANES,
      (job) =>
        this.showCard(job, fence).then(
          () => this.retries.succeeded(`${job.id}@${job.rev}`),
          (error: unknown) => this.cardFailed(job, error),
        ),
    );
    return stale.length === CARDS_PER_PASS;
  }

  /** A card Slack refuses for good is given up for this revision (one log line); others are tried later. */
  private async cardFailed(job: Job, error: unknown): Promise<void> {
    if (!this.retries.failed(`${job.id}@${job.rev}`, error)) {
      this.deps.log.warn('job card update failed; will try again later', { jobId: job.id, slackError: slackError(error), error });
      return;
    }
    this.deps.log.error('job card refused by Slack; not retried until the job changes', { jobId: job.id, slackError: slackError(error) });
    const card = await this.deps.jobs.cardOf(job.id).catch(() => null);
    if (card !== null) await this.deps.jobs.markCardShown(job.id, job.rev, card).catch(() => undefined);
  }

  private async pricesFor(job: Job): Promise<{ prices?: PriceTable }> {
    if (this.deps.prices === undefined) return {};
    const prices = await within(startLookup(this.deps.prices, job.region, this.deps.log), PRICE_WAIT_MS);
    return prices !== undefined ? { prices } : {};
  }

  private async showCard(job: Job, fence: number | undefined): Promise<void> {
    const message = jobCard(job, { now: this.deps.clock.now(), project: this.deps.project, ...(await this.pricesFor(job)) });
    const card = await this.deps.jobs.cardOf(job.id);
    if (card !== null) {
      await this.deps.client.chat.update({ channel: card.channel, ts: card.ts, text: message.text, blocks: message.blocks });
      await this.deps.jobs.markCardShown(job.id, job.rev, card);
      return;
    }
    const posted = await postCardOnce(this.deps, `job:${job.id}`, fence, { channel: job.channel }, (tag) => this.post(job.channel, message, undefined, job.owner, tag));
    if (posted !== null) await this.deps.jobs.markCardShown(job.id, job.rev, posted);
  }

  /**
   * Where one job notice goes and how it is posted (the box notifier claims, posts and records it with
   * the rest of its pass); 'wait' while its card is not posted yet, 'done' when there is nothing to post.
   * `reads`: the pass's reads of jobs by id, shared by a job's notices (its thread's and its owner's),
   * so each ended job is read once a pass, with its card.
   */
  async route(notice: Notice, reads: ShortCache<JobRead> = passReads()): Promise<NoticeRoute | 'wait' | 'done'> {
    if (notice.event.type !== 'job-ended') return 'done';
    const jobId = notice.event.jobId;
    const { job, card: shown } = await reads.get(jobId, () => this.deps.jobs.jobWithCard(jobId));
    if (job === null) {
      await this.deps.notices.markFailed(notice.id, 'job record gone', null);
      return 'done';
    }
    const card = notice.to === 'thread' ? shown : null;
    if (notice.to === 'thread' && card === null) return 'wait';
    const prices = await this.pricesFor(job);
    const message = jobEndedMessage(job, { now: this.deps.clock.now(), project: this.deps.project, audience: notice.to, ...prices });
    const to = card !== null ? { channel: card.channel, threadTs: card.ts } : { channel: job.owner };
    const fallbackUser = card !== null ? job.owner : null;
    return { notice, to, fallbackUser, post: (tag) => this.post(to.channel, message, to.threadTs, fallbackUser, tag) };
  }

  /** Posts; where the bot may not post (a channel it is not in), posts to `fallbackUser`'s DM instead. */
  private post(channel: string, message: SlackMessageBody, threadTs: string | undefined, fallbackUser: string | null, tag?: OutboxTag): Promise<Posted> {
    return postWithDmFallback(this.deps.client, this.deps.log, { channel, threadTs }, message, fallbackUser === null ? null : { user: fallbackUser, message }, tag);
  }
}
