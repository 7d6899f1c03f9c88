/**
 * The training-job half of the outbox: each job's card (posted once, then chat.update in place) and
 * each `job-ended` notice (in the job's thread and the owner's DM), delivered once per notice.
 */
import type { WebClient } from '@slack/web-api';
import type { Job } from '../domain/job.js';
import type { Notice } from '../domain/notice.js';
import type { Clock, Logger, NoticeStore } from '../app/ports.js';
import type { JobStore } from '../app/ports/jobs.js';
import type { PriceTable } from '../domain/prices.js';
import { PRICE_WAIT_MS, startLookup, within, type PriceLookup } from './price-lookup.js';
import { jobCard, jobEndedMessage } from './views/job-card.js';
import { postWithDmFallback, whenToRetry, type Posted, type SlackMessageBody } from './delivery.js';

export interface JobNotifierDeps {
  client: WebClient;
  jobs: JobStore;
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  project: string;
  holder: string;
  prices?: PriceLookup;
}

const CLAIM_MS = 60_000;
const CARDS_PER_PASS = 50;

export function isJobNotice(notice: Pick<Notice, 'event'>): boolean {
  return notice.event.type === 'job-ended';
}

export class JobNotifier {
  constructor(private readonly deps: JobNotifierDeps) {}

  /** Brings stale job cards up to date; true when more are waiting than one pass takes. */
  async showCards(): Promise<boolean> {
    const stale = await this.deps.jobs.jobsWithStaleCards(CARDS_PER_PASS);
    for (const job of stale) await this.showCard(job).catch((error: unknown) => this.deps.log.error('job card update failed', { jobId: job.id, error }));
    return stale.length === CARDS_PER_PASS;
  }

  private async pricesFor(job: Job): Promise<{ prices?: PriceTable }> {
    if (this.deps.prices === undefined) return {};
    const prices = await within(startLookup(this.deps.prices, job.region, this.deps.log), PRICE_WAIT_MS);
    return prices !== undefined ? { prices } : {};
  }

  private async showCard(job: Job): Promise<void> {
    const message = jobCard(job, { now: this.deps.clock.now(), project: this.deps.project, ...(await this.pricesFor(job)) });
    const card = await this.deps.jobs.cardOf(job.id);
    if (card !== null) {
      await this.deps.client.chat.update({ channel: card.channel, ts: card.ts, text: message.text, blocks: message.blocks as never });
      await this.deps.jobs.markCardShown(job.id, job.rev, card);
      return;
    }
    const posted = await this.post(job.channel, message, undefined, job.owner);
    await this.deps.jobs.markCardShown(job.id, job.rev, posted);
  }

  /** Sends one job notice; returns true if it must wait (its card is not posted yet). */
  async send(notice: Notice): Promise<boolean> {
    if (notice.event.type !== 'job-ended') return false;
    const job = await this.deps.jobs.getJob(notice.event.jobId);
    if (job === null) {
      await this.deps.notices.markFailed(notice.id, 'job record gone', null);
      return false;
    }
    const card = notice.to === 'thread' ? await this.deps.jobs.cardOf(job.id) : null;
    if (notice.to === 'thread' && card === null) return true;
    const prices = await this.pricesFor(job);
    if (!(await this.deps.notices.claim(notice.id, this.deps.holder, this.deps.clock.now() + CLAIM_MS))) return false;
    const message = jobEndedMessage(job, { now: this.deps.clock.now(), project: this.deps.project, audience: notice.to, ...prices });
    try {
      const delivered = card !== null ? await this.post(card.channel, message, card.ts, job.owner) : await this.post(job.owner, message, undefined, null);
      await this.deps.notices.markSent(notice.id, delivered);
    } catch (error) {
      const { code, retryAt: next } = whenToRetry(error, notice.attempts, this.deps.clock.now());
      await this.deps.notices.markFailed(notice.id, code ?? String(error), next);
      this.deps.log.warn('job notice not delivered', { noticeId: notice.id, slackError: code, willRetry: next !== null });
    }
    return false;
  }

  /** Posts; where the bot may not post (a channel it is not in), posts to `fallbackUser`'s DM instead. */
  private post(channel: string, message: SlackMessageBody, threadTs: string | undefined, fallbackUser: string | null): Promise<Posted> {
    return postWithDmFallback(this.deps.client, this.deps.log, { channel, threadTs }, message, fallbackUser === null ? null : { user: fallbackUser, message });
  }
}
