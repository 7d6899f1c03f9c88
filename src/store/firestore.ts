/** Builds the Firestore client for the configured mode; nothing else constructs one. */
import { Firestore } from '@google-cloud/firestore';

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
