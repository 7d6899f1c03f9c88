/** Builds the Firestore client for the configured mode; nothing else constructs one. */
import { Firestore, type SetOptions } from '@google-cloud/firestore';

/**
 * How long the bot waits on Firestore. The client library's own defaults are made for batch jobs:
 * reads (BatchGetDocuments, which every `get()` and transaction read uses, and RunQuery) wait up to
 * 300 s a try and retry for up to 600 s, and gRPC sends no keepalive pings, so a connection that stops
 * answering without closing (a half-open TCP connection, a stalled proxy or NAT) holds every call on it
 * for minutes. `npm run chaos` (seed 2) saw a replica sit 2.5 minutes inside one tick step with its
 * lease renewal hung beside it and no line logged; a stalled connection reproduces exactly that
 * (test/store/firestore-transport.test.ts). Each value can be lowered by tests.
 */
export interface FirestoreTransport {
  /**
   * A keepalive ping after this long without traffic on a connection that has calls in flight; 30 s is
   * the shortest interval Google's front ends accept without answering "too many pings" and doubling it
   * (https://github.com/googleapis/java-bigtable-hbase/issues/2681, the settings agreed with gRPC's
   * maintainers; keepalive channel arguments: https://github.com/grpc/grpc/blob/master/doc/keepalive.md).
   */
  keepaliveTimeMs: number;
  /** An unanswered ping closes the connection after this long; its calls fail as UNAVAILABLE and are retried on a new one. */
  keepaliveTimeoutMs: number;
  /** One try of a unary or read call: a document read or commit answers in milliseconds when Firestore is well. */
  callTimeoutMs: number;
  /** All tries of one call together. */
  totalTimeoutMs: number;
}

export const FIRESTORE_TRANSPORT: FirestoreTransport = {
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
  callTimeoutMs: 20_000,
  totalTimeoutMs: 60_000,
};

/**
 * The calls the bot makes and their new timeouts, in the client library's configuration format
 * (node_modules/@google-cloud/firestore/build/src/v1/firestore_client_config.json). Listen (snapshot
 * listeners) and Write keep their day-long streams.
 */
const BOUNDED_METHODS = ['GetDocument', 'ListDocuments', 'UpdateDocument', 'DeleteDocument', 'BatchGetDocuments', 'BeginTransaction', 'Commit', 'Rollback', 'RunQuery', 'RunAggregationQuery', 'BatchWrite', 'CreateDocument'];

export function firestoreTransportSettings(transport: FirestoreTransport): Record<string, unknown> {
  const methods = Object.fromEntries(BOUNDED_METHODS.map((name) => [name, { timeout_millis: transport.callTimeoutMs, retry_params_name: 'gpubot' }]));
  return {
    // Passed through to the gRPC channel as channel arguments (google-gax keeps options named grpc.*).
    'grpc.keepalive_time_ms': transport.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': transport.keepaliveTimeoutMs,
    clientConfig: {
      interfaces: {
        'google.firestore.v1.Firestore': {
          retry_params: {
            gpubot: {
              initial_retry_delay_millis: 100,
              retry_delay_multiplier: 1.3,
              max_retry_delay_millis: 5_000,
              initial_rpc_timeout_millis: transport.callTimeoutMs,
              rpc_timeout_multiplier: 1,
              max_rpc_timeout_millis: transport.callTimeoutMs,
              total_timeout_millis: transport.totalTimeoutMs,
            },
          },
          methods,
        },
      },
    },
  };
}

export function createFirestore(options: { projectId: string; emulatorHost?: string; databaseId?: string; transport?: FirestoreTransport }): Firestore {
  return new Firestore({
    ...firestoreTransportSettings(options.transport ?? FIRESTORE_TRANSPORT),
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
