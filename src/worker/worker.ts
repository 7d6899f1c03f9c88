/**
 * The tick: on the replica holding the Firestore lease, run the controllers and deliver notices. Runs
 * on an in-process timer and on POST /tasks/tick (Cloud Scheduler); both go through `tick()`, and the
 * lease makes sure only one replica acts at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Fence, LeaseStore, Logger } from '../app/ports.js';

export interface TickStep {
  name: string;
  /** Returns true when work is in flight and the next tick should come soon. */
  run(fence: Fence): Promise<boolean>;
}

export interface WorkerOptions {
  leases: LeaseStore;
  steps: TickStep[];
  log: Logger;
  intervalMs: number;
  /** While boxes are changing state, ticks come this often instead. */
  busyIntervalMs?: number;
  holder?: string;
  /** The shortest lease, whatever the interval (LEASE_FLOOR_MS); tests with short leases lower it. */
  leaseFloorMs?: number;
  /** How long one step may run before the lease is no longer renewed for it (STEP_RENEW_LIMIT_MS). */
  stepRenewLimitMs?: number;
}

export interface TickResult {
  leader: boolean;
  busy: boolean;
  errors: number;
}

const LEASE = 'worker';

/**
 * The shortest worker lease. Three intervals alone would be 15 s with a 5 s interval, and a renewal
 * that waits on a busy Firestore (a transaction queued behind others, a paused connection) for that
 * long hands the lease over mid-tick, over and over: two replicas then take turns, each skipping the
 * rest of its tick. A killed leader is replaced within this time.
 *
 * At the default 30 s interval the lease lasts 90 s, which outlasts the 40 s a Firestore connection
 * that stops answering takes to be noticed (FIRESTORE_TRANSPORT in store/firestore.ts). Under this
 * floor such a stall costs the lease and the rest of the tick, but nothing more (`npm run chaos --
 * --wedges`). A 90 s floor was tried and dropped: a replica restarted after a kill then waited 90 s to
 * lead (test/e2e/restart.test.ts), a worse trade for the short intervals this floor exists for.
 */
export const LEASE_FLOOR_MS = 30_000;

/**
 * The longest one tick step is renewed for. Every call a step makes has a timeout and bounded retries
 * (about a minute at worst for a Google call), and the notice pass has its own budget, so a step this
 * long is stuck on something that has none. Renewing for it would keep every other replica waiting
 * behind a worker that does nothing (npm run chaos saw one hold the lease for minutes): past this, the
 * lease is let go and another replica carries on, while the fences keep the stuck one from acting.
 */
export const STEP_RENEW_LIMIT_MS = 150_000;

export class Worker {
  readonly holder: string;
  private timer: NodeJS.Timeout | null = null;
  private dueAt = 0;
  private running: Promise<TickResult> | null = null;
  private again = false;
  private stopped = true;
  private busy = false;
  private fence: Fence | null = null;
  /** The step the tick in progress is in, and since when; null between ticks. */
  private current: { step: string; startedAt: number } | null = null;

  /**
   * The step of the tick in progress when it has run past the renewal limit, else null. Such a worker
   * has let its lease go and does nothing more until the step returns, which may be never: /healthz
   * reports it so that the platform's liveness probe restarts the instance (README "Deploy").
   */
  stuckStep(): { step: string; ms: number } | null {
    const current = this.current;
    if (current === null) return null;
    const ms = Date.now() - current.startedAt;
    return ms > (this.options.stepRenewLimitMs ?? STEP_RENEW_LIMIT_MS) ? { step: current.step, ms } : null;
  }

  /** Whether this replica held the lease at its last tick. */
  get isLeader(): boolean {
    return this.fence !== null;
  }

  constructor(private readonly options: WorkerOptions) {
    this.holder = options.holder ?? `replica-${randomUUID().slice(0, 8)}`;
  }

  /** Starts the timer. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a tick soon (a listener just recorded an intent). */
  nudge(): void {
    if (this.stopped) return;
    // A nudge during a tick asks for one more right after it: the tick may have read before the change.
    if (this.running !== null) this.again = true;
    else this.schedule(50);
  }

  /** One tick; concurrent calls share the tick in progress and ask for one more after it. */
  tick(): Promise<TickResult> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = this.runTick().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.schedule(0);
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    const fence = this.fence;
    if (fence !== null) await this.options.leases.release(LEASE, fence).catch(() => undefined);
  }

  /** Sets the next tick `delayMs` from now, unless one is already due sooner. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const dueAt = Date.now() + delayMs;
    if (this.timer !== null) {
      if (this.dueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.dueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().then(
        () => this.schedule(this.busy ? (this.options.busyIntervalMs ?? 2000) : this.options.intervalMs),
        () => this.schedule(this.options.intervalMs),
      );
    }, delayMs);
    this.timer.unref();
  }

  private async runTick(): Promise<TickResult> {
    // The lease outlives two missed ticks, so a leader that pauses briefly keeps it, and a leader that
    // died is replaced within three intervals, or LEASE_FLOOR_MS with short intervals.
    const ttlMs = Math.max(3 * this.options.intervalMs, this.options.leaseFloorMs ?? LEASE_FLOOR_MS);
    let fence: Fence | null;
    try {
      fence = await this.options.leases.acquire(LEASE, this.holder, ttlMs);
    } catch (error) {
      this.options.log.error('could not read the worker lease', { error });
      return { leader: false, busy: false, errors: 1 };
    }
    this.fence = fence;
    if (fence === null) return { leader: false, busy: false, errors: 0 };
    const current = { step: '', startedAt: Date.now() };
    this.current = current;
    const renewal = this.keepLease(fence, ttlMs, current);
    let busy = false;
    let errors = 0;
    try {
      for (const step of this.options.steps) {
        if (renewal.lost) {
          this.options.log.warn('lost the worker lease mid-tick; skipping the rest of the tick', { step: step.name });
          break;
        }
        const started = Date.now();
        current.step = step.name;
        current.startedAt = started;
        try {
          busy = (await step.run(fence)) || busy;
          this.options.log.debug('tick step done', { step: step.name, ms: Date.now() - started });
        } catch (error) {
          errors++;
          if ((error as { code?: string }).code === 'LOST_LEASE') {
            this.options.log.warn('lost the worker lease mid-tick; another replica carries on', { step: step.name });
            break;
          }
          this.options.log.error('tick step failed', { step: step.name, error });
        }
      }
    } finally {
      renewal.stop();
      this.current = null;
    }
    this.busy = busy;
    return { leader: true, busy, errors };
  }

  /**
   * Renews the lease every third of its time to live while a tick runs, so a long tick (a slow cloud,
   * many boxes) does not hand it to another replica while this one still acts. A renewal that comes
   * back with another fence, or none, means the lease was lost: `lost` turns true and stays so.
   */
  private keepLease(fence: Fence, ttlMs: number, current: { step: string; startedAt: number }): { readonly lost: boolean; stop(): void } {
    const state = { lost: false, renewing: false };
    const limitMs = this.options.stepRenewLimitMs ?? STEP_RENEW_LIMIT_MS;
    const timer = setInterval(() => {
      if (state.renewing || state.lost) return;
      const ranMs = Date.now() - current.startedAt;
      if (ranMs > limitMs) {
        // Not renewed: the lease runs out and another replica takes over (see STEP_RENEW_LIMIT_MS).
        state.lost = true;
        this.options.log.error('a tick step is stuck; letting the worker lease go so another replica carries on', { step: current.step, ms: ranMs });
        return;
      }
      state.renewing = true;
      this.options.leases
        .acquire(LEASE, this.holder, ttlMs)
        .then(
          (renewed) => {
            if (renewed === null || renewed.fence !== fence.fence) {
              state.lost = true;
              // A new fence for this same holder: the renewal came after the lease had run out, so
              // writes fenced by the old one are refused; the next tick starts on the new fence.
              if (renewed === null) this.options.log.warn('the worker lease passed to another replica during a tick', { fence: fence.fence });
              else this.options.log.warn('the worker lease ran out before its renewal landed; the rest of the tick is skipped', { fence: fence.fence, now: renewed.fence });
            }
          },
          (error: unknown) => this.options.log.warn('could not renew the worker lease; trying again', { error }),
        )
        .finally(() => {
          state.renewing = false;
        });
    }, Math.max(Math.floor(ttlMs / 3), 50));
    timer.unref();
    return {
      get lost() {
        return state.lost;
      },
      stop: () => clearInterval(timer),
    };
  }
}
