/**
 * Slack waits 3 seconds for an ack. Listeners record the intent before acking, so an acknowledged
 * request is never lost; if that takes too long, the ack goes out anyway and the answer follows.
 */

export const ACK_DEADLINE_MS = 2000;

/** Resolves with the work's result, or with 'late' once the deadline passes (the work goes on). */
export function raceAckDeadline<T>(work: Promise<T>, deadlineMs = ACK_DEADLINE_MS): Promise<T | 'late'> {
  return raceTimer(work, deadlineMs, 'late' as const);
}

/**
 * The promise's value, or `late` once `ms` have passed, whichever comes first; the timer is cleared
 * either way, so a settled race leaves nothing to keep the process up. The ack deadline and the
 * price look-ups (price-lookup.ts) both wait this way.
 */
export async function raceTimer<T, L>(promise: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<L>((resolve) => {
    timer = setTimeout(() => resolve(late), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
