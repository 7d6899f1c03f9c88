/**
 * Delivers what the outbox holds: each box's card (posted once, then updated in place with
 * chat.update) and each notice (a thread reply, a DM, or a word to the admins), exactly once per notice
 * under normal operation. Rate limits are handled by the Web API client, which waits Retry-After.
 */
import type { WebClient } from '@slack/web-api';
import type { Box } from '../domain/box.js';
import type { Notice } from '../domain/notice.js';
import type { BoxStore, Clock, Logger, NoticeStore } from '../app/ports.js';
import type { PriceTable } from '../domain/prices.js';
import { PRICE_WAIT_MS, startLookup, within, type PriceLookup } from './price-lookup.js';
import { boxCard } from './views/box-card.js';
import { noticeMessage } from './views/notices.js';
import { isJobNotice, type JobNotifier } from './job-notifier.js';
import { postWithDmFallback, whenToRetry, type Posted, type SlackMessageBody } from './delivery.js';

export interface NotifierDeps {
  client: WebClient;
  boxes: BoxStore & { cardOf(boxId: string): Promise<{ channel: string; ts: string } | null> };
  notices: NoticeStore;
  clock: Clock;
  log: Logger;
  project: string;
  admins: ReadonlySet<string>;
  adminChannel: string | null;
  holder: string;
  /** A region's list prices (the price book): with it, cards and stop and delete notices show costs. */
  prices?: PriceLookup;
  /** Training-job cards and notices, delivered in the same pass. */
  jobs?: JobNotifier;
}

/** Errors after which posting to that conversation will not work: fall back to the owner's DM. */
const CLAIM_MS = 60_000;

export class SlackNotifier {
  constructor(private readonly deps: NotifierDeps) {}

  /** One delivery pass; returns true when something is still waiting (the next tick should come soon). */
  async deliver(): Promise<boolean> {
    const cards = await this.deps.boxes.boxesWithStaleCards(50);
    for (const box of cards) await this.showCard(box).catch((error: unknown) => this.deps.log.error('card update failed', { boxId: box.id, error }));
    const moreJobCards = (await this.deps.jobs?.showCards()) ?? false;
    const pending = await this.deps.notices.pending(100);
    let waiting = false;
    for (const notice of pending) {
      try {
        waiting = (await this.send(notice)) || waiting;
      } catch (error) {
        this.deps.log.error('notice delivery failed', { noticeId: notice.id, error });
      }
    }
    return waiting || moreJobCards || cards.length === 50;
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

  private async showCard(box: Box): Promise<void> {
    const ctx = { now: this.deps.clock.now(), project: this.deps.project, ...(await this.pricesFor(box)) };
    const card = await this.deps.boxes.cardOf(box.id);
    if (card !== null) {
      const message = boxCard(box, { ...ctx, shownInDm: card.channel !== box.channel });
      await this.deps.client.chat.update({ channel: card.channel, ts: card.ts, text: message.text, blocks: message.blocks });
      await this.deps.boxes.markCardShown(box.id, box.rev, card);
      return;
    }
    const posted = await this.post(box.channel, boxCard(box, ctx), undefined, {
      user: box.owner,
      message: boxCard(box, { ...ctx, shownInDm: true }),
    });
    await this.deps.boxes.markCardShown(box.id, box.rev, posted);
  }

  /** Sends one notice; returns true if it must wait (its thread is not posted yet). */
  private async send(notice: Notice): Promise<boolean> {
    if (isJobNotice(notice)) return this.deps.jobs !== undefined ? this.deps.jobs.send(notice) : true;
    const box = notice.boxId !== null ? await this.deps.boxes.getBox(notice.boxId) : null;
    let card: { channel: string; ts: string } | null = null;
    if (notice.to === 'thread') {
      card = notice.boxId !== null ? await this.deps.boxes.cardOf(notice.boxId) : null;
      if (card === null) return true;
    }
    const prices = await this.pricesFor(box);
    if (!(await this.deps.notices.claim(notice.id, this.deps.holder, this.deps.clock.now() + CLAIM_MS))) return false;
    const message = noticeMessage(notice.event, box, { now: this.deps.clock.now(), project: this.deps.project, audience: notice.to, ...prices });
    try {
      let delivered: { channel: string; ts: string };
      if (notice.to === 'thread' && card !== null) {
        delivered = await this.post(card.channel, message, card.ts, notice.owner === null ? null : { user: notice.owner, message });
      } else if (notice.to === 'dm' && notice.owner !== null) {
        delivered = await this.post(notice.owner, message, undefined, null);
      } else if (notice.boxId === null && notice.channel !== null) {
        // The daily digest: an admins' notice addressed to its configured channel.
        delivered = await this.post(notice.channel, message, undefined, null);
      } else {
        delivered = await this.toAdmins(message);
      }
      await this.deps.notices.markSent(notice.id, delivered);
    } catch (error) {
      const { code, retryAt: next } = whenToRetry(error, notice.attempts, this.deps.clock.now());
      await this.deps.notices.markFailed(notice.id, code ?? String(error), next);
      this.deps.log.warn('notice not delivered', { noticeId: notice.id, slackError: code, willRetry: next !== null });
    }
    return false;
  }

  private post(channel: string, message: SlackMessageBody, threadTs: string | undefined, fallback: { user: string; message: SlackMessageBody } | null): Promise<Posted> {
    return postWithDmFallback(this.deps.client, this.deps.log, { channel, threadTs }, message, fallback);
  }

  private async toAdmins(message: { text: string; blocks: unknown[] }): Promise<{ channel: string; ts: string }> {
    if (this.deps.adminChannel !== null) return this.post(this.deps.adminChannel, message, undefined, null);
    let last: { channel: string; ts: string } | null = null;
    for (const admin of this.deps.admins) last = await this.post(admin, message, undefined, null);
    if (last === null) {
      this.deps.log.warn('an admin notice has nowhere to go: set GPUBOT_ADMINS or GPUBOT_ADMIN_CHANNEL', { text: message.text });
      return { channel: 'log', ts: '' };
    }
    return last;
  }
}
