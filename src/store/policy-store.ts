/**
 * The team's policy in Firestore: one document (`settings/policy`) that admins edit with `/gpu policy`
 * and every replica reads, so a change holds without a redeploy: at once on the replica that saved it,
 * within POLICY_CACHE_MS on the others (each keeps its last read that long, short-cache.ts).
 */
import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import type { Clock } from '../app/ports.js';
import type { PolicyStore } from '../app/ports/policy.js';
import { checkPolicy, type StoredPolicy, type TeamPolicy } from '../domain/policy.js';
import type { AuditEntry } from '../domain/audit.js';
import { AUDIT, auditDocId, writeAudit } from './audit-store.js';
import { ShortCache } from '../app/short-cache.js';

export const SETTINGS = 'settings';
const POLICY_DOC = 'policy';

interface PolicyDoc {
  policy: TeamPolicy;
  updatedBy: string;
  updatedAt: number;
}

/**
 * How long a replica answers from its last read of the policy: every `/gpu up` and `/train` read it in
 * the ack, one round trip of the four that made `/gpu up` 3.6x its floor (npm run bench); a change an
 * admin saves on another replica holds here within these seconds.
 */
export const POLICY_CACHE_MS = 5_000;

export class FirestorePolicyStore implements PolicyStore {
  private readonly cache: ShortCache<PolicyDoc | null>;

  constructor(
    private readonly db: Firestore,
    private readonly clock: Clock,
    private readonly auditKeepDays?: number,
    cacheMs = POLICY_CACHE_MS,
  ) {
    this.cache = new ShortCache(cacheMs);
  }

  /**
   * The stored policy checked against `defaults` (fields a newer version added come from there); null
   * when nobody has changed it yet, or when the document no longer passes the checks (it is then
   * ignored, and the defaults hold, rather than a broken rule).
   */
  async get(defaults: TeamPolicy): Promise<StoredPolicy | null> {
    const doc: Partial<PolicyDoc> | null = await this.cache.get(POLICY_DOC, async () => {
      const snap = await this.db.collection(SETTINGS).doc(POLICY_DOC).get();
      return snap.exists ? (snap.data() as PolicyDoc) : null;
    });
    if (doc === null) return null;
    const checked = checkPolicy(doc.policy, defaults);
    if (!checked.ok) return null;
    return { policy: checked.value, updatedBy: typeof doc.updatedBy === 'string' ? doc.updatedBy : null, updatedAt: typeof doc.updatedAt === 'number' ? doc.updatedAt : null };
  }

  /** Writes the whole policy (and its audit entry, when given: once per Slack request). */
  async put(policy: TeamPolicy, by: string, audit?: AuditEntry): Promise<void> {
    const policyRef = this.db.collection(SETTINGS).doc(POLICY_DOC);
    const doc = { policy, updatedBy: by, updatedAt: this.clock.now() } satisfies PolicyDoc;
    try {
      await this.write(policyRef, doc, audit);
    } finally {
      // Even a write that failed may have landed: the next read goes to Firestore.
      this.cache.drop();
    }
  }

  private async write(policyRef: DocumentReference, doc: PolicyDoc, audit: AuditEntry | undefined): Promise<void> {
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
