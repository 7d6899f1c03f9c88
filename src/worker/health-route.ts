/**
 * GET /healthz: 503 until the bot serves (the startup check), 200 while it does, and 503 again when the
 * worker is stuck in a tick step past the renewal limit (worker.ts, STEP_RENEW_LIMIT_MS). Such a replica
 * still answers Slack, but its worker will not act again until the stuck call returns; a liveness probe on
 * this path restarts it (README "Deploy"), where nothing else would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HealthSource {
  ready(): boolean;
  leader(): boolean;
  stuckStep(): { step: string; ms: number } | null;
}

export function healthRoute(source: HealthSource) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    const ready = source.ready();
    const stuck = ready ? source.stuckStep() : null;
    const ok = ready && stuck === null;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok, leader: source.leader(), ...(stuck !== null ? { stuck: { step: stuck.step, seconds: Math.round(stuck.ms / 1000) } } : {}) }));
  };
}
