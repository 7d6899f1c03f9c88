/**
 * When the worker's first tick may start: once the server has answered its first Slack request, or
 * after a short delay when none comes. The first tick loads Google's client libraries (Compute's
 * builds its protobuf description, 1-2 s of blocked CPU here), and a person's first command after a
 * start should not wait behind that (bench/run.ts measured the first answer at 1.3 s with it in front).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long the first tick waits for a first request before starting anyway. */
export const FIRST_TICK_DELAY_MS = 2_000;

/**
 * Resolves once `server` has finished answering a request under `/slack/` (health checks do not
 * count: a platform polls them before any person speaks), or after `delayMs`. A server that is not an
 * HTTP server (Socket Mode) has only the delay.
 */
export function firstAnswerOrDelay(server: unknown, delayMs = FIRST_TICK_DELAY_MS): Promise<void> {
  return new Promise((resolve) => {
    const http = isHttpServer(server) ? server : null;
    const done = (): void => {
      clearTimeout(timer);
      http?.off('request', onRequest);
      resolve();
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      if (req.url?.startsWith('/slack/') === true) res.once('close', done);
    };
    const timer = setTimeout(done, delayMs);
    http?.on('request', onRequest);
  });
}

function isHttpServer(value: unknown): value is Server {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Server>).on === 'function' && typeof (value as Partial<Server>).off === 'function' && typeof (value as Partial<Server>).listening === 'boolean';
}
