/** Where the team's policy is kept (store/policy-store.ts): one document every replica reads. */
import type { StoredPolicy, TeamPolicy } from '../../domain/policy.js';

export interface PolicyStore {
  /** The stored policy, checked, with `defaults` filling fields it lacks; null: never changed. */
  get(defaults: TeamPolicy): Promise<StoredPolicy | null>;
  put(policy: TeamPolicy, by: string): Promise<void>;
}
