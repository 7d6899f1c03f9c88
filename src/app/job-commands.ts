/**
 * What people ask of training jobs from Slack: each use case checks who is asking, records the intent
 * in one transaction keyed by the Slack request, and leaves every Google Cloud call to the job watcher.
 */
import { isJobOver, type Job } from '../domain/job.js';
import { planJob } from '../domain/job-plan.js';
import type { TrainRequest } from '../domain/train-command.js';
import type { Parsed, UserError } from '../domain/result.js';
import type { Asker } from './box-commands.js';
import type { Clock, Nudge, Policy } from './ports.js';
import type { JobStore } from './ports/jobs.js';
import type { PolicyGate } from './policy-gate.js';
import { requestedEntry } from '../domain/audit.js';
import { waitingApproval, type ApprovalCause } from '../domain/box-approval.js';
import { withdrawJob } from './job-approvals.js';
import { placeInTeam, teamTag, type Team } from '../domain/team.js';

export interface JobCommandsDeps {
  store: JobStore;
  policy: Policy;
  clock: Clock;
  nudge: Nudge;
  newId: () => string;
  /** The team's policy: the same GPU types, spend and approvals as boxes, plus replica and GPU limits per job. */
  gate?: Pick<PolicyGate, 'checkJob'>;
  project: string;
  defaultRegion: string;
  /** The channel's team (`/gpu team`): a job asked for there goes to the team's project and region. */
  teams?: { teamOf(channel: string): Promise<Team | null> };
  /** [Resubmit] of a job trained from a box (app/box-jobs.ts): its box packages the code again. */
  resubmitFromBox?: (asker: Asker, job: Job) => Promise<Parsed<{ job: Job }>>;
}

export type JobTarget = { id: string } | { reference: string };

export class JobCommands {
  constructor(private readonly deps: JobCommandsDeps) {}

  /** `/train submit`: records the job; the watcher creates it in Vertex AI. A retry returns the first answer. */
  async submit(asker: Asker, request: TrainRequest): Promise<Parsed<{ job: Job }>> {
    let cause: ApprovalCause | undefined;
    // In a team's channel the job goes to the team's project, and to its region unless one of it is named.
    const team = this.deps.teams === undefined ? null : await this.deps.teams.teamOf(asker.channelId);
    const place = placeInTeam(team, { region: request.region, zone: null });
    if (!place.ok) return place;
    const defaultRegion = team?.region ?? this.deps.defaultRegion;
    const tag = teamTag(team, this.deps.project);
    if (this.deps.gate !== undefined) {
      const planned = planJob(request, { owner: asker.userId, jobId: 'policy-check', defaultRegion });
      const verdict = await this.deps.gate.checkJob(asker.userId, asker.channelId, planned.region, planned.plan);
      if (verdict.kind === 'refuse') return { ok: false, error: verdict.error };
      // A job a rule sends to an admin is recorded to wait: nothing reaches Vertex AI until one approves.
      if (verdict.kind === 'approve') cause = verdict.cause;
    }
    const now = this.deps.clock.now();
    const result = await this.deps.store.transact({ requestKey: asker.requestKey }, async (tx): Promise<Parsed<{ job: Job }>> => {
      const id = this.deps.newId();
      const planned = planJob(request, { owner: asker.userId, jobId: id, defaultRegion });
      const job: Job = {
        id,
        name: request.name,
        owner: asker.userId,
        channel: asker.channelId,
        region: planned.region,
        request,
        plan: planned.plan,
        desired: 'running',
        status: cause === undefined ? 'requested' : 'awaiting-approval',
        vertexJobId: null,
        failure: null,
        ...(cause !== undefined ? { approval: waitingApproval(cause, now) } : {}),
        ...tag,
        createdAt: now,
        startedAt: null,
        endedAt: null,
        updatedAt: now,
        rev: 1,
      };
      tx.putJob(job);
      tx.audit(requestedEntry(asker, 'job-submit', { kind: 'job', id: job.id, name: job.name }, now));
      if (cause !== undefined) tx.notify(job, [{ to: 'admins', event: { type: 'job-approval-requested', jobId: job.id } }]);
      return { ok: true, value: { job } };
    });
    if (result.ok) this.deps.nudge.nudge();
    return result;
  }

  /** [Resubmit]: the same request again, as a new job. */
  async resubmit(asker: Asker, jobId: string): Promise<Parsed<{ job: Job }>> {
    const old = await this.deps.store.getJob(jobId);
    const refusal = this.refuse(old, asker.userId, { id: jobId });
    if (refusal !== null || old === null) return { ok: false, error: refusal ?? notFound({ id: jobId }) };
    // Its request names the first job's packaged code, which is not there to run again.
    if (old.fromBox != null) return this.deps.resubmitFromBox?.(asker, old) ?? { ok: false, error: { code: 'NOT_SET_UP', message: 'Training from a box is not set up here.' } };
    return this.submit(asker, old.request);
  }

  /** A job the asker may look at: anyone's (jobs are the team's), by name or Vertex AI id. */
  async find(target: JobTarget): Promise<Parsed<Job>> {
    const job = 'id' in target ? await this.deps.store.getJob(target.id) : await this.deps.store.jobNamed(target.reference);
    return job === null ? { ok: false, error: notFound(target) } : { ok: true, value: job };
  }

  /** The asker's own jobs, or everyone's recent ones with `all`. */
  async list(asker: Pick<Asker, 'userId'>, all: boolean): Promise<Job[]> {
    return all ? this.deps.store.recentJobs(50) : this.deps.store.jobsOwnedBy(asker.userId, 50);
  }

  /** Asks for the job to be cancelled (owner or admin); the watcher tells Vertex AI. */
  async cancel(asker: Asker, target: JobTarget): Promise<Parsed<{ job: Job; changed: boolean }>> {
    const seen = 'id' in target ? await this.deps.store.getJob(target.id) : await this.deps.store.jobNamed(target.reference);
    const early = this.refuse(seen, asker.userId, target);
    if (early !== null || seen === null) return { ok: false, error: early ?? notFound(target) };
    if (isJobOver(seen)) return { ok: false, error: { code: 'JOB_OVER', message: `\`${seen.name}\` already ${seen.status}; there is nothing to cancel.` } };
    if (seen.desired === 'cancelled') return { ok: true, value: { job: seen, changed: false } };
    const result = await this.deps.store.transact({ requestKey: asker.requestKey, lockKeys: [seen.id] }, async (tx): Promise<Parsed<{ job: Job; changed: boolean }>> => {
      const job = await tx.getJob(seen.id);
      const refusal = this.refuse(job, asker.userId, target);
      if (refusal !== null || job === null) return { ok: false, error: refusal ?? notFound(target) };
      if (isJobOver(job)) return { ok: false, error: { code: 'JOB_OVER', message: `\`${job.name}\` already ${job.status}; there is nothing to cancel.` } };
      // Level-triggered: asking again for what is already asked (a double click) changes nothing.
      if (job.desired === 'cancelled') return { ok: true, value: { job, changed: false } };
      // A job still waiting for an admin is withdrawn: it ends here, with nothing in Vertex AI to cancel.
      const withdrawn = withdrawJob(tx, asker, job, this.deps.clock.now());
      if (withdrawn !== null) return { ok: true, value: { job: withdrawn, changed: true } };
      const updated: Job = { ...job, desired: 'cancelled', updatedAt: this.deps.clock.now(), rev: job.rev + 1 };
      tx.putJob(updated);
      tx.audit(requestedEntry(asker, 'job-cancel', { kind: 'job', id: job.id, name: job.name }, updated.updatedAt));
      return { ok: true, value: { job: updated, changed: true } };
    });
    if (result.ok && result.value.changed) this.deps.nudge.nudge();
    return result;
  }

  /** Only the owner or an admin may change a job; anyone may look. */
  checkOwner(job: Job, userId: string): UserError | null {
    return this.refuse(job, userId, { id: job.id });
  }

  private refuse(job: Job | null, userId: string, target: JobTarget): UserError | null {
    if (job === null) return notFound(target);
    if (job.owner !== userId && !this.deps.policy.isAdmin(userId)) {
      return { code: 'NOT_YOURS', message: `\`${job.name}\` belongs to <@${job.owner}>; only its owner or an admin can do that.` };
    }
    return null;
  }
}

function notFound(target: JobTarget): UserError {
  return 'reference' in target
    ? { code: 'NO_SUCH_JOB', message: `I have no job named \`${target.reference}\`. \`/train list --all\` shows every job.` }
    : { code: 'NO_SUCH_JOB', message: 'That job no longer exists.' };
}
