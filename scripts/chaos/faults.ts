/**
 * The fault schedule of a chaos run, drawn from the seed: episodes that start at set moments, last a
 * while and overlap. Each episode switches one fault on through the stand-ins' own controls (the
 * sandbox's fault layer, Compute's unreachable zones, the Slack simulator's fault layer, the
 * stalling Firestore proxy, which can also wedge its open connections for good) or kills a replica, and switches it off (or restarts it) when it ends.
 */
import { googleError } from '../../src/sandbox/google/server.js';
import { vertexListingLag } from '../../src/sandbox/google/vertex-faults.js';
import type { Rng } from './rng.js';
import type { Replica } from './replicas.js';
import type { World } from './world.js';

export const FAULT_KINDS = [
  'replica-kill',
  'compute-partial-listing',
  'compute-5xx',
  'compute-429',
  'compute-hang',
  'compute-lost-answer',
  'vertex-listing-lag',
  'vertex-5xx',
  'vertex-lost-answer',
  'slack-429',
  'slack-5xx',
  'slack-hang',
  'slack-lost-answer',
  'firestore-pause',
  'firestore-wedge',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Episode {
  kind: FaultKind;
  atMs: number;
  forMs: number;
  /** Which replica (replica-kill), which zone (partial listing). */
  target: number;
}

/**
 * Faults after which no client can know for sure whether its call took effect, where the API gives it
 * no idempotency key to retry with (Slack's chat.postMessage, Vertex AI's customJobs.create): only a
 * bot that looks for its own message or job before trying again stays exact. Beyond the list,
 * so only with `--lost-answers`.
 */
export const STRICT_KINDS: readonly FaultKind[] = ['slack-lost-answer', 'vertex-lost-answer'];

/**
 * A Firestore connection wedged for good costs every call on it up to the keepalive's 40 s before the
 * client moves to a new one: the bot survives it, but a few of them in four minutes eat the run's
 * windows, so the table would count lateness rather than loss. Beyond the list too, so only
 * with `--wedges`; the schedule of a seed without the flag is the same as before the kind existed.
 */
export const WEDGE_KINDS: readonly FaultKind[] = ['firestore-wedge'];

/** Episodes over `[0, chaosMs)`: one starts every 3-9 s, each lasts 4-20 s (kills 2-10 s before the restart). */
export function planFaults(r: Rng, chaosMs: number, extras: { lostAnswers: boolean; wedges: boolean }): Episode[] {
  const kinds = FAULT_KINDS.filter((k) => (extras.lostAnswers || !STRICT_KINDS.includes(k)) && (extras.wedges || !WEDGE_KINDS.includes(k)));
  const out: Episode[] = [];
  let t = r.int(2000, 6000);
  while (t < chaosMs) {
    const kind = r.pick(kinds);
    const forMs = kind === 'replica-kill' ? r.int(2000, 10_000) : kind === 'firestore-pause' ? r.int(2000, 8000) : r.int(4000, 20_000);
    out.push({ kind, atMs: t, forMs: Math.min(forMs, chaosMs - t + 1000), target: r.int(0, 1000) });
    t += r.int(3000, 9000);
  }
  return out;
}

const COMPUTE = /^\/compute\/v1\//;
/** insert (POST .../instances), start and stop (POST .../instances/NAME/start|stop). */
const COMPUTE_MUTATION = /^\/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances(?:\/[^/?]+\/(?:start|stop))?(?:\?|$)/;
/** One instance (delete is DELETE on it). */
const COMPUTE_INSTANCE = /^\/compute\/v1\/projects\/[^/]+\/zones\/[^/]+\/instances\/[^/?]+(?:\?|$)/;
const VERTEX = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/customJobs/;
const SLACK_CHAT = /^\/api\/chat\./;
const SLACK_POST = /^\/api\/chat\.postMessage$/;

/** Runs the schedule; resolves when the last episode has ended. Counts what it did in `applied`. */
export async function runFaults(
  episodes: readonly Episode[],
  world: World,
  replicas: readonly Replica[],
  t0: number,
  applied: Map<FaultKind, number>,
  log: (line: string) => void,
): Promise<void> {
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const zones = ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'];
  const unreachable = new Map<string, number>();
  const g = world.googleFaults;
  const s = world.slack.faults;
  const one = async (e: Episode): Promise<void> => {
    const wait = t0 + e.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    let undo: () => void | Promise<void> = () => undefined;
    switch (e.kind) {
      case 'replica-kill': {
        const victim = replicas[e.target % replicas.length];
        // One replica at a time, and never one still starting: the other keeps serving, as behind a load balancer.
        if (victim === undefined || !victim.running || victim.starting || replicas.some((x) => x !== victim && (!x.running || x.starting))) return;
        await victim.kill();
        undo = async () => {
          await victim.start().catch((error: unknown) => log(`restart of ${victim.name} failed: ${String(error)}`));
        };
        break;
      }
      case 'compute-partial-listing': {
        // The zone holding most VMs, so the fault meets boxes; on ties the target picks.
        const counts = zones.map((z) => world.compute.instances().filter((i) => i.zone.endsWith(`/${z}`)).length);
        const most = Math.max(...counts);
        const candidates = zones.filter((_, i) => counts[i] === most);
        const zone = candidates[e.target % candidates.length] ?? 'us-central1-a';
        unreachable.set(zone, (unreachable.get(zone) ?? 0) + 1);
        world.compute.unreachable(zone, true);
        undo = () => {
          const left = (unreachable.get(zone) ?? 1) - 1;
          unreachable.set(zone, left);
          if (left === 0) world.compute.unreachable(zone, false);
        };
        break;
      }
      case 'compute-5xx':
        undo = g.add({ name: e.kind, path: COMPUTE, probability: 0.3, fault: { kind: 'answer', answer: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') } });
        break;
      case 'compute-429': {
        const answer = googleError(429, 'rateLimitExceeded', 'Rate Limit Exceeded');
        undo = g.add({ name: e.kind, path: COMPUTE, probability: 0.3, fault: { kind: 'answer', answer: { ...answer, headers: { 'retry-after': '2' } } } });
        break;
      }
      case 'compute-hang':
        undo = g.add({ name: e.kind, path: COMPUTE, probability: 0.15, fault: { kind: 'hang', ms: 25_000 } });
        break;
      case 'compute-lost-answer': {
        const posts = g.add({ name: e.kind, method: 'POST', path: COMPUTE_MUTATION, probability: 0.4, fault: { kind: 'lose-answer', ms: 3000 } });
        const deletes = g.add({ name: e.kind, method: 'DELETE', path: COMPUTE_INSTANCE, probability: 0.4, fault: { kind: 'lose-answer', ms: 3000 } });
        undo = () => {
          posts();
          deletes();
        };
        break;
      }
      case 'vertex-listing-lag':
        undo = g.add(vertexListingLag(20_000, Date.now));
        break;
      case 'vertex-5xx':
        undo = g.add({ name: e.kind, path: VERTEX, probability: 0.3, fault: { kind: 'answer', answer: googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.') } });
        break;
      case 'vertex-lost-answer':
        undo = g.add({ name: e.kind, method: 'POST', path: /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/customJobs(?:\?|$)/, probability: 0.5, fault: { kind: 'lose-answer', ms: 3000 } });
        break;
      case 'slack-429': {
        const retryAfter = String(1 + (e.target % 3));
        undo = s.add({ name: e.kind, path: SLACK_CHAT, probability: 0.3, fault: { kind: 'answer', answer: { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': retryAfter } } } });
        break;
      }
      case 'slack-5xx':
        undo = s.add({ name: e.kind, path: SLACK_CHAT, probability: 0.3, fault: { kind: 'answer', answer: { status: 503, body: { ok: false, error: 'service_unavailable' } } } });
        break;
      case 'slack-hang':
        undo = s.add({ name: e.kind, path: SLACK_CHAT, probability: 0.2, fault: { kind: 'hang', ms: 20_000 } });
        break;
      case 'slack-lost-answer':
        undo = s.add({ name: e.kind, path: SLACK_POST, probability: 0.3, fault: { kind: 'lose-answer', ms: 3000 } });
        break;
      case 'firestore-pause':
        world.proxy.pause();
        undo = () => world.proxy.resume();
        break;
      case 'firestore-wedge':
        // The replicas' open Firestore connections stop answering for good (a half-open connection);
        // only a client that notices (keepalive pings, call deadlines) carries on, on a new one.
        world.proxy.wedge();
        break;
    }
    applied.set(e.kind, (applied.get(e.kind) ?? 0) + 1);
    await sleep(e.forMs);
    await undo();
  };
  const pauses = episodes.filter((e) => e.kind === 'firestore-pause');
  // Overlapping pauses would resume each other early: run them one after another.
  const serialPauses = (async () => {
    for (const e of pauses) await one(e);
  })();
  await Promise.all([...episodes.filter((e) => e.kind !== 'firestore-pause').map(one), serialPauses]);
}

/** Everything off: the world is healthy again (the settle phase). */
export async function clearFaults(world: World, replicas: readonly Replica[]): Promise<void> {
  world.googleFaults.clear();
  world.slack.faults.clear();
  for (const z of ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f']) world.compute.unreachable(z, false);
  world.proxy.resume();
  for (const replica of replicas) if (!replica.running) await replica.start();
}
