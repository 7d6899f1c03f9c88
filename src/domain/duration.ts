/** Durations as people write them: `90s`, `15m`, `2h`, `1h30m`, `1d`. Pure; returns milliseconds. */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
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
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(t); m; m = PART.exec(t)) {
    const unit = UNIT_MS[m[2] ?? ''];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    consumed = PART.lastIndex;
  }
  if (consumed !== t.length || consumed === 0) return null;
  return Number.isSafeInteger(total) ? total : null;
}

/** Writes a duration the way a person reads it: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return '∞';
  // NaN and negative spans come from clocks that disagree; nothing has elapsed as far as a person cares.
  const s = Number.isNaN(ms) ? 0 : Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
