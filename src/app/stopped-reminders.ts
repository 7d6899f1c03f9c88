/**
 * Stopped boxes that cost money: once a week (the last run recorded in Firestore, so two replicas send
 * once), the owner of each box stopped longer than the policy's days hears what its disk has cost and
 * costs per month, with [Delete] and [Keep 30 days]; the admins get the list and the team's total.
 */
import type { Parsed } from '../domain/result.js';
import type { Box } from '../domain/box.js';
import { requestedEntry } from '../domain/audit.js';
import type { NoticeDraft } from '../domain/notice.js';
import type { TeamPolicy } from '../domain/policy.js';
import { bundledPrices, type PriceTable } from '../domain/prices.js';
import { remindsAbout, STOPPED_QUIET_MS, STOPPED_REMINDER_EVERY_MS, stoppedBoxCost, stoppedTotals } from '../domain/stopped-reminder.js';
import type { Asker } from './box-commands.js';
import type { BoxStore, Clock, Logger, Policy } from './ports.js';
import type { StoppedReminderRun } from './ports/stopped-reminders.js';

export interface StoppedRemindersDeps {
  boxes: Pick<BoxStore, 'liveBoxes' | 'getBox' | 'transact'>;
  run: StoppedReminderRun;
  clock: Clock;
  log: Logger;
  /** The policy in force (its `stoppedReminderDays`). */
  policy: () => Promise<TeamPolicy>;
  /** Who may keep or delete a box not theirs. */
  auth: Policy;
  /** A region's list prices; undefined when they cannot be had now (the bundled table is used). */
  prices: (region: string) => Promise<PriceTable | undefined>;
}

export class StoppedReminders {
  /** The next time a run can be due, as last read: most ticks then skip the Firestore read. */
  private notBefore = 0;

  constructor(private readonly deps: StoppedRemindersDeps) {}

  /**
   * One pass of the tick: sends this week's reminders if they are due; returns how many owners were
   * told. `live`: the live boxes as this tick's box pass read them, so a due run does not read them all again.
   */
  async run(live?: readonly Box[]): Promise<number> {
    const now = this.deps.clock.now();
    if (now < this.notBefore) return 0;
    const last = await this.deps.run.lastRun();
    if (last !== null && now - last < STOPPED_REMINDER_EVERY_MS) {
      this.notBefore = last + STOPPED_REMINDER_EVERY_MS;
      return 0;
    }
    const [boxes, policy] = await Promise.all([live ?? this.deps.boxes.liveBoxes(), this.deps.policy()]);
    const due = boxes.filter((b) => remindsAbout(b, now, policy.stoppedReminderDays));
    const tables = new Map<string, PriceTable>();
    for (const region of new Set(due.map((b) => b.spec.region))) tables.set(region, (await this.deps.prices(region).catch(() => undefined)) ?? bundledPrices(region));
    const costs = due.map((b) => stoppedBoxCost(b, tables.get(b.spec.region) ?? bundledPrices(b.spec.region), now));
    const notices: { box: Box | null; draft: NoticeDraft }[] = due.map((box, i) => ({ box, draft: { to: 'dm', event: { type: 'box-stopped-reminder', cost: costs[i] ?? stoppedBoxCost(box, bundledPrices(box.spec.region), now) } } }));
    if (costs.length > 0) notices.push({ box: null, draft: { to: 'admins', event: { type: 'stopped-boxes-summary', boxes: costs, ...stoppedTotals(costs) } } });
    const sent = await this.deps.run.recordRun(now, STOPPED_REMINDER_EVERY_MS, notices);
    this.notBefore = now + (sent ? STOPPED_REMINDER_EVERY_MS : 60_000);
    if (sent) this.deps.log.info('stopped-box reminders recorded', { boxes: costs.length });
    return sent ? due.length : 0;
  }

  /** [Keep 30 days]: owner or admin; no reminder about the box for 30 days. A retried click changes nothing twice. */
  async keep(asker: Asker, boxId: string): Promise<Parsed<{ box: Box; until: number }>> {
    const seen = boxId === '' ? null : await this.deps.boxes.getBox(boxId);
    if (seen === null) return { ok: false, error: { code: 'NO_SUCH_BOX', message: 'That box no longer exists.' } };
    if (seen.owner !== asker.userId && !this.deps.auth.isAdmin(asker.userId)) {
      return { ok: false, error: { code: 'NOT_YOURS', message: `\`${seen.name}\` belongs to <@${seen.owner}>; only its owner or an admin can keep it.` } };
    }
    return this.deps.boxes.transact({ requestKey: asker.requestKey, lockKeys: [seen.id] }, async (tx): Promise<Parsed<{ box: Box; until: number }>> => {
      const box = await tx.getBox(seen.id);
      if (box === null || box.status === 'deleted' || box.desired === 'deleted') return { ok: false, error: { code: 'NO_SUCH_BOX', message: `\`${seen.name}\` is deleted; there is nothing to keep.` } };
      const now = this.deps.clock.now();
      const until = now + STOPPED_QUIET_MS;
      const updated: Box = { ...box, stoppedQuietUntil: until, updatedAt: now, rev: box.rev + 1 };
      tx.putBox(updated);
      tx.audit(requestedEntry(asker, 'keep', { kind: 'box', id: box.id, name: box.name }, now, 'stopped, its disk kept 30 days'));
      return { ok: true, value: { box: updated, until } };
    });
  }
}
