/** Reading the audit trail (`/gpu audit`); entries are written inside the box and job transactions. */
import type { AuditEntry } from '../../domain/audit.js';

export interface AuditQuery {
  sinceMs: number;
  /** One box's or job's entries, by name. */
  targetName?: string;
  /** One person's actions, by Slack user id. */
  who?: string;
  limit: number;
}

export interface AuditReader {
  /** The newest entries first. */
  entries(query: AuditQuery): Promise<AuditEntry[]>;
}
