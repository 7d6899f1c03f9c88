/**
 * Counting the Firestore documents a client reads and writes, for the benchmarks that measure one pass
 * of a worker step (bench/idle.ts, bench/jobs.ts), and a bound on how long such a pass may take.
 */
import type { Firestore } from '@google-cloud/firestore';

/** Firestore traffic of a measured pass, counted from the RPCs the client library sent and got back. */
export interface FirestoreCounts {
  /** Documents returned: by queries (`runQuery`) and by document gets, in transactions or not (`batchGetDocuments`). */
  docsRead: number;
  /** Document gets that found nothing (Firestore bills these as reads too). */
  missingRead: number;
  /** Writes in committed commits (sets, updates, deletes). */
  docsWritten: number;
  /** Top-level fields those writes carried (a set or update sends each field it names, whole). */
  fieldsWritten: number;
  queries: number;
  gets: number;
  commits: number;
}

interface FirestoreInternals {
  request(method: string, request: unknown, ...rest: unknown[]): Promise<unknown>;
  requestStream(method: string, ...rest: unknown[]): Promise<NodeJS.ReadableStream>;
}

/**
 * Counts the documents a Firestore client reads and writes, at the one place every read and commit
 * passes (the client's RPC funnels), so queries, document gets and transactions are all seen.
 */
export function countFirestore(db: Firestore): { counts: FirestoreCounts; reset(): void } {
  const counts: FirestoreCounts = { docsRead: 0, missingRead: 0, docsWritten: 0, fieldsWritten: 0, queries: 0, gets: 0, commits: 0 };
  const inner = db as unknown as FirestoreInternals;
  const request = inner.request.bind(inner);
  const requestStream = inner.requestStream.bind(inner);
  inner.request = async (method, body, ...rest) => {
    const result = await request(method, body, ...rest);
    if (method === 'commit') {
      counts.commits++;
      const writes = (body as { writes?: { update?: { fields?: Record<string, unknown> } }[] }).writes ?? [];
      counts.docsWritten += writes.length;
      for (const write of writes) counts.fieldsWritten += Object.keys(write.update?.fields ?? {}).length;
    }
    return result;
  };
  inner.requestStream = async (method, ...rest) => {
    const stream = await requestStream(method, ...rest);
    if (method === 'runQuery') counts.queries++;
    if (method === 'batchGetDocuments') counts.gets++;
    const emit = stream.emit.bind(stream) as (event: string | symbol, ...args: unknown[]) => boolean;
    // Watching emit leaves the stream's flow alone (a 'data' listener would start it early).
    stream.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'data') {
        const chunk = args[0] as { document?: unknown; found?: unknown; missing?: unknown } | undefined;
        if (chunk?.document || chunk?.found) counts.docsRead++;
        else if (chunk?.missing) counts.missingRead++;
      }
      return emit(event, ...args);
    }) as typeof stream.emit;
    return stream;
  };
  return {
    counts,
    reset() {
      for (const key of Object.keys(counts) as Array<keyof FirestoreCounts>) counts[key] = 0;
    },
  };
}

/** `work`, or an error once `ms` have passed (the work itself is not stopped; the caller cleans up). */
export async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
