/**
 * Channels' team bindings in Firestore (`teams/{channel id}`): what `/gpu team set` writes and every
 * request made in the channel reads, so a binding holds at once on every replica, without a redeploy.
 */
import type { Firestore } from '@google-cloud/firestore';
import type { AuditEntry } from '../domain/audit.js';
import { isProjectId, type Team } from '../domain/team.js';
import type { TeamStore } from '../app/ports/teams.js';
import { AUDIT, auditDocId, writeAudit } from './audit-store.js';

export const TEAMS = 'teams';

/** A stored document as a binding; a document that no longer reads as one (edited by hand) binds nothing. */
function toTeam(channel: string, data: Record<string, unknown> | undefined): Team | null {
  if (data === undefined) return null;
  const project = data.project;
  const region = data.region;
  const budget = data.budgetUsd;
  if (project !== null && !(typeof project === 'string' && isProjectId(project))) return null;
  if (region !== null && typeof region !== 'string') return null;
  if (budget !== null && !(typeof budget === 'number' && Number.isFinite(budget) && budget > 0)) return null;
  return {
    channel,
    project,
    region,
    budgetUsd: budget,
    updatedBy: typeof data.updatedBy === 'string' ? data.updatedBy : '',
    updatedAt: typeof data.updatedAt === 'number' ? data.updatedAt : 0,
  };
}

export class FirestoreTeamStore implements TeamStore {
  constructor(
    private readonly db: Firestore,
    private readonly auditKeepDays?: number,
  ) {}

  async get(channel: string): Promise<Team | null> {
    if (channel === '') return null;
    const snap = await this.db.collection(TEAMS).doc(channel).get();
    return snap.exists ? toTeam(channel, snap.data()) : null;
  }

  async put(channel: string, team: Team | null, audit: AuditEntry): Promise<boolean> {
    const ref = this.db.collection(TEAMS).doc(channel);
    // One transaction: the trail never shows a binding that was not saved, nor misses one that was; a
    // retried request (its entry already there) saves nothing again.
    return this.db.runTransaction(async (t) => {
      const seen = await t.get(this.db.collection(AUDIT).doc(auditDocId(audit.key)));
      if (seen.exists) return false;
      if (team === null) t.delete(ref);
      else t.set(ref, { project: team.project, region: team.region, budgetUsd: team.budgetUsd, updatedBy: team.updatedBy, updatedAt: team.updatedAt });
      writeAudit(this.db, t, audit, this.auditKeepDays);
      return true;
    });
  }

  async all(): Promise<Team[]> {
    const snap = await this.db.collection(TEAMS).get();
    return snap.docs.map((d) => toTeam(d.id, d.data())).filter((t): t is Team => t !== null);
  }
}
