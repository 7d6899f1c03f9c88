/** Deterministic Compute `requestId`s: the same step of the same box always sends the same id. */
import { createHash } from 'node:crypto';

/**
 * Compute remembers a requestId for a while and answers a repeat with the first call's operation, so
 * an insert re-sent after a crash cannot make a second VM. It must be a UUID; this one is a hash of
 * the step laid out as a version-4-shaped UUID.
 */
export function stepRequestId(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
