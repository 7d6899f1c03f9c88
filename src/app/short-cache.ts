/**
 * A read kept for a few seconds, for the documents every `/gpu up` and `/train` read before answering
 * but that change rarely (the team's policy, the month's budget standing): one Firestore round trip
 * per few seconds instead of one per request. Concurrent readers share one read; a write through the
 * same store drops the entry (a read still in flight with it), so this replica sees its own change at
 * once. Another replica's change is seen once the entry is `ttlMs` old.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; at: number }>();

  /** `now` is real time (a monotonic clock): the entry's age is wall time, whatever the bot's clock says. */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string, read: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return read();
    const at = this.now();
    const kept = this.entries.get(key);
    if (kept !== undefined && at - kept.at < this.ttlMs) return kept.value;
    const value = read();
    this.entries.set(key, { value, at });
    // A failed read is not kept: the next reader tries again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  /** Drops every entry, reads in flight included (a write through this store just changed what they hold). */
  drop(): void {
    this.entries.clear();
  }
}
