/**
 * The idle reaper: each tick it reads every running box's signals in one pass (one Monitoring call per
 * metric, paged), judges each box by its own window, and warns, stops or withdraws a warning. The
 * decision itself is pure (domain/idle.ts); this only reads, decides and records.
 */
import type { Box } from '../domain/box.js';
import { judgeIdle, nextIdleStep, NOT_WARNED, type IdlePolicy } from '../domain/idle.js';
import type { NoticeDraft } from '../domain/notice.js';
import { BOT_ACTOR, type AuditEntry } from '../domain/audit.js';
import type { BoxStore, Clock, Fence, Logger } from './ports.js';
import { isIdleSignalsUnavailable, type IdleSignalsPort } from './ports/idle.js';
import { inLanes } from './lanes.js';
import { readSignals, type SignalSources } from './project-signals.js';

export interface IdleControllerDeps extends SignalSources {
  signals: IdleSignalsPort;
  store: BoxStore;
  clock: Clock;
  log: Logger;
  policy: {
    gpuBelowPercent: number;
    cpuBelowFraction: number;
    defaultWindowMs: number;
    /**
     * The longest a box may run (GPUBOT_MAX_RUNNING): the limit of a box that cannot be judged idle at
     * all (fewer than two signals report), where it asked for no `--hours` of its own. Absent: none.
     */
    maxRunningMs?: number;
  };
  graceMs: number;
  maxKeepMs: number;
}

export interface IdleReport {
  judged: number;
  warned: number;
  stopped: number;
  withdrawn: number;
}

/** When the VM last started running: the last move into `booting` (start or create). */
export function runningSince(box: Box): number {
  for (let i = box.history.length - 1; i >= 0; i--) {
    const event = box.history[i];
    if (event?.status === 'booting') return event.at;
  }
  return box.createdAt;
}

export class IdleController {
  constructor(private readonly deps: IdleControllerDeps) {}

  /**
   * One pass. `live`: the live boxes as the box pass of the same tick left them, so that they are not
   * all read again; a box changed since is caught by the revision check when its change is written.
   */
  async run(fence?: Fence, live?: readonly Box[]): Promise<IdleReport> {
    const report: IdleReport = { judged: 0, warned: 0, stopped: 0, withdrawn: 0 };
    const running = (live ?? (await this.deps.store.liveBoxes())).filter((b) => b.status === 'ready' && b.desired === 'running' && b.instanceId !== undefined);
    if (running.length === 0) return report;
    const now = this.deps.clock.now();
    const windowOf = (b: Box): number | null => (b.spec.idleWindowMs === undefined ? this.deps.policy.defaultWindowMs : b.spec.idleWindowMs);
    const longest = Math.max(...running.map((b) => windowOf(b) ?? 0), this.deps.policy.defaultWindowMs);
    let signals;
    try {
      // Per project: a team's boxes are read from their own project's Monitoring (project-signals.ts).
      signals = await readSignals(running, this.deps, longest, now, this.deps.log);
    } catch (error) {
      // Without signals nothing can be judged idle; skipping the pass is the safe answer.
      if (isIdleSignalsUnavailable(error)) {
        this.deps.log.warn('idle signals unavailable; no idle decisions this tick', { error });
        return report;
      }
      throw error;
    }
    const changes: IdleChange[] = [];
    for (const box of running) {
      report.judged++;
      const window = windowOf(box);
      const policy: IdlePolicy = { gpuBelowPercent: this.deps.policy.gpuBelowPercent, cpuBelowFraction: this.deps.policy.cpuBelowFraction, windowMs: window ?? longest };
      const since = runningSince(box);
      const judgement = judgeIdle(signals(box), policy, { runningSinceMs: since, idleWindowMs: window }, now);
      // A box nothing can be judged by still meets the maximum running time, after the usual warning.
      const blindLimit = (box.spec.maxRunningMs ?? null) === null && judgement.blind && this.deps.policy.maxRunningMs !== undefined;
      const maxRunningMs = box.spec.maxRunningMs ?? (blindLimit ? (this.deps.policy.maxRunningMs ?? null) : null);
      const step = nextIdleStep(
        { idle: box.idle ?? NOT_WARNED, runningSinceMs: since, maxRunningMs },
        judgement,
        now,
        { graceMs: this.deps.graceMs, maxKeepMs: this.deps.maxKeepMs },
      );
      const notices: NoticeDraft[] = [];
      let updated: Box | null = null;
      const touch = (b: Box): Box => ({ ...b, updatedAt: now, rev: b.rev + 1 });
      switch (step.action) {
        case 'warn':
          report.warned++;
          updated = touch({ ...box, idle: step.idle });
          for (const to of ['thread', 'dm'] as const) {
            notices.push({
              to,
              event: { type: 'box-idle-warning', cause: step.cause, idleSinceMs: step.idleSinceMs, stopAt: step.stopAt, ...(blindLimit && step.cause === 'hard-limit' ? { blind: true } : {}) },
            });
          }
          break;
        case 'stop':
          report.stopped++;
          // The box controller carries out the stop, like any other Stop.
          updated = touch({ ...box, idle: step.idle, desired: 'stopped' });
          for (const to of ['thread', 'dm'] as const) notices.push({ to, event: { type: 'box-idle-stopped', cause: step.cause, idleSinceMs: step.idleSinceMs } });
          break;
        case 'cancel-warning':
          report.withdrawn++;
          updated = touch({ ...box, idle: step.idle });
          for (const to of ['thread', 'dm'] as const) notices.push({ to, event: { type: 'box-idle-cancelled', reasons: step.reasons } });
          break;
        case 'none':
          break;
      }
      if (judgement.missingGpuMetrics && box.gpuMetricsNoticeSent !== true) {
        updated = { ...(updated ?? touch(box)), gpuMetricsNoticeSent: true };
        notices.push({ to: 'thread', event: { type: 'box-gpu-metrics-missing' } });
      }
      if (judgement.missingNotebookReports && box.notebookReportsNoticeSent !== true) {
        updated = { ...(updated ?? touch(box)), notebookReportsNoticeSent: true };
        notices.push({ to: 'dm', event: { type: 'box-notebook-reports-missing' } });
      }
      // The stop is the bot's own doing: the audit says so, keyed by the revision it changes (one entry per stop).
      const audit: AuditEntry | null =
        step.action === 'stop'
          ? { key: `idle-stop|${box.id}|${box.rev}`, at: now, who: BOT_ACTOR, action: 'idle-stop', targetKind: 'box', targetId: box.id, targetName: box.name, via: 'tick', channel: box.channel, detail: step.cause }
          : null;
      // A box whose step is 'none' and that owes no notice is not written at all.
      if (updated !== null) changes.push({ seen: box, updated, notices, audit });
    }
    // The changed boxes go in a few transactions of up to COMMIT_CHUNK boxes each, rather than one
    // transaction per box: each transaction costs the lease read and a commit, and at 500 warned boxes
    // those round trips were most of the pass (bench/tick.ts).
    const chunks: (() => Promise<void>)[] = [];
    for (let i = 0; i < changes.length; i += COMMIT_CHUNK) {
      const chunk = changes.slice(i, i + COMMIT_CHUNK);
      chunks.push(() => this.commit(chunk, fence));
    }
    await inLanes(chunks, CHUNKS_IN_FLIGHT, (commit) => commit(), { keepGoing: true });
    return report;
  }

  private async commit(changes: readonly IdleChange[], fence: Fence | undefined): Promise<void> {
    const ids = changes.map((c) => c.seen.id);
    await this.deps.store.transact({ ...(fence ? { fence } : {}), lockKeys: ids }, async (tx) => {
      const current = await tx.revisionsOf(ids);
      for (const { seen, updated, notices, audit } of changes) {
        // Someone pressed Keep or Stop since we read the box: their word wins; the next tick decides again.
        if (current.get(seen.id) !== seen.rev) continue;
        // The stored record is `seen` (same rev): only what the pass changed is written.
        tx.putBoxChanges(seen, updated);
        if (audit !== null) tx.audit(audit);
        if (notices.length > 0) tx.notify(updated, notices);
      }
    });
  }
}

/** One box's next record and the notices that go with it, decided from the record `seen`. */
interface IdleChange {
  seen: Box;
  updated: Box;
  notices: NoticeDraft[];
  /** The idle stop's audit entry, written with the change. */
  audit: AuditEntry | null;
}

/**
 * Boxes per transaction: a warned box writes three documents (the box and two notices), so 100 boxes
 * stay well under the 500 writes a commit was long limited to (https://cloud.google.com/firestore/quotas,
 * "Writes and transactions"), and a person's Keep on one of them waits for one commit at most.
 */
const COMMIT_CHUNK = 100;
/** Chunks committed at once. */
const CHUNKS_IN_FLIGHT = 4;
