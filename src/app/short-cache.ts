/**
 * A read kept for a few seconds, for the documents every `/gpu up` and `/train` read before answering
 * but that change rarely (the team's policy, the month's budget standing): one Firestore round trip
 * per few seconds instead of one per request. Concurrent readers share one read; a write through the
 * same store drops the entry (a read still in flight with it), so this replica sees its own change at
 * once. Another replica's change is seen once the entry is `ttlMs` old.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; at: number }>();

  /**
   * `now`: real time by default (a monotonic clock), so an entry's age is wall time whatever the bot's
   * clock says. A clock that went back reads again rather than trust an age it cannot tell. At most
   * `maxEntries` keys are kept (one per channel, say); past that all are dropped.
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
    private readonly maxEntries = 1000,
  ) {}

  get(key: string, read: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return read();
    const at = this.now();
    const kept = this.entries.get(key);
    if (kept !== undefined && at >= kept.at && at - kept.at < this.ttlMs) return kept.value;
    const value = read();
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) this.entries.clear();
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
