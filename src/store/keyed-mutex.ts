/**
 * In-process serialisation of transactions on the same box. Firestore's server SDK locks what a
 * transaction reads; two transactions of one process that read and then write the same document can
 * wait on each other until one aborts (the emulator holds them until its lock timeout). Queueing them
 * here costs nothing in the common case and removes that wait; other replicas still rely on
 * Firestore's own retries.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    // Sorted, so two callers locking the same keys can never hold one each and wait for the other.
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      // The last holder cleans up, so the map does not grow with every box ever seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
