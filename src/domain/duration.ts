/**
 * Durations as people write them: `90s`, `15m`, `2h`, `1h30m`, `1d`. dayjs parses only ISO 8601
 * (`PT1H30M`), so this syntax is read here, into dayjs durations. Pure; returns milliseconds.
 */
import { duration } from './time.js';

const UNIT: Readonly<Record<string, 'seconds' | 'minutes' | 'hours' | 'days'>> = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days' };
// Parts may be spaced (`1h 30m`), which is how formatDuration writes them.
const PART = /\s*(\d+)\s*([smhd])/gy;

/** Parses `90s`, `15m`, `2h`, `1h30m`, `1h 30m`, `1d`; a bare number means minutes. Returns null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (/^\d+$/.test(t)) {
    const ms = Number(t) * 60_000;
    return Number.isSafeInteger(ms) ? ms : null;
  }
  PART.lastIndex = 0;
  let total = duration(0);
  let consumed = 0;
  for (let m = PART.exec(t); m; m = PART.exec(t)) {
    const unit = UNIT[m[2] ?? ''];
    if (unit === undefined) return null;
    total = total.add(Number(m[1]), unit);
    consumed = PART.lastIndex;
  }
  if (consumed !== t.length || consumed === 0) return null;
  const ms = total.asMilliseconds();
  return Number.isSafeInteger(ms) ? ms : null;
}

/** Writes a duration the way a person reads it: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return '∞';
  // NaN and negative spans come from clocks that disagree; nothing has elapsed as far as a person cares.
  // From milliseconds: dayjs splits a number into its parts (minutes(), hours()), not an object.
  const span = duration(Number.isNaN(ms) ? 0 : Math.max(0, Math.round(ms / 1000)) * 1000);
  // Whole units counted past days: dayjs's own components roll days into 30-day months.
  const s = Math.floor(span.asSeconds());
  if (s < 60) return `${s}s`;
  const m = Math.floor(span.asMinutes());
  if (m < 60) return `${m}m`;
  const h = Math.floor(span.asHours());
  if (h < 48) return span.minutes() === 0 ? `${h}h` : `${h}h ${span.minutes()}m`;
  const d = Math.floor(span.asDays());
  return span.hours() === 0 ? `${d}d` : `${d}d ${span.hours()}h`;
}
