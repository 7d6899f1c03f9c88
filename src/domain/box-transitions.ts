/** Small pure helpers the box controller and use cases share to change a box record. */
import type { Box, BoxFailure, BoxStatus } from './box.js';

/** Returns the box moved to `status` at `now`, with the change in its history. */
export function moveTo(box: Box, status: BoxStatus, now: number, note?: string): Box {
  if (box.status === status) return { ...box, updatedAt: now, rev: box.rev + 1 };
  const event = note === undefined ? { status, at: now } : { status, at: now, note };
  return { ...box, status, updatedAt: now, rev: box.rev + 1, history: [...box.history, event].slice(-200) };
}

/**
 * A move seen now that happened at `since` by Google's own clock (the end time of the operation that
 * made it): the history, which costs are counted from, says when it happened, not when a tick noticed
 * (a tick slowed by a hung call notices a minute late). Kept between the last event and now.
 */
export function moveToSince(box: Box, status: BoxStatus, now: number, since: number | null, note?: string): Box {
  const moved = moveTo(box, status, now, note);
  if (since === null || moved === box || moved.status === box.status) return moved;
  const floor = box.history.at(-1)?.at ?? box.createdAt;
  const at = Math.min(now, Math.max(floor, since));
  return { ...moved, history: [...moved.history.slice(0, -1), note === undefined ? { status, at } : { status, at, note }] };
}

export function fail(box: Box, failure: BoxFailure, now: number): Box {
  return { ...moveTo(box, 'failed', now, failure.code), failure, operation: null, desired: 'deleted' };
}

/** Zones still worth trying for a box that is being created, in order. */
export function remainingZones(box: Box, offering: readonly string[]): string[] {
  const tried = new Set(box.zonesTried.map((a) => a.zone));
  const candidates = box.spec.zone !== null ? [box.spec.zone] : offering;
  return candidates.filter((z) => !tried.has(z));
}

export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}
