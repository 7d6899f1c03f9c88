/**
 * The audit trail in Firestore (`audit`): entries are written by the box and job stores inside the
 * transactions that make the changes, and read here for `/gpu audit`. Each carries `expiresAt`, the
 * field the collection's TTL policy deletes by (README); reads filter on `at`, so an entry past its
 * time but not yet deleted is still shown only when asked for its days.
 */
import { createHash } from 'node:crypto';
import { WriteBatch, type Firestore, type Transaction } from '@google-cloud/firestore';
import { auditExpiry, DEFAULT_AUDIT_KEEP_DAYS, type AuditEntry } from '../domain/audit.js';
import type { AuditQuery, AuditReader } from '../app/ports.js';

export const AUDIT = 'audit';

/** The document of an entry: one per key, so writing it twice leaves one. */
export function auditDocId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** Writes an entry in a transaction or batch; the same key always lands on the same document. */
export function writeAudit(db: Firestore, t: Transaction | WriteBatch, entry: AuditEntry, keepDays: number = DEFAULT_AUDIT_KEEP_DAYS): void {
  const ref = db.collection(AUDIT).doc(auditDocId(entry.key));
  const doc = { ...entry, expiresAt: auditExpiry(entry.at, keepDays) };
  // Two overloaded `set`s: a union of them cannot be called as one.
  if (t instanceof WriteBatch) t.set(ref, doc);
  else t.set(ref, doc);
}

export class FirestoreAuditStore implements AuditReader {
  constructor(private readonly db: Firestore) {}

  async entries(query: AuditQuery): Promise<AuditEntry[]> {
    let q = this.db.collection(AUDIT).where('at', '>=', query.sinceMs);
    // One equality filter at most, beside the range on `at`: each has its index (firestore.indexes.json).
    if (query.targetName !== undefined) q = q.where('targetName', '==', query.targetName);
    else if (query.who !== undefined) q = q.where('who', '==', query.who);
    const snap = await q.orderBy('at', 'desc').limit(query.limit).get();
    return snap.docs.map((d) => {
      const { expiresAt: _expires, ...entry } = d.data() as AuditEntry & { expiresAt: unknown };
      return entry;
    });
  }
}
