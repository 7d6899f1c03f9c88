/**
 * When the worker's first tick may start: once the server has answered its first Slack request and
 * no other is in flight for a moment, or after a short delay when no request comes. The first tick
 * loads Google's client libraries (Compute's builds its protobuf description, 1-2 s of blocked CPU
 * here, far more on a crowded machine), and a person's first commands after a start should not wait
 * behind that (bench/run.ts measured the first answer at 1.3 s with it in front, and a burst of
 * commands right after a start timed out when it began at the first answer).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long the first tick waits for a first request before starting anyway. */
export const FIRST_TICK_DELAY_MS = 2_000;
/** After the first answer: how long no Slack request may be in flight before the first tick starts. */
export const QUIET_MS = 300;
/** After the first answer: the longest the first tick waits for a quiet moment in steady traffic. */
export const MOST_WAIT_MS = 10_000;

export interface FirstTickTimes {
  delayMs?: number;
  quietMs?: number;
  mostWaitMs?: number;
}

/**
 * Resolves once `server` has finished answering a request under `/slack/` (health checks do not
 * count: a platform polls them before any person speaks) and none has been in flight for `quietMs`
 * (at most `mostWaitMs` after that first answer), or after `delayMs` when no request comes. A server
 * that is not an HTTP server (Socket Mode) has only the delay.
 */
export function firstAnswerOrDelay(server: unknown, times: FirstTickTimes = {}): Promise<void> {
  const { delayMs = FIRST_TICK_DELAY_MS, quietMs = QUIET_MS, mostWaitMs = MOST_WAIT_MS } = times;
  return new Promise((resolve) => {
    const http = isHttpServer(server) ? server : null;
    let inFlight = 0;
    let answered = false;
    let quiet: NodeJS.Timeout | null = null;
    let most: NodeJS.Timeout | null = null;
    const done = (): void => {
      for (const timer of [first, quiet, most]) if (timer !== null) clearTimeout(timer);
      http?.off('request', onRequest);
      resolve();
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (req.url?.startsWith('/slack/') !== true) return;
      inFlight++;
      if (quiet !== null) clearTimeout(quiet);
      quiet = null;
      res.once('close', () => {
        inFlight--;
        if (!answered) {
          answered = true;
          clearTimeout(first);
          most = setTimeout(done, mostWaitMs);
        }
        if (inFlight === 0) quiet = setTimeout(done, quietMs);
      });
    };
    const first = setTimeout(() => {
      if (!answered && inFlight === 0) done();
    }, delayMs);
    http?.on('request', onRequest);
  });
}

function isHttpServer(value: unknown): value is Server {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Server>).on === 'function' && typeof (value as Partial<Server>).off === 'function' && typeof (value as Partial<Server>).listening === 'boolean';
}
