/**
 * POST /tasks/tick for Cloud Scheduler: accepted with the TICK_SECRET bearer, or with a Google-signed
 * OIDC token for the configured audience (and service account, when set).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../app/ports.js';

export interface TickAuth {
  secret: string | null;
  /** Verifies an OIDC token; returns the caller's email, or null when it is not acceptable. */
  verifyOidc: ((token: string) => Promise<string | null>) | null;
}

export function tickRoute(auth: TickAuth, tick: () => Promise<unknown>, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    if (!(await allowed(auth, token))) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'unauthorized' }));
      return;
    }
    try {
      const result = await tick();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, result }));
    } catch (error) {
      log.error('tick from /tasks/tick failed', { error });
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: 'tick failed' }));
    }
  };
}

async function allowed(auth: TickAuth, token: string): Promise<boolean> {
  if (token === '') return false;
  if (auth.secret !== null) {
    const a = Buffer.from(token);
    const b = Buffer.from(auth.secret);
    if (a.length === b.length && timingSafeEqual(a, b)) return true;
  }
  if (auth.verifyOidc !== null && token.split('.').length === 3) {
    return (await auth.verifyOidc(token).catch(() => null)) !== null;
  }
  return false;
}
