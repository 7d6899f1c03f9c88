/** Where the team's policy is kept (store/policy-store.ts): one document every replica reads. */
import type { AuditEntry } from '../../domain/audit.js';
import type { StoredPolicy, TeamPolicy } from '../../domain/policy.js';

export interface PolicyStore {
  /** The stored policy, checked, with `defaults` filling fields it lacks; null: never changed. */
  get(defaults: TeamPolicy): Promise<StoredPolicy | null>;
  /** Writes the policy and, in the same commit, its audit entry (a retried save writes the same entry again). */
  put(policy: TeamPolicy, by: string, audit?: AuditEntry): Promise<void>;
}
