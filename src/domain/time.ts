/**
 * Dates and durations through dayjs, set up once (its UTC and duration plugins) for every layer. Pure,
 * as domain/ must be: each helper is given the time; nothing here calls dayjs() without one (the lint
 * rule for src/domain refuses that call, which would read the machine's clock).
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import durationPlugin from 'dayjs/plugin/duration.js';

dayjs.extend(utc);
dayjs.extend(durationPlugin);

export type Instant = dayjs.Dayjs;
export type Duration = ReturnType<typeof dayjs.duration>;

/** The instant `ms` (milliseconds since the epoch) on the UTC calendar: days and months start at UTC midnight. */
export function utcAt(ms: number): Instant {
  return dayjs.utc(ms);
}

/** A span of time from its parts (`{ hours: 1, minutes: 30 }`) or from milliseconds. */
export function duration(parts: Partial<Record<'days' | 'hours' | 'minutes' | 'seconds' | 'milliseconds', number>> | number): Duration {
  return typeof parts === 'number' ? dayjs.duration(parts) : dayjs.duration(parts);
}
