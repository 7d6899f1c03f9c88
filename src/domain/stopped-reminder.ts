/**
 * Stopped boxes still cost money: a stopped VM bills nothing for its GPU, CPU and memory, but its
 * persistent disk is billed as long as it exists (https://cloud.google.com/compute/docs/instances/stop-start-instance:
 * "you are still charged for resources that the instance uses, such as persistent disks"). Each week
 * the owners of boxes stopped longer than the policy's days hear what the disk has cost and costs
 * per month; the admins get the team's total and the list. Pure: time and prices come in.
 */
import type { Box } from './box.js';
import { hourlyPrice, type PriceTable } from './prices.js';

/** How often the reminder goes out. */
export const STOPPED_REMINDER_EVERY_MS = 7 * 24 * 3_600_000;

/** [Keep 30 days]: how long a box is left out of the reminders. */
export const STOPPED_QUIET_MS = 30 * 24 * 3_600_000;

const DAY_MS = 24 * 3_600_000;

/** When the box last became stopped, or null when it is not stopped now. */
export function stoppedSince(box: Pick<Box, 'status' | 'history' | 'updatedAt'>): number | null {
  if (box.status !== 'stopped') return null;
  for (let i = box.history.length - 1; i >= 0; i--) {
    const event = box.history[i];
    if (event !== undefined && event.status === 'stopped') return event.at;
  }
  // A history capped past its stop still says the box is stopped: since its last write at the latest.
  return box.updatedAt;
}

/** Whether the owner hears about `box` this week: stopped longer than `afterDays`, and not kept quiet. */
export function remindsAbout(box: Box, now: number, afterDays: number): boolean {
  const since = stoppedSince(box);
  if (since === null || box.desired !== 'stopped') return false;
  if ((box.stoppedQuietUntil ?? 0) > now) return false;
  return now - since > afterDays * DAY_MS;
}

/** One stopped box as the reminder states it. */
export interface StoppedBoxCost {
  boxId: string;
  name: string;
  owner: string;
  stoppedSince: number;
  diskGb: number;
  /** What the disk has cost since the box was stopped, list price. */
  diskSoFar: number;
  /** What the disk costs each month it stays, list price (the price book's disk price). */
  diskPerMonth: number;
}

export function stoppedBoxCost(box: Box, prices: PriceTable, now: number): StoppedBoxCost {
  const since = stoppedSince(box) ?? now;
  const price = hourlyPrice(box.spec, prices);
  return {
    boxId: box.id,
    name: box.name,
    owner: box.owner,
    stoppedSince: since,
    diskGb: box.spec.diskGb,
    diskSoFar: (price.diskPerHour * Math.max(0, now - since)) / 3_600_000,
    diskPerMonth: price.stoppedPerMonth,
  };
}

/** The admins' summary: every box the owners were told about, and what they cost together each month. */
export function stoppedTotals(costs: readonly StoppedBoxCost[]): { perMonth: number; soFar: number } {
  return { perMonth: costs.reduce((n, c) => n + c.diskPerMonth, 0), soFar: costs.reduce((n, c) => n + c.diskSoFar, 0) };
}
