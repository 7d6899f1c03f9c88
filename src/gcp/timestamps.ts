/** Google's REST APIs give times as RFC 3339 strings (`2026-12-03T17:57:04.123-08:00`); the bot counts in epoch ms. */

/** An RFC 3339 time as a Google API gives it, in epoch ms; null when absent or unreadable. */
export function epochMs(time: string | null | undefined): number | null {
  const ms = typeof time === 'string' ? Date.parse(time) : NaN;
  return Number.isFinite(ms) ? ms : null;
}
