/**
 * Delivers the notices of training jobs waiting for an admin: the request to the admin channel (or one
 * DM per admin, each tried on its own), each step to the job's thread and its owner's DM, and every
 * admin's copy updated in place once someone decided (chat.update, so a retried pass posts nothing).
 */
import type { WebClient } from '@slack/web-api';
import type { Clock, Logger, NoticeStore } from '../app/ports.js';
import type { JobStore } from '../app/ports/jobs.js';
import type { Job } from '../domain/job.js';
import type { Notice } from '../domain/notice.js';
import type { PriceTable } from '../domain/prices.js';
import { postWithDmFallback, slackError, type OutboxTag, type Posted, type SlackMessageBody } from './delivery.js';
import { deliverNotice, type NoticeSender } from './outbox.js';
import { PRICE_WAIT_MS, startLookup, within, type PriceLookup } from './price-lookup.js';
import { jobApprovalRequestMessage, jobDecidedMessage } from './views/job-approval.js';

export interface JobApprovalNotifierDeps {
  client: WebClient;
  jobs: JobStore;
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  holder: string;
  admins: ReadonlySet<string>;
  adminChannel: string | null;
  prices?: PriceLookup;
}

export function isJobApprovalNotice(notice: Pick<Notice, 'event'>): boolean {
  const t = notice.event.type;
  return t === 'job-approval-requested' || t === 'job-approval-decided' || t === 'job-approval-copies';
}

export class JobApprovalNotifier {
  private readonly sender: NoticeSender;

  constructor(private readonly deps: JobApprovalNotifierDeps) {
    this.sender = { client: deps.client, notices: deps.notices, clock: deps.clock, log: deps.log, holder: deps.holder, unmarked: new Map() };
  }

  /** Sends one notice; returns true when it must wait (its job's card is not posted yet). */
  async send(notice: Notice, fence?: number): Promise<boolean> {
    const event = notice.event;
    if (event.type !== 'job-approval-requested' && event.type !== 'job-approval-decided' && event.type !== 'job-approval-copies') return false;
    const job = await this.deps.jobs.getJob(event.jobId);
    if (job === null) {
      await this.deps.notices.markFailed(notice.id, 'job record gone', null);
      return false;
    }
    if (event.type === 'job-approval-copies') {
      await this.updateCopies(notice, job, fence);
      return false;
    }
    if (event.type === 'job-approval-requested') {
      if (notice.admin === undefined && this.deps.adminChannel === null) {
        // One notice per admin: a DM that fails is tried again alone.
        if (this.deps.admins.size === 0) {
          this.deps.log.warn('a job request has no admin to go to: set GPUBOT_ADMINS or GPUBOT_ADMIN_CHANNEL', { noticeId: notice.id });
          await this.deps.notices.markFailed(notice.id, 'no admins configured', null);
          return false;
        }
        await this.deps.notices.fanOut(notice.id, [...this.deps.admins].sort());
        return false;
      }
      const to = { channel: notice.admin ?? this.deps.adminChannel ?? '' };
      const message = jobApprovalRequestMessage(job, { now: this.deps.clock.now(), ...(await this.pricesFor(job)) });
      await deliverNotice(this.sender, notice, fence, to, null, (tag) => this.post(to.channel, message, undefined, null, tag));
      return false;
    }
    // A step of the request: in the job's thread (once its card is posted) and in the owner's DM.
    const card = notice.to === 'thread' ? await this.deps.jobs.cardOf(job.id) : null;
    if (notice.to === 'thread' && card === null) return true;
    const message = jobDecidedMessage(event, job, notice.to);
    const to = card !== null ? { channel: card.channel, threadTs: card.ts } : { channel: job.owner };
    const fallbackUser = card !== null ? job.owner : null;
    await deliverNotice(this.sender, notice, fence, to, fallbackUser, (tag) => this.post(to.channel, message, to.threadTs, fallbackUser, tag));
    return false;
  }

  /** Every admin's copy of the request shows what was decided and by whom, in place. */
  private async updateCopies(notice: Notice, job: Job, fence: number | undefined): Promise<void> {
    if (!(await this.deps.notices.claim(notice.id, this.deps.holder, this.deps.clock.now() + 60_000, fence))) return;
    try {
      const copies = await this.deps.notices.sentJobCopies(job.id, 'job-approval-requested');
      const message = jobApprovalRequestMessage(job, { now: this.deps.clock.now(), ...(await this.pricesFor(job)) });
      for (const copy of copies) await this.deps.client.chat.update({ channel: copy.channel, ts: copy.ts, text: message.text, blocks: message.blocks });
      await this.deps.notices.markSent(notice.id, { channel: 'admins', ts: '' });
    } catch (error) {
      const code = slackError(error);
      this.deps.log.warn("could not update the admins' copies of a job request; will try again", { noticeId: notice.id, slackError: code });
      await this.deps.notices.markFailed(notice.id, code ?? String(error), this.deps.clock.now() + 5_000, this.deps.holder);
    }
  }

  private async pricesFor(job: Job): Promise<{ prices?: PriceTable }> {
    if (this.deps.prices === undefined) return {};
    const prices = await within(startLookup(this.deps.prices, job.region, this.deps.log), PRICE_WAIT_MS);
    return prices !== undefined ? { prices } : {};
  }

  private post(channel: string, message: SlackMessageBody, threadTs: string | undefined, fallbackUser: string | null, tag?: OutboxTag): Promise<Posted> {
    return postWithDmFallback(this.deps.client, this.deps.log, { channel, threadTs }, message, fallbackUser === null ? null : { user: fallbackUser, message }, tag);
  }
}
