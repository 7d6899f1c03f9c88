/** The worker lease: one replica leads the ticks, and each of its side effects carries the lease's fence. */

/** The lease fence a leader's writes carry; a write with a stale fence is refused. */
export interface Fence {
  holder: string;
  fence: number;
}

/** Thrown inside a transaction when the writer no longer holds the lease. */
export class LostLeaseError extends Error {
  readonly code = 'LOST_LEASE';
  constructor(message = 'this replica no longer holds the worker lease') {
    super(message);
    this.name = 'LostLeaseError';
  }
}

export interface LeaseStore {
  /** Takes or renews the lease; returns the fence while held, null when another replica holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<Fence | null>;
  release(name: string, fence: Fence): Promise<void>;
}

/**
 * Asked right before each cloud side effect (insert, start, stop, delete): a Firestore write can be
 * fenced, a Compute call cannot, so a replica that lost the lease must find out before it calls.
 */
export interface LeaseCheck {
  /** Whether the worker lease is still held with `fence` and has not expired. */
  holds(fence: Fence): Promise<boolean>;
}
