/**
 * The worker's side of jobs trained from a box: asks the box's agent to package the code (then lets the
 * job watcher create the job) and, after [Copy to BOX], to bring the outputs back. Level-triggered like
 * the other controllers: each step reads the record, does the next thing, and records it; a request is
 * asked once (its id is on the record) and its answer read until it comes or the wait runs out. A job
 * that cannot go on leaves nothing in the bucket: its prefix is deleted before it is ended.
 */
import { agentSilent, copyRequest, jobPrefix, packageRefusal, packageRequest, type BoxJobCopy, type BoxJobSource } from '../domain/box-job.js';
import { isJobOver, type Job, type JobFailure, type JobStatus } from '../domain/job.js';
import type { Clock, Fence, ForProject, Logger } from './ports.js';
import type { BoxAgentPort, StagingPort } from './ports/box-agent.js';
import type { BoxStore } from './ports/boxes.js';
import type { JobStore } from './ports/jobs.js';

export interface BoxJobControllerDeps {
  /** The agent of boxes in the configured project. */
  agent: BoxAgentPort;
  /** The agent of boxes in a team's project (domain/team.ts), with the configured `project`; absent: every box is in the configured one. */
  agentFor?: ForProject<BoxAgentPort>;
  project?: string;
  staging: StagingPort;
  jobs: JobStore;
  boxes: Pick<BoxStore, 'getBox'>;
  clock: Clock;
  log: Logger;
  /** How long the agent may take to answer (GPUBOT_AGENT_TIMEOUT). */
  answerWithinMs: number;
  /** The largest directory a box packages (bytes, before compression). */
  maxPackageBytes: number;
}

export class BoxJobController {
  constructor(private readonly deps: BoxJobControllerDeps) {}

  /** One pass; `waiting` is how many jobs wait on a box (they call for fast ticks). */
  async run(fence: Fence): Promise<{ waiting: number }> {
    const jobs = await this.deps.jobs.jobsAwaitingBox();
    for (const job of jobs) {
      await this.step(job, fence).catch((error: unknown) => this.deps.log.error('box job step failed', { jobId: job.id, error }));
    }
    return { waiting: jobs.length };
  }

  /** The agent of a box in `project` (undefined: a box recorded before teams, in the configured project). */
  private agentIn(project: string | undefined): BoxAgentPort {
    const { agentFor, project: configured } = this.deps;
    return agentFor === undefined || project === undefined || project === configured ? this.deps.agent : agentFor(project);
  }

  private async step(job: Job, fence: Fence): Promise<void> {
    const source = job.fromBox;
    if (source === null || source === undefined) return;
    // A job waiting for an admin is not packaged yet: nothing is staged for a request that may be denied.
    if (source.state === 'packaging' && !isJobOver(job) && job.status !== 'awaiting-approval') await this.packaging(job, source, fence);
    else if (source.copy !== null && (source.copy.state === 'requested' || source.copy.state === 'asked')) await this.copying(job, source, source.copy, fence);
  }

  private async packaging(job: Job, source: BoxJobSource, fence: Fence): Promise<void> {
    if (job.desired === 'cancelled') {
      await this.giveUp(job, fence, 'cancelled', null);
      return;
    }
    const now = this.deps.clock.now();
    if (source.askedAt === null) {
      const box = await this.deps.boxes.getBox(source.boxId);
      if (box === null || box.status !== 'ready' || box.zone === null) {
        const state = box === null ? 'gone' : box.status;
        await this.giveUp(job, fence, 'failed', { code: 'BOX_NOT_READY', message: `\`${source.box}\` is ${state}, so it could not package the code; no job was created. Start it and submit again.`, logLines: [] });
        return;
      }
      const asked = await this.agentIn(box.project).ask(box.zone, box.name, packageRequest(source, job.id, this.deps.maxPackageBytes));
      if (!asked.ok) {
        if (asked.failure.kind === 'transient') {
          this.deps.log.warn('asking the box agent will be retried', { jobId: job.id, error: asked.failure.message });
          return;
        }
        await this.giveUp(job, fence, 'failed', { code: 'AGENT_UNREACHABLE', message: `I could not reach \`${source.box}\` to package the code: ${asked.failure.message}`, logLines: [] });
        return;
      }
      await this.update(job.id, fence, (j, s) => (s.state === 'packaging' && s.askedAt === null ? { ...j, fromBox: { ...s, zone: box.zone ?? s.zone, ...(box.project !== undefined ? { boxProject: box.project } : {}), askedAt: now } } : null));
      return;
    }
    const answer = await this.agentIn(source.boxProject).answerTo(source.zone, source.box, source.requestId);
    if (answer.ok && answer.value === null) {
      // No answer yet: a box stopped or deleted meanwhile never will give one, so say so now, not at the timeout.
      const box = await this.deps.boxes.getBox(source.boxId);
      if (box === null || box.status !== 'ready') {
        const state = box === null ? 'gone' : box.status;
        await this.giveUp(job, fence, 'failed', { code: 'BOX_NOT_READY', message: `\`${source.box}\` is ${state}, so it could not package the code; no job was created. Start it and submit again.`, logLines: [] });
        return;
      }
    }
    if (!answer.ok) {
      this.deps.log.warn('reading the box agent’s answer will be retried', { jobId: job.id, error: answer.failure.message });
      if (now - source.askedAt > this.deps.answerWithinMs) await this.giveUp(job, fence, 'failed', { ...agentSilent(source.box, now - source.askedAt), logLines: [] });
      return;
    }
    if (answer.value === null) {
      if (now - source.askedAt > this.deps.answerWithinMs) await this.giveUp(job, fence, 'failed', { ...agentSilent(source.box, now - source.askedAt), logLines: [] });
      return;
    }
    const said = answer.value;
    if (!said.ok) {
      await this.giveUp(job, fence, 'failed', { ...packageRefusal(said, source, this.deps.maxPackageBytes), logLines: [] });
      return;
    }
    const packaged = { bytes: said.bytes, files: said.files, skipped: said.skipped, skippedCount: said.skippedCount };
    await this.update(job.id, fence, (j, s) => (s.state === 'packaging' ? { ...j, fromBox: { ...s, state: 'packaged', packaged } } : null));
  }

  private async copying(job: Job, source: BoxJobSource, copy: BoxJobCopy, fence: Fence): Promise<void> {
    const now = this.deps.clock.now();
    const finish = (result: Partial<BoxJobCopy>) =>
      this.update(job.id, fence, (j, s) => (s.copy !== null && s.copy.requestId === copy.requestId && (s.copy.state === 'requested' || s.copy.state === 'asked') ? { ...j, fromBox: { ...s, copy: { ...s.copy, ...result } } } : null));
    if (copy.state === 'requested') {
      const box = await this.deps.boxes.getBox(source.boxId);
      if (box === null || box.status !== 'ready' || box.zone === null) {
        await finish({ state: 'failed', message: `\`${source.box}\` is ${box?.status ?? 'gone'}; start it and click again.` });
        return;
      }
      const asked = await this.agentIn(box.project).ask(box.zone, box.name, copyRequest(copy, source.bucket, job.id));
      if (!asked.ok) {
        if (asked.failure.kind === 'transient') return;
        await finish({ state: 'failed', message: `I could not reach \`${source.box}\`: ${asked.failure.message}` });
        return;
      }
      await this.update(job.id, fence, (j, s) => (s.copy !== null && s.copy.requestId === copy.requestId && s.copy.state === 'requested' ? { ...j, fromBox: { ...s, zone: box.zone ?? s.zone, ...(box.project !== undefined ? { boxProject: box.project } : {}), copy: { ...s.copy, state: 'asked', askedAt: now } } } : null));
      return;
    }
    const askedAt = copy.askedAt ?? copy.requestedAt;
    const answer = await this.agentIn(source.boxProject).answerTo(source.zone, source.box, copy.requestId);
    const late = now - askedAt > this.deps.answerWithinMs;
    if (!answer.ok || answer.value === null) {
      if (late) await finish({ state: 'failed', message: agentSilent(source.box, now - askedAt).message.replace(', so no job was created', '') });
      return;
    }
    const said = answer.value;
    if (said.ok) await finish({ state: 'done', files: said.files, bytes: said.bytes, message: null });
    else await finish({ state: 'failed', message: `\`${source.box}\` could not copy the outputs (${said.code}).` });
  }

  /** Ends a job that never reached Vertex AI, after clearing its prefix; a clearing that fails is tried next pass. */
  private async giveUp(job: Job, fence: Fence, status: JobStatus, failure: JobFailure | null): Promise<void> {
    const source = job.fromBox;
    if (source === null || source === undefined) return;
    if (source.askedAt !== null) {
      // An agent that comes back (or answers late) must not upload for a job that is over.
      const withdrawn = await this.agentIn(source.boxProject).withdraw(source.zone, source.box, source.requestId);
      if (!withdrawn.ok && withdrawn.failure.kind !== 'not-found') {
        this.deps.log.warn('withdrawing the box agent request will be retried', { jobId: job.id, error: withdrawn.failure.message });
        return;
      }
    }
    const cleared = await this.deps.staging.deletePrefix(source.bucket, jobPrefix(job.id));
    if (!cleared.ok) {
      this.deps.log.warn('clearing a job’s staging prefix will be retried', { jobId: job.id, error: cleared.failure.message });
      return;
    }
    const now = this.deps.clock.now();
    await this.deps.jobs.transact({ fence, lockKeys: [job.id] }, async (tx) => {
      const current = await tx.getJob(job.id);
      if (current === null || isJobOver(current) || current.fromBox?.state !== 'packaging') return;
      const ended: Job = { ...current, status, failure, endedAt: now, updatedAt: now, rev: current.rev + 1 };
      tx.putJob(ended);
      tx.notify(ended, [
        { event: { type: 'job-ended', jobId: job.id }, to: 'thread' },
        { event: { type: 'job-ended', jobId: job.id }, to: 'dm' },
      ]);
    });
  }

  /** One transaction: `change` returns the new record, or null when there is nothing to do. */
  private async update(jobId: string, fence: Fence, change: (job: Job, source: BoxJobSource) => Job | null): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.jobs.transact({ fence, lockKeys: [jobId] }, async (tx) => {
      const job = await tx.getJob(jobId);
      if (job === null || job.fromBox === null || job.fromBox === undefined) return;
      const next = change(job, job.fromBox);
      if (next === null) return;
      tx.putJob({ ...next, updatedAt: now, rev: job.rev + 1 });
    });
  }
}
