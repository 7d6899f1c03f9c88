/** Builds the Firestore client for the configured mode; nothing else constructs one. */
import { Firestore, type SetOptions } from '@google-cloud/firestore';

export function createFirestore(options: { projectId: string; emulatorHost?: string; databaseId?: string }): Firestore {
  return new Firestore({
    projectId: options.projectId,
    ...(options.databaseId !== undefined ? { databaseId: options.databaseId } : {}),
    // ssl:false is how the client recognises an emulator (it then sends the emulator's owner token).
    // Naming the universe spares a lookup of Application Default Credentials, which on a machine
    // outside Google Cloud probes the metadata server for seconds before giving up.
    ...(options.emulatorHost !== undefined ? { host: options.emulatorHost, ssl: false, clientOptions: { universeDomain: 'googleapis.com' } } : {}),
    ignoreUndefinedProperties: true,
  });
}

/**
 * Set options that write each top-level field `data` carries whole and leave the document's other
 * fields (the card, which only the notifier writes) as they are. Unlike `{ merge: true }`, a nested
 * map is replaced rather than merged key by key, so a label or failure gone from the record is gone
 * from the document too. The update mask then names only top-level fields, which also keeps the
 * in-process npm emulator honest: it drops map keys that need quoting in a field path (`managed-by`)
 * and maps written over a null field when it merges.
 */
export function replaceFields(data: Record<string, unknown>): SetOptions {
  // An undefined field is left out of the write (ignoreUndefinedProperties), so out of the mask too.
  return { mergeFields: Object.keys(data).filter((key) => data[key] !== undefined) };
}

/**
 * A request key past its `expiresAt` counts as absent: Firestore's TTL policy on `expiresAt` (README
 * "Firestore") deletes such documents only some time after they expire
 * (https://cloud.google.com/firestore/docs/ttl), so reads check the time themselves.
 */
export function expired(doc: unknown, nowMs: number): boolean {
  const at = (doc as { expiresAt?: { toMillis?: () => number } } | undefined)?.expiresAt;
  return typeof at?.toMillis === 'function' && at.toMillis() <= nowMs;
}
