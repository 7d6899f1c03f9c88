/** What the idle reaper needs from Cloud Monitoring: every running box's idle signals, read in one pass. */
import type { IdleSignals, UtilizationPeriod } from '../../domain/idle.js';
import type { CloudFailure } from './cloud.js';

export type { IdleSignals, UtilizationPeriod };

export interface IdleSignalsPort {
  /**
   * The signals of every box that reported any, by Compute instance id, over the last `windowMs` before
   * `nowMs` (pass the longest idle window of the boxes to judge). A box missing from the map has no data:
   * unknown, never idle. Throws IdleSignalsUnavailableError when Monitoring cannot be read: half a read
   * would make a busy GPU look like a missing one, so the pass gets all signals or none.
   */
  idleSignals(windowMs: number, nowMs: number): Promise<Map<string, IdleSignals>>;
}

/** Monitoring could not be read (permissions, quota, outage): nothing may be judged idle this pass. */
export class IdleSignalsUnavailableError extends Error {
  readonly code = 'IDLE_SIGNALS_UNAVAILABLE';
  constructor(
    readonly metric: string,
    readonly failure: CloudFailure,
  ) {
    super(`could not read ${metric} from Cloud Monitoring: ${failure.message}`);
    this.name = 'IdleSignalsUnavailableError';
  }
}

export function isIdleSignalsUnavailable(error: unknown): error is IdleSignalsUnavailableError {
  return error instanceof IdleSignalsUnavailableError;
}
