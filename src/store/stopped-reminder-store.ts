/**
 * The weekly stopped-box reminder's last run (`settings/stoppedReminders`), recorded in the same
 * transaction as the notices it sends: two replicas, or a tick repeated after a crash, send one week's
 * reminders once, since the second transaction finds the run already recorded.
 */
import { randomUUID } from 'node:crypto';
import type { Firestore } from '@google-cloud/firestore';
import type { Notice } from '../domain/notice.js';
import type { StoppedReminderRun } from '../app/ports/stopped-reminders.js';
import { NOTICES } from './box-store.js';
import { SETTINGS } from './policy-store.js';

const RUN_DOC = 'stoppedReminders';

export class FirestoreStoppedReminderRun implements StoppedReminderRun {
  constructor(private readonly db: Firestore) {}

  async lastRun(): Promise<number | null> {
    const snap = await this.db.collection(SETTINGS).doc(RUN_DOC).get();
    const at = (snap.data() as { lastRunAt?: unknown } | undefined)?.lastRunAt;
    return typeof at === 'number' ? at : null;
  }

  async recordRun(now: number, everyMs: number, notices: Parameters<StoppedReminderRun['recordRun']>[2]): Promise<boolean> {
    const ref = this.db.collection(SETTINGS).doc(RUN_DOC);
    return this.db.runTransaction(async (t) => {
      const at = ((await t.get(ref)).data() as { lastRunAt?: unknown } | undefined)?.lastRunAt;
      if (typeof at === 'number' && now - at < everyMs) return false;
      t.set(ref, { lastRunAt: now });
      for (const { box, draft } of notices) {
        const id = randomUUID();
        const notice: Notice = { ...draft, id, boxId: box?.id ?? null, owner: box?.owner ?? null, channel: box?.channel ?? null, createdAt: now, state: 'pending', attempts: 0, notBefore: now };
        t.set(this.db.collection(NOTICES).doc(id), notice);
      }
      return true;
    });
  }
}
