/**
 * The team's policy in Firestore: one document (`settings/policy`) that admins edit with `/gpu policy`
 * and every replica reads on each request, so a change holds at once, without a redeploy.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { Clock } from '../app/ports.js';
import type { PolicyStore } from '../app/ports/policy.js';
import { checkPolicy, type StoredPolicy, type TeamPolicy } from '../domain/policy.js';
import type { AuditEntry } from '../domain/audit.js';
import { AUDIT, auditDocId, writeAudit } from './audit-store.js';

export const SETTINGS = 'settings';
const POLICY_DOC = 'policy';

interface PolicyDoc {
  policy: TeamPolicy;
  updatedBy: string;
  updatedAt: number;
}

export class FirestorePolicyStore implements PolicyStore {
  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    private readonly auditKeepDays?: number,
  ) {}

  /**
   * The stored policy checked against `defaults` (fields a newer version added come from there); null
   * when nobody has changed it yet, or when the document no longer passes the checks (it is then
   * ignored, and the defaults hold, rather than a broken rule).
   */
  async get(defaults: TeamPolicy): Promise<StoredPolicy | null> {
    const snap = await this.db.collection(SETTINGS).doc(POLICY_DOC).get();
    if (!snap.exists) return null;
    const doc = snap.data() as Partial<PolicyDoc>;
    const checked = checkPolicy(doc.policy, defaults);
    if (!checked.ok) return null;
    return { policy: checked.value, updatedBy: typeof doc.updatedBy === 'string' ? doc.updatedBy : null, updatedAt: typeof doc.updatedAt === 'number' ? doc.updatedAt : null };
  }

  /** Writes the whole policy (and its audit entry, when given: once per Slack request). */
  async put(policy: TeamPolicy, by: string, audit?: AuditEntry): Promise<void> {
    const policyRef = this.db.collection(SETTINGS).doc(POLICY_DOC);
    const doc = { policy, updatedBy: by, updatedAt: this.clock.now() } satisfies PolicyDoc;
    if (audit === undefined) {
      await policyRef.set(doc);
      return;
    }
    // One transaction: the trail never shows a change that was not saved, nor misses one that was; a
    // retried submission (its entry already there) saves nothing again, so the entry keeps saying what
    // the first one changed rather than "saved unchanged".
    await this.db.runTransaction(async (t) => {
      const seen = await t.get(this.db.collection(AUDIT).doc(auditDocId(audit.key)));
      if (seen.exists) return;
      t.set(policyRef, doc);
      writeAudit(this.db, t, audit, this.auditKeepDays);
    });
  }
}
