/** `/gpu audit`: the audit trail for admins, newest first, over the days asked for. */
import type { AuditEntry } from '../domain/audit.js';
import type { AuditOf } from '../domain/gpu-command.js';
import type { Parsed, UserError } from '../domain/result.js';
import { duration } from '../domain/time.js';
import type { AuditReader, Clock, Policy } from './ports.js';

/** One answer's worth: an ephemeral message holds this many lines comfortably. */
export const AUDIT_PAGE = 40;

export interface AuditLogDeps {
  reader: AuditReader;
  policy: Policy;
  clock: Clock;
}

export class AuditLog {
  constructor(private readonly deps: AuditLogDeps) {}

  /** The entries, newest first; `more` when there were more than one page holds. */
  async list(asker: string, of: AuditOf, days: number): Promise<Parsed<{ entries: AuditEntry[]; more: boolean; sinceMs: number }>> {
    if (!this.deps.policy.isAdmin(asker)) return { ok: false, error: NOT_ADMIN };
    const sinceMs = this.deps.clock.now() - duration({ days }).asMilliseconds();
    const found = await this.deps.reader.entries({
      sinceMs,
      limit: AUDIT_PAGE + 1,
      ...(of.kind === 'name' ? { targetName: of.name } : of.kind === 'user' ? { who: of.userId } : {}),
    });
    return { ok: true, value: { entries: found.slice(0, AUDIT_PAGE), more: found.length > AUDIT_PAGE, sinceMs } };
  }
}

const NOT_ADMIN: UserError = { code: 'NOT_ADMIN', message: 'Only an admin can read the audit trail; ask one of the admins listed in `GPUBOT_ADMINS`.' };
