/**
 * `/train submit NAME --from-box BOX ...` and [Copy to BOX]: what people ask of jobs trained from a box's
 * code. Like every use case, these check who asks and record the intent in one transaction; the box's
 * agent is asked by the worker (BoxJobController), never on the ack path.
 */
import type { Box } from '../domain/box.js';
import { boxTrainPlan, type BoxTrainRequest } from '../domain/box-train.js';
import { copyDestination, type BoxJobSource } from '../domain/box-job.js';
import { isJobOver, type Job } from '../domain/job.js';
import { planJob } from '../domain/job-plan.js';
import { requestedEntry } from '../domain/audit.js';
import { waitingApproval, type ApprovalCause } from '../domain/box-approval.js';
import type { UserError } from '../domain/result.js';
import type { Asker } from './box-commands.js';
import type { Parsed } from '../domain/result.js';
import type { Clock, Nudge, Policy } from './ports.js';
import type { BoxStore } from './ports/boxes.js';
import type { JobStore } from './ports/jobs.js';
import type { PolicyGate } from './policy-gate.js';
import { teamTag, type Team } from '../domain/team.js';
import { placeFromBox } from '../domain/team-from-box.js';

export interface BoxJobsDeps {
  jobs: JobStore;
  boxes: Pick<BoxStore, 'liveBoxNamed' | 'getBox'>;
  policy: Policy;
  gate?: Pick<PolicyGate, 'checkJob'>;
  clock: Clock;
  nudge: Nudge;
  newId: () => string;
  /** GPUBOT_STAGING_BUCKET, a bare bucket name; null: training from a box is not set up. */
  bucket: string | null;
  /** The channel's team and the configured project: a job asked for in a team's channel goes to its project (domain/team.ts). */
  teams?: { teamOf(channel: string): Promise<Team | null> };
  project?: string;
}

export class BoxJobs {
  constructor(private readonly deps: BoxJobsDeps) {}

  /**
   * Records a job from a box's code; the worker asks the box to package it, then creates the job. A job
   * a policy rule sends to an admin waits first (app/job-approvals.ts decides it, like any job's).
   */
  async submit(asker: Asker, req: BoxTrainRequest): Promise<Parsed<{ job: Job; box: Box }>> {
    const bucket = this.deps.bucket;
    if (bucket === null) {
      return refuse('NO_STAGING_BUCKET', 'Training from a box needs a staging bucket, and none is set up: an admin sets `GPUBOT_STAGING_BUCKET` (see the README, "Training from a box"). Meanwhile `/train submit` takes a package or a container.');
    }
    const box = await this.deps.boxes.liveBoxNamed(req.box);
    const refusal = this.checkBox(box, req.box, asker.userId);
    if (refusal !== null || box === null) return { ok: false, error: refusal ?? noSuchBox(req.box) };
    // The channel decides the job's project and region, as for /train; the box only lends its code
    // (domain/team-from-box.ts says why a box of another project is an admin's call).
    const team = this.deps.teams === undefined || this.deps.project === undefined ? null : await this.deps.teams.teamOf(asker.channelId);
    const tag = this.deps.project === undefined ? {} : teamTag(team, this.deps.project);
    const place =
      this.deps.project === undefined
        ? { ok: true as const, value: { region: box.spec.region, note: null, crossing: null } }
        : placeFromBox(team, tag, box, box.spec.region, this.deps.project, this.deps.policy.isAdmin(asker.userId));
    if (!place.ok) return place;
    const id = this.deps.newId();
    const planned = boxTrainPlan(req, { box: { gpu: box.spec.gpu, gpuCount: box.spec.gpuCount, imageFamily: box.spec.imageFamily, region: place.value.region }, bucket, jobId: id });
    if (!planned.ok) return planned;
    const request = place.value.note === null ? planned.value.request : { ...planned.value.request, notes: [...planned.value.request.notes, place.value.note] };
    let cause: ApprovalCause | undefined;
    if (this.deps.gate !== undefined) {
      const check = planJob(request, { owner: asker.userId, jobId: 'policy-check', defaultRegion: place.value.region });
      const verdict = await this.deps.gate.checkJob(asker.userId, asker.channelId, check.region, check.plan);
      if (verdict.kind === 'refuse') return { ok: false, error: verdict.error };
      // As for /train: the job is recorded to wait, and the box packages nothing until an admin approves,
      // so a denied or expired request leaves nothing in the bucket and no request on the box.
      if (verdict.kind === 'approve') cause = verdict.cause;
    }
    const zone = box.zone ?? '';
    const now = this.deps.clock.now();
    const result = await this.deps.jobs.transact({ requestKey: asker.requestKey }, async (tx): Promise<Parsed<{ job: Job; box: Box }>> => {
      const plan = planJob(request, { owner: asker.userId, jobId: id, defaultRegion: place.value.region });
      const fromBox: BoxJobSource = {
        boxId: box.id,
        box: box.name,
        zone,
        ...(box.project !== undefined ? { boxProject: box.project } : {}),
        dir: req.dir,
        entry: { ...req.entry },
        bucket,
        state: 'packaging',
        requestId: `package-${id}`,
        askedAt: null,
        packaged: null,
        copy: null,
        asked: { ...req, entry: { ...req.entry }, gpu: req.gpu === null ? null : { ...req.gpu }, args: [...req.args] },
      };
      const job: Job = {
        id,
        name: request.name,
        owner: asker.userId,
        channel: asker.channelId,
        region: plan.region,
        request,
        plan: plan.plan,
        desired: 'running',
        status: cause === undefined ? 'requested' : 'awaiting-approval',
        vertexJobId: null,
        failure: null,
        fromBox,
        ...(cause !== undefined ? { approval: waitingApproval(cause, now) } : {}),
        ...tag,
        createdAt: now,
        startedAt: null,
        endedAt: null,
        updatedAt: now,
        rev: 1,
      };
      tx.putJob(job);
      tx.audit(requestedEntry(asker, 'job-submit', { kind: 'job', id, name: job.name }, now, place.value.crossing ?? `from box ${box.name}`));
      if (cause !== undefined) tx.notify(job, [{ to: 'admins', event: { type: 'job-approval-requested', jobId: job.id } }]);
      return { ok: true, value: { job, box } };
    });
    if (result.ok) this.deps.nudge.nudge();
    return result;
  }

  /** [Resubmit] of a job from a box: the same words again, so the box packages its code as it is now. */
  async resubmit(asker: Asker, old: Job): Promise<Parsed<{ job: Job }>> {
    if (old.fromBox === null || old.fromBox === undefined) return refuse('NOT_FROM_BOX', 'That job was not trained from a box.');
    const result = await this.submit(asker, old.fromBox.asked);
    return result.ok ? { ok: true, value: { job: result.value.job } } : result;
  }

  /** [Copy to BOX]: the owner (or an admin) asks for the job's outputs in the box, next to its code. */
  async copyOutputs(asker: Asker, jobId: string): Promise<Parsed<{ job: Job; changed: boolean }>> {
    const seen = await this.deps.jobs.getJob(jobId);
    const early = seen === null ? refusal('NO_SUCH_JOB', 'That job no longer exists.') : this.checkCopy(seen, asker.userId);
    if (early !== null || seen === null) return { ok: false, error: early ?? { code: 'NO_SUCH_JOB', message: 'That job no longer exists.' } };
    const source = seen.fromBox;
    if (source === null || source === undefined) return refuse('NOT_FROM_BOX', 'That job was not trained from a box.');
    const box = await this.deps.boxes.getBox(source.boxId);
    const boxRefusal = this.checkBox(box, source.box, asker.userId, seen.owner);
    if (boxRefusal !== null) return { ok: false, error: boxRefusal };
    const now = this.deps.clock.now();
    const result = await this.deps.jobs.transact({ requestKey: asker.requestKey, lockKeys: [jobId] }, async (tx): Promise<Parsed<{ job: Job; changed: boolean }>> => {
      const job = await tx.getJob(jobId);
      const again = job === null ? refusal('NO_SUCH_JOB', 'That job no longer exists.') : this.checkCopy(job, asker.userId);
      if (again !== null || job === null || job.fromBox === null || job.fromBox === undefined) return { ok: false, error: again ?? { code: 'NOT_FROM_BOX', message: 'That job was not trained from a box.' } };
      const copy = job.fromBox.copy;
      // A double click while the first copy is on its way changes nothing.
      if (copy !== null && (copy.state === 'requested' || copy.state === 'asked')) return { ok: true, value: { job, changed: false } };
      const n = copy === null ? 1 : Number(/-(\d+)$/.exec(copy.requestId)?.[1] ?? '1') + 1;
      const updated: Job = {
        ...job,
        fromBox: {
          ...job.fromBox,
          zone: box?.zone ?? job.fromBox.zone,
          copy: { requestId: `copy-${job.id}-${n}`, by: asker.userId, state: 'requested', requestedAt: now, askedAt: null, to: copyDestination(job.fromBox, job.name), files: null, bytes: null, message: null },
        },
        updatedAt: now,
        rev: job.rev + 1,
      };
      tx.putJob(updated);
      return { ok: true, value: { job: updated, changed: true } };
    });
    if (result.ok && result.value.changed) this.deps.nudge.nudge();
    return result;
  }

  /** The box must be live, the asker's (or the asker an admin), and ready. */
  private checkBox(box: Box | null, name: string, userId: string, jobOwner?: string): UserError | null {
    if (box === null || box.status === 'deleted' || box.status === 'failed') return noSuchBox(name);
    if (box.owner !== userId && jobOwner !== userId && !this.deps.policy.isAdmin(userId)) {
      return { code: 'NOT_YOURS', message: `\`${box.name}\` belongs to <@${box.owner}>; only its owner or an admin can train from it or copy into it.` };
    }
    if (box.status !== 'ready' || box.zone === null) {
      const how = box.status === 'stopped' ? ` Start it with \`/gpu start ${box.name}\`, then send again.` : ' Send again once its card says it is ready.';
      return { code: 'BOX_NOT_READY', message: `\`${box.name}\` is ${box.status}: its code can only be read while it runs.${how}` };
    }
    return null;
  }

  private checkCopy(job: Job, userId: string): UserError | null {
    if (job.owner !== userId && !this.deps.policy.isAdmin(userId)) {
      return { code: 'NOT_YOURS', message: `\`${job.name}\` belongs to <@${job.owner}>; only its owner or an admin can copy its outputs.` };
    }
    if (!isJobOver(job)) return { code: 'JOB_NOT_OVER', message: `\`${job.name}\` is still ${job.status}; its outputs can be copied once it ends.` };
    return null;
  }
}

function refusal(code: string, message: string): UserError {
  return { code, message };
}

function refuse(code: string, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

function noSuchBox(name: string): UserError {
  return { code: 'NO_SUCH_BOX', message: `I have no box named \`${name}\`. \`/gpu list\` shows your boxes.` };
}
