/** How Compute Engine writes links, timestamps, ids and resource names in its JSON. */
import { createHash, randomBytes } from 'node:crypto';

export const COMPUTE_ROOT = 'https://www.googleapis.com/compute/v1/';

/** Full URL of a resource path such as `projects/p/zones/z/instances/x`, as selfLinks are written. */
export function computeLink(resourcePath: string): string {
  return COMPUTE_ROOT + resourcePath;
}

/** The last path segment of a full or partial resource URL. */
export function lastSegment(link: string): string {
  const parts = link.split('/');
  return parts[parts.length - 1] ?? link;
}

const pacific = (() => {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
  } catch {
    return null;
  }
})();

/**
 * Compute Engine writes timestamps in US Pacific time with an explicit offset
 * (`2026-01-23T04:05:06.789-08:00`), not in UTC; clients must honour the offset.
 */
export function computeTimestamp(ms: number): string {
  const date = new Date(ms);
  if (!pacific) return date.toISOString();
  const parts: Record<string, string> = {};
  for (const part of pacific.formatToParts(date)) parts[part.type] = part.value;
  const millis = String(date.getUTCMilliseconds()).padStart(3, '0');
  const offsetName = parts.timeZoneName ?? 'GMT';
  const offset = offsetName === 'GMT' ? '+00:00' : offsetName.replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${millis}${offset}`;
}

/** What the catalogue's built-in resources (machine types, accelerator types) report as creation time. */
export const EPOCH_TIMESTAMP = '1969-12-31T16:00:00.000-08:00';

/** A fresh uint64 id as Compute Engine writes it: a decimal string of 18-19 digits. */
export function randomId(): string {
  const n = randomBytes(8).readBigUInt64BE() % 8_999_999_999_999_999_999n;
  return String(1_000_000_000_000_000_000n + n).slice(0, 19);
}

/** A stable id for catalogue resources, so two reads of the same machine type agree. */
export function stableId(key: string): string {
  const n = createHash('sha256').update(key).digest().readBigUInt64BE() % 8_999_999_999_999_999_999n;
  return String(1_000_000_000_000_000_000n + n).slice(0, 19);
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

/** Operation names look like `operation-1769200000000-64a1b2c3d4e5f-1a2b3c4d-5e6f7a8b`. */
export function operationName(ms: number): string {
  return `operation-${ms}-${randomHex(13)}-${randomHex(8)}-${randomHex(8)}`;
}

/** Fingerprints are base64 of 8 bytes, derived from the content so an unchanged value keeps it. */
export function fingerprint(content: unknown): string {
  return createHash('sha256').update(JSON.stringify(content)).digest().subarray(0, 8).toString('base64');
}
