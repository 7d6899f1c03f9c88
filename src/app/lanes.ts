/**
 * Runs one step per item, at most `lanes` at a time, each started in the items' order, and waits for
 * all of them. The box pass uses it so that one slow or hanging cloud call (up to its timeout and
 * retries, about a minute) holds up its own lane, not every box behind it; notice delivery, so that
 * posts to different threads do not wait on each other's round trips. The step handles its own errors; one that throws anyway
 * stops every lane taking more items (a lost lease must end the pass), and the first such error is
 * thrown once every lane is done. With `keepGoing`, the other items are still stepped (the idle pass's
 * commits: one chunk's failure must not leave the boxes of the next unchecked); the first error is
 * thrown all the same.
 */
export async function inLanes<T>(items: readonly T[], lanes: number, step: (item: T) => Promise<void>, opts: { keepGoing?: boolean } = {}): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const keepGoing = opts.keepGoing === true;
  const lane = async (): Promise<void> => {
    while ((failure === null || keepGoing) && next < items.length) {
      const item = items[next++] as T;
      try {
        await step(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
