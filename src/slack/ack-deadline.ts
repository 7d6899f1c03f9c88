/**
 * Slack waits 3 seconds for an ack. Listeners record the intent before acking, so an acknowledged
 * request is never lost; if that takes too long, the ack goes out anyway and the answer follows.
 */

export const ACK_DEADLINE_MS = 2000;

/** Resolves with the work's result, or with 'late' once the deadline passes (the work goes on). */
export async function raceAckDeadline<T>(work: Promise<T>, deadlineMs = ACK_DEADLINE_MS): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deadlineMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
