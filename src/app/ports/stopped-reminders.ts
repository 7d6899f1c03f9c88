/** Where the weekly stopped-box reminder records its last run (store/stopped-reminder-store.ts). */
import type { Box } from '../../domain/box.js';
import type { NoticeDraft } from '../../domain/notice.js';

export interface StoppedReminderRun {
  /** When the last run was recorded; null: never. */
  lastRun(): Promise<number | null>;
  /**
   * In one transaction: unless a run was recorded less than `everyMs` before `now` (another replica's,
   * say), records `now` as the last run and writes the notices with it. False when it was not due.
   */
  recordRun(now: number, everyMs: number, notices: readonly { box: Pick<Box, 'id' | 'owner' | 'channel'> | null; draft: NoticeDraft }[]): Promise<boolean>;
}
