/** What the box use cases and controllers need from the box records (Firestore `boxes`). */
import type { AuditEntry } from '../../domain/audit.js';
import type { Box, BoxFailure } from '../../domain/box.js';
import type { NoticeDraft } from '../../domain/notice.js';
import type { Fence } from './lease.js';

export type { Box, BoxFailure };

/** Reads and writes inside one Firestore transaction: all reads happen before the first write. */
export interface BoxTx {
  getBox(id: string): Promise<Box | null>;
  /**
   * The revision of several boxes in one read (one round trip), by id; ids with no record are absent.
   * Only `rev` is read (a field mask): a pass that checks its boxes did not change underneath it need
   * not decode them again.
   */
  revisionsOf(ids: readonly string[]): Promise<Map<string, number>>;
  /** The live box with this name, if any. */
  liveBoxNamed(name: string): Promise<Box | null>;
  putBox(box: Box): void;
  /**
   * Writes only the fields `box` changed from `stored`, which must be the record as Firestore holds it
   * now (its `rev` read in this transaction): the same record as `putBox(box)` leaves, with a fraction
   * of the encoding and of the bytes when a pass changes a field or two of many boxes (the idle pass).
   */
  putBoxChanges(stored: Box, box: Box): void;
  /** Reserves a live box's name; released when the box is deleted or failed. */
  claimName(name: string, boxId: string): void;
  releaseName(name: string): void;
  /** Records notices in the same transaction; a box's notices go to its thread and its owner. */
  notify(box: Pick<Box, 'id' | 'owner' | 'channel'> | null, drafts: readonly NoticeDraft[]): void;
  /** Records who did it in the same transaction; an entry's key makes a second write of it a no-op. */
  audit(entry: AuditEntry): void;
}

export interface TransactOptions {
  requestKey?: string;
  fence?: Fence;
  /** Box ids (or `name:NAME`) this transaction works on: this process runs one at a time per key. */
  lockKeys?: readonly string[];
}

export interface BoxStore {
  /**
   * Runs `work` in one transaction. With a `requestKey`, the first run's result is stored under that
   * key and every later run with the same key returns it without running `work` again: that is how a
   * retried Slack request changes nothing twice. With a `fence`, the transaction fails with
   * LostLeaseError unless the lease is still held with that fence.
   */
  transact<T>(options: TransactOptions, work: (tx: BoxTx) => Promise<T>): Promise<T>;
  /**
   * The one-round-trip path for a new box: writes the box, its name claim and the request key in one
   * batch that fails unless the name and the key are both new. Returns false when either exists (or
   * the backend cannot promise that), and the caller takes the transactional path to find out which.
   */
  tryCreateBox<T>(box: Box, requestKey: string, result: T, audit?: AuditEntry): Promise<boolean>;
  getBox(id: string): Promise<Box | null>;
  liveBoxes(): Promise<Box[]>;
  liveBoxNamed(name: string): Promise<Box | null>;
  boxesOwnedBy(owner: string, options: { includeEnded: boolean; limit: number }): Promise<Box[]>;
  markCardShown(boxId: string, rev: number, card: { channel: string; ts: string }): Promise<void>;
  /** Remembers an orphan VM once; returns false when it was already reported. */
  rememberOrphan(instanceId: string, fence: Fence | undefined): Promise<boolean>;
}
