/** Where channels' team bindings are kept (store/team-store.ts): one document per channel, read on each request made there. */
import type { AuditEntry } from '../../domain/audit.js';
import type { Team } from '../../domain/team.js';

export interface TeamStore {
  /** The channel's binding; null: the channel is no team's. */
  get(channel: string): Promise<Team | null>;
  /**
   * Writes the binding (null: deletes it) and, in the same commit, its audit entry. A retried request
   * (its entry already written) changes nothing; false then.
   */
  put(channel: string, team: Team | null, audit: AuditEntry): Promise<boolean>;
  /** Every bound channel, for the spend by team. */
  all(): Promise<Team[]>;
}
