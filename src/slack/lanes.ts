/**
 * A few deliveries at once: a pass of one-at-a-time Slack posts and Firestore marks spent most of its
 * time waiting on round trips (bench/tick.ts: 14 s for 50 cards and 100 notices), while the posts go
 * to different threads and DMs that need no order between them.
 */

/**
 * Runs `work` over `items` with at most `limit` in flight, each started in the items' order. A failure
 * is the caller's to catch inside `work`; one that escapes is thrown after every lane has stopped.
 */
export async function inLanes<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item).catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
}
