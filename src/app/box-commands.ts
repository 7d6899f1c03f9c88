/**
 * What people ask of boxes from Slack: each use case checks who is asking, records the intent in one
 * transaction keyed by the Slack request, and leaves the cloud work to the box controller.
 */
import type { Box, BoxDesire, BudgetOverrun } from '../domain/box.js';
import { isLive } from '../domain/box.js';
import { endWait, isWaiting, mayDecide, waitingApproval, type ApprovalCause } from '../domain/box-approval.js';
import { budgetHit } from '../domain/policy.js';
import type { NoticeDraft } from '../domain/notice.js';
import { moveTo } from '../domain/box-transitions.js';
import type { BoxRequest } from '../domain/box-request.js';
import type { Parsed, UserError } from '../domain/result.js';
import { resolveBoxSpec } from '../domain/box-request.js';
import { formatDuration } from '../domain/duration.js';
import { applyKeep, NOT_WARNED } from '../domain/idle.js';
import { requestedEntry, type AuditAction } from '../domain/audit.js';
import type { BoxStore, Clock, Nudge, Policy } from './ports.js';
import type { PolicyGate } from './policy-gate.js';
import { placeInTeam, teamTag, type Team, type TeamTag } from '../domain/team.js';

export interface BoxCommandsDeps {
  store: BoxStore;
  policy: Policy;
  clock: Clock;
  nudge: Nudge;
  newId: () => string;
  defaultRegion: string;
  minDiskGb: number;
  maxDiskGb: number;
  idle: IdleRules;
  /** The team's policy: without it only the configured idle rules apply (tests of other things). */
  gate?: Pick<PolicyGate, 'checkBox'>;
  /** Who can decide on approvals: no one approves their own request unless they are the only one. */
  admins?: ReadonlySet<string>;
  /**
   * The channel's team (`/gpu team`): a box asked for there is created in the team's project and region
   * and counts in its spend. Absent (or with no `project`): every box goes to the configured project.
   */
  teams?: { teamOf(channel: string): Promise<Team | null> };
  /** The configured project (GOOGLE_CLOUD_PROJECT), which a team bound without a project of its own uses. */
  project?: string;
}

/** What the configuration allows for idle stops (see config.ts). */
export interface IdleRules {
  defaultWindowMs: number;
  maxWindowMs: number;
  offAllowed: boolean;
  maxKeepMs: number;
  maxRunningMs: number;
}

/** Who asked, and the key that makes a retried Slack request a no-op. */
export interface Asker {
  userId: string;
  channelId: string;
  requestKey: string;
}

export class BoxCommands {
  constructor(private readonly deps: BoxCommandsDeps) {}

  /**
   * `/gpu up`: records the box; the controller creates the VM. A retry returns the first answer. With
   * `pastBudget` the box waits for an admin's approval instead, and the admins are asked in the same
   * transaction.
   */
  async requestBox(asker: Asker, request: BoxRequest, options: { pastBudget?: BudgetOverrun } = {}): Promise<Parsed<{ box: Box }>> {
    // In a team's channel the box goes to the team's project, and to its region unless one of it is named.
    const team = this.deps.teams === undefined || this.deps.project === undefined ? null : await this.deps.teams.teamOf(asker.channelId);
    const place = placeInTeam(team, { region: request.region, zone: request.zone });
    if (!place.ok) return place;
    const tag: TeamTag = this.deps.project === undefined ? {} : teamTag(team, this.deps.project);
    const spec = resolveBoxSpec(request, {
      defaultRegion: team?.region ?? this.deps.defaultRegion,
      minDiskGb: this.deps.minDiskGb,
      maxDiskGb: this.deps.maxDiskGb,
    });
    if (!spec.ok) return spec;
    // With a policy, its rules on idle-off and running time replace the configured ones.
    const idle = this.idleSettings(request, this.deps.gate !== undefined);
    if (!idle.ok) return idle;
    let settings = idle.value;
    let cause: ApprovalCause | undefined =
      options.pastBudget !== undefined ? { hits: [budgetHit('the GPU budget is used up.')], budget: options.pastBudget } : undefined;
    if (this.deps.gate !== undefined) {
      const verdict = await this.deps.gate.checkBox(asker.userId, asker.channelId, spec.value, idle.value);
      if (verdict.kind === 'refuse') return { ok: false, error: verdict.error };
      settings = { ...settings, maxRunningMs: verdict.value.maxRunningMs };
      if (verdict.kind === 'approve') cause = verdict.cause;
    }
    const now = this.deps.clock.now();
    const fresh: Box = { ...this.newBox(asker, request.name, { ...spec.value, ...settings }, now, cause), ...tag };
    const waits = fresh.status === 'awaiting-approval';
    // Most requests are new and their name free: one batched write says so, and answers the ack fast.
    // A waiting box also needs its notice to the admins written with it, which only a transaction does.
    const created: Parsed<{ box: Box }> = { ok: true, value: { box: fresh } };
    const audit = requestedEntry(asker, 'create', boxTarget(fresh), now, `${fresh.spec.gpuCount}x ${fresh.spec.gpu}`);
    if (!waits && (await this.deps.store.tryCreateBox(fresh, asker.requestKey, created, audit))) {
      this.deps.nudge.nudge();
      return created;
    }
    const lock = { requestKey: asker.requestKey, lockKeys: [`name:${request.name}`] };
    const result = await this.deps.store.transact(lock, async (tx): Promise<Parsed<{ box: Box }>> => {
      const existing = await tx.liveBoxNamed(request.name);
      if (existing !== null) return { ok: false, error: nameTaken(existing, asker.userId, request.name) };
      const box = fresh;
      tx.putBox(box);
      tx.claimName(box.name, box.id);
      tx.audit(audit);
      if (waits) tx.notify(box, [{ to: 'admins', event: { type: 'box-approval-requested' } }]);
      return { ok: true, value: { box } };
    });
    if (result.ok) this.deps.nudge.nudge();
    return result;
  }

  /**
   * [Approve] / [Deny] on a box waiting past a budget: admins only. The first decision wins; any
   * later click (a double click, a second admin) changes nothing and is told what was decided.
   */
  async decide(asker: Asker, boxId: string, decision: 'approve' | 'deny', reason?: string): Promise<Parsed<{ box: Box; changed: boolean }>> {
    if (!this.deps.policy.isAdmin(asker.userId)) {
      return { ok: false, error: { code: 'NOT_ADMIN', message: `Only an admin can ${decision} a box request; ask one of the admins listed in \`GPUBOT_ADMINS\`.` } };
    }
    // A click without a box id (a message edited by hand, say) names no document to read.
    const seen = boxId === '' ? null : await this.deps.store.getBox(boxId);
    if (seen === null) return { ok: false, error: notFound({ id: boxId }) };
    if (seen.approval === undefined && seen.status !== 'awaiting-approval') return { ok: false, error: { code: 'NO_APPROVAL', message: `\`${seen.name}\` never needed an approval.` } };
    if (!isWaiting(seen)) return { ok: true, value: { box: seen, changed: false } };
    // Nobody approves their own request, unless nobody else could (the record then says so).
    const may = mayDecide(seen.owner, asker.userId, this.deps.admins ?? new Set([asker.userId]));
    if (may === null && decision === 'approve') {
      return { ok: false, error: { code: 'OWN_REQUEST', message: `\`${seen.name}\` is your own request; another admin has to approve it.` } };
    }
    const lock = { requestKey: asker.requestKey, lockKeys: [seen.id] };
    const result = await this.deps.store.transact(lock, async (tx): Promise<Parsed<{ box: Box; changed: boolean }>> => {
      const box = await tx.getBox(seen.id);
      if (box === null) return { ok: false, error: notFound({ id: boxId }) };
      const outcome = decision === 'approve' ? 'approved' : 'denied';
      const self = may?.self === true;
      const updated = endWait(box, outcome, asker.userId, this.deps.clock.now(), { selfDecided: self, ...(reason !== undefined ? { reason } : {}) });
      if (updated === null) return { ok: true, value: { box, changed: false } };
      tx.putBox(updated);
      tx.audit(requestedEntry(asker, decision, boxTarget(updated), this.deps.clock.now()));
      if (outcome === 'denied') tx.releaseName(updated.name);
      const event: NoticeDraft['event'] = { type: 'box-approval-decided', outcome, by: asker.userId };
      tx.notify(updated, [
        { to: 'thread', event },
        { to: 'dm', event },
        { to: 'admins', event: { type: 'box-approval-copies' } },
      ]);
      return { ok: true, value: { box: updated, changed: true } };
    });
    if (result.ok && result.value.changed) this.deps.nudge.nudge();
    return result;
  }

  /** A request an admin is about to decide on in the decision form: admins only, and only while it waits. */
  async findForDecision(userId: string, boxId: string): Promise<Parsed<Box>> {
    if (!this.deps.policy.isAdmin(userId)) {
      return { ok: false, error: { code: 'NOT_ADMIN', message: 'Only an admin can decide on a box request; ask one of the admins listed in `GPUBOT_ADMINS`.' } };
    }
    const box = await this.deps.store.getBox(boxId);
    if (box === null) return { ok: false, error: notFound({ id: boxId }) };
    if (!isWaiting(box)) return { ok: false, error: { code: 'DECIDED', message: alreadyDecided(box) } };
    return { ok: true, value: box };
  }

  /** [Keep 1h] / [Keep 4h] / `/gpu keep NAME 2h`: postpones idle stops, within the configured cap. */
  async keep(asker: Asker, target: BoxTarget, forMs: number): Promise<Parsed<{ box: Box; keepUntil: number; capped: boolean }>> {
    const seen = 'id' in target ? await this.deps.store.getBox(target.id) : await this.deps.store.liveBoxNamed(target.name);
    const early = this.refuse(seen, asker.userId, target);
    if (early !== null || seen === null) return { ok: false, error: early ?? notFound(target) };
    const lock = { requestKey: asker.requestKey, lockKeys: [seen.id] };
    return this.deps.store.transact(lock, async (tx): Promise<Parsed<{ box: Box; keepUntil: number; capped: boolean }>> => {
      const box = await tx.getBox(seen.id);
      if (box === null || !isLive(box)) return { ok: false, error: notFound(target) };
      if (box.status !== 'ready' && box.status !== 'booting') {
        return { ok: false, error: { code: 'NOT_RUNNING', message: `\`${box.name}\` is ${box.status}; Keep is for a running box.` } };
      }
      const now = this.deps.clock.now();
      const kept = applyKeep(box.idle ?? NOT_WARNED, forMs, now, { maxKeepMs: this.deps.idle.maxKeepMs });
      if (!kept.ok) return { ok: false, error: { code: kept.code, message: kept.message } };
      const updated: Box = { ...box, idle: kept.idle, updatedAt: now, rev: box.rev + 1 };
      tx.putBox(updated);
      tx.audit(requestedEntry(asker, 'keep', boxTarget(updated), now, `for ${formatDuration(forMs)}`));
      return { ok: true, value: { box: updated, keepUntil: kept.keepUntil, capped: kept.capped } };
    });
  }

  private newBox(asker: Asker, name: string, spec: Box['spec'], now: number, cause: ApprovalCause | undefined): Box {
    const status = cause === undefined ? 'requested' : 'awaiting-approval';
    return {
      id: this.deps.newId(),
      name,
      owner: asker.userId,
      channel: asker.channelId,
      spec,
      desired: 'running',
      status,
      zone: spec.zone,
      zonesTried: [],
      operation: null,
      jupyterUrl: null,
      failure: null,
      history: [{ status, at: now }],
      createdAt: now,
      updatedAt: now,
      rev: 1,
      ...(cause !== undefined ? { approval: waitingApproval(cause, now) } : {}),
    };
  }

  stop(asker: Asker, target: BoxTarget): Promise<Parsed<{ box: Box; changed: boolean }>> {
    return this.setDesired(asker, target, 'stopped');
  }

  start(asker: Asker, target: BoxTarget): Promise<Parsed<{ box: Box; changed: boolean }>> {
    return this.setDesired(asker, target, 'running');
  }

  delete(asker: Asker, target: BoxTarget): Promise<Parsed<{ box: Box; changed: boolean }>> {
    return this.setDesired(asker, target, 'deleted');
  }

  /** A box the asker may look at closely (its Jupyter link): the owner's or, for admins, anyone's. */
  async connect(asker: Pick<Asker, 'userId'>, target: BoxTarget): Promise<Parsed<Box>> {
    const box = 'id' in target ? await this.deps.store.getBox(target.id) : await this.deps.store.liveBoxNamed(target.name);
    const refusal = this.refuse(box, asker.userId, target);
    if (refusal !== null) return { ok: false, error: refusal };
    return { ok: true, value: box as Box };
  }

  async list(asker: Pick<Asker, 'userId'>, all: boolean): Promise<Box[]> {
    const boxes = all ? await this.deps.store.liveBoxes() : await this.deps.store.boxesOwnedBy(asker.userId, { includeEnded: false, limit: 100 });
    return boxes.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async setDesired(asker: Asker, target: BoxTarget, desired: BoxDesire): Promise<Parsed<{ box: Box; changed: boolean }>> {
    // Read first, outside the transaction: refusals and repeats (a double click) need no lock at all.
    const seen = 'id' in target ? await this.deps.store.getBox(target.id) : await this.deps.store.liveBoxNamed(target.name);
    const early = this.refuse(seen, asker.userId, target);
    if (early !== null || seen === null) return { ok: false, error: early ?? notFound(target) };
    if (desired !== 'deleted' && isWaiting(seen)) return { ok: false, error: waitingError(seen) };
    if (seen.desired === desired && isLive(seen)) return { ok: true, value: { box: seen, changed: false } };
    const lock = { requestKey: asker.requestKey, lockKeys: [seen.id] };
    const result = await this.deps.store.transact(lock, async (tx): Promise<Parsed<{ box: Box; changed: boolean }>> => {
      const box = await tx.getBox(seen.id);
      const refusal = this.refuse(box, asker.userId, target);
      if (refusal !== null || box === null) return { ok: false, error: refusal ?? notFound(target) };
      if (!isLive(box)) return { ok: false, error: { code: 'BOX_ENDED', message: `\`${box.name}\` is already ${box.status}.` } };
      // Level-triggered: asking again for what is already asked (a double click) changes nothing.
      if (box.desired === desired) return { ok: true, value: { box, changed: false } };
      if (box.desired === 'deleted') return { ok: false, error: { code: 'BOX_DELETING', message: `\`${box.name}\` is being deleted.` } };
      if (isWaiting(box)) {
        if (desired !== 'deleted') return { ok: false, error: waitingError(box) };
        // No VM was ever made for a box still waiting: withdrawing it ends it here, no cloud step needed.
        const withdrawn = endWait(box, 'withdrawn', asker.userId, this.deps.clock.now());
        if (withdrawn === null) return { ok: true, value: { box, changed: false } };
        tx.putBox(withdrawn);
        tx.audit(requestedEntry(asker, 'withdraw', boxTarget(withdrawn), this.deps.clock.now()));
        tx.releaseName(withdrawn.name);
        tx.notify(withdrawn, [
          { to: 'thread', event: { type: 'box-approval-decided', outcome: 'withdrawn', by: asker.userId } },
          { to: 'admins', event: { type: 'box-approval-copies' } },
        ]);
        return { ok: true, value: { box: withdrawn, changed: true } };
      }
      if (desired === 'stopped' && (box.status === 'requested' || box.status === 'creating')) {
        return {
          ok: false,
          error: { code: 'NOT_YET', message: `\`${box.name}\` is still being created, so there is nothing to stop yet. Delete it instead, or stop it once it is ready.` },
        };
      }
      const now = this.deps.clock.now();
      const updated: Box = { ...moveTo(box, box.status, now), desired };
      tx.putBox(updated);
      tx.audit(requestedEntry(asker, DESIRE_ACTIONS[desired], boxTarget(updated), now));
      return { ok: true, value: { box: updated, changed: true } };
    });
    if (result.ok && result.value.changed) this.deps.nudge.nudge();
    return result;
  }

  private idleSettings(request: BoxRequest, byPolicy: boolean): Parsed<{ idleWindowMs: number | null; maxRunningMs: number | null }> {
    const rules = this.deps.idle;
    const window = request.idleWindowMs === undefined ? rules.defaultWindowMs : request.idleWindowMs;
    if (byPolicy) {
      if (window !== null && window > rules.maxWindowMs) {
        return { ok: false, error: { code: 'IDLE_TOO_LONG', message: `\`--idle ${formatDuration(window)}\` is longer than allowed; the longest is \`--idle ${formatDuration(rules.maxWindowMs)}\`.` } };
      }
      return { ok: true, value: { idleWindowMs: window, maxRunningMs: request.maxRunningMs ?? null } };
    }
    if (window === null && !rules.offAllowed) {
      return { ok: false, error: { code: 'IDLE_OFF_NOT_ALLOWED', message: `Idle stop cannot be turned off here; ask for a longer window instead, up to \`--idle ${formatDuration(rules.maxWindowMs)}\`.` } };
    }
    if (window !== null && window > rules.maxWindowMs) {
      return { ok: false, error: { code: 'IDLE_TOO_LONG', message: `\`--idle ${formatDuration(window)}\` is longer than allowed; the longest is \`--idle ${formatDuration(rules.maxWindowMs)}\`.` } };
    }
    const hours = request.maxRunningMs ?? null;
    if (hours !== null && hours > rules.maxRunningMs) {
      return { ok: false, error: { code: 'HOURS_TOO_LONG', message: `\`--hours\` can be at most ${formatDuration(rules.maxRunningMs)} here.` } };
    }
    return { ok: true, value: { idleWindowMs: window, maxRunningMs: hours } };
  }

  private refuse(box: Box | null, userId: string, target: BoxTarget): UserError | null {
    if (box === null) return notFound(target);
    if (box.owner !== userId && !this.deps.policy.isAdmin(userId)) {
      return { code: 'NOT_YOURS', message: `\`${box.name}\` belongs to <@${box.owner}>; only its owner or an admin can do that.` };
    }
    return null;
  }
}

function alreadyDecided(box: Box): string {
  const a = box.approval;
  return a === undefined || a.state === 'waiting' ? `\`${box.name}\` is not waiting for a decision.` : `\`${box.name}\` was already ${a.state}${a.decidedBy !== null ? ` by <@${a.decidedBy}>` : ''}.`;
}

function waitingError(box: Box): UserError {
  return {
    code: 'AWAITING_APPROVAL',
    message: `\`${box.name}\` is waiting for an admin's approval; it is created once approved. Delete it to withdraw the request.`,
  };
}

function nameTaken(existing: Box, userId: string, name: string): UserError {
  const whose = existing.owner === userId ? 'You already have' : `<@${existing.owner}> already has`;
  return { code: 'NAME_TAKEN', message: `${whose} a box named \`${name}\` (${existing.status}). Pick another name, such as \`${name}-2\`.` };
}

export type BoxTarget = { id: string } | { name: string };

/** What asking for each desired state is called in the audit trail. */
const DESIRE_ACTIONS: Readonly<Record<BoxDesire, AuditAction>> = { stopped: 'stop', running: 'start', deleted: 'delete' };

function boxTarget(box: Box): { kind: 'box'; id: string; name: string } {
  return { kind: 'box', id: box.id, name: box.name };
}

function notFound(target: BoxTarget): UserError {
  return 'name' in target
    ? { code: 'NO_SUCH_BOX', message: `There is no live box named \`${target.name}\`. \`/gpu list --all\` shows every box.` }
    : { code: 'NO_SUCH_BOX', message: 'That box no longer exists.' };
}
