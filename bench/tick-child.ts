/**
 * The child process of bench/tick.ts: gpubot as built (dist/), wired by its own `startGpubot` from the
 * environment as the container is, but without its timer, so that the benchmark says when a worker tick
 * runs. Per message it runs one tick and reports its time, each step's time, the Firestore traffic and
 * the process's memory right after it. It runs as plain JavaScript (transpiled by the benchmark), with
 * no TypeScript loader in the process, so its resident set is gpubot's own.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { Firestore } from '@google-cloud/firestore';

type MainModule = typeof import('../src/main.js');
type ConfigModule = typeof import('../src/config.js');
type LogModule = typeof import('../src/log.js');

export interface TickCounts {
  docsRead: number;
  docsWritten: number;
  queries: number;
  gets: number;
  commits: number;
}

export interface TickReport {
  type: 'tick';
  wallMs: number;
  /** Each step's own time, as the worker logs it ('tick step done'). */
  steps: Record<string, number>;
  firestore: TickCounts;
  /** CPU time (user + system) the process used during the tick, ms: the wall time less the waiting. */
  cpuMs: number;
  /** process.memoryUsage() right after the tick, bytes. */
  rss: number;
  heapUsed: number;
  /** The rest of the resident set's story: the heap V8 holds, and memory outside it (Buffers and the like). */
  heapTotal: number;
  external: number;
  errors: number;
}

export type ChildMessage = { type: 'ready'; rss: number; clientsLoadMs: number; rssBeforeClients: number } | TickReport | { type: 'failed'; message: string };
export type ParentMessage = { type: 'tick' } | { type: 'stop' };

interface RpcFunnels {
  request(method: string, request: unknown, ...rest: unknown[]): Promise<unknown>;
  requestStream(method: string, ...rest: unknown[]): Promise<NodeJS.ReadableStream>;
}

/**
 * Counts on the client class, since gpubot builds its own instance: every read and commit passes its
 * two RPC funnels (the same places bench/firestore-counter.ts watches on one instance).
 */
function countEveryClient(): TickCounts {
  const counts: TickCounts = { docsRead: 0, docsWritten: 0, queries: 0, gets: 0, commits: 0 };
  const proto = Firestore.prototype as unknown as RpcFunnels;
  const request = proto.request;
  const requestStream = proto.requestStream;
  proto.request = async function (this: RpcFunnels, method, body, ...rest) {
    const result = await request.call(this, method, body, ...rest);
    if (method === 'commit') {
      counts.commits++;
      counts.docsWritten += (body as { writes?: unknown[] }).writes?.length ?? 0;
    }
    return result;
  };
  proto.requestStream = async function (this: RpcFunnels, method, ...rest) {
    const stream = await requestStream.call(this, method, ...rest);
    if (method === 'runQuery') counts.queries++;
    if (method === 'batchGetDocuments') counts.gets++;
    const emit = stream.emit.bind(stream) as (event: string | symbol, ...args: unknown[]) => boolean;
    stream.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
      if (event === 'data') {
        const chunk = args[0] as { document?: unknown; found?: unknown } | undefined;
        if (chunk?.document || chunk?.found) counts.docsRead++;
      }
      return emit(event, ...args);
    }) as typeof stream.emit;
    return stream;
  };
  return counts;
}

async function main(): Promise<void> {
  const root = process.env.GPUBOT_BENCH_ROOT ?? process.cwd();
  const dist = (file: string): string => pathToFileURL(join(root, 'dist', file)).href;
  const { startGpubot } = (await import(dist('main.js'))) as MainModule;
  const { loadConfig } = (await import(dist('config.js'))) as ConfigModule;
  const { createLogger } = (await import(dist('log.js'))) as LogModule;
  const counts = countEveryClient();
  let steps: Record<string, number> = {};
  const log = createLogger({
    level: 'debug',
    write: (line) => {
      const entry = JSON.parse(line) as { severity?: string; message?: string; step?: string; ms?: number };
      if (entry.message === 'tick step done' && entry.step !== undefined && entry.ms !== undefined) steps[entry.step] = entry.ms;
      else if (entry.severity === 'WARNING' || entry.severity === 'ERROR') process.stderr.write(line.slice(0, 400) + '\n');
    },
  });
  const running = await startGpubot(loadConfig(), log, undefined, { timer: false });
  await running.pricesReady;
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  // As the running bot does before its first tick (after its first answer): Google's clients are built
  // once, outside the ticks; their cost is reported on its own line.
  const rssBeforeClients = process.memoryUsage().rss;
  const loadStarted = performance.now();
  await running.loadClients();
  const clientsLoadMs = performance.now() - loadStarted;
  send({ type: 'ready', rss: process.memoryUsage().rss, clientsLoadMs, rssBeforeClients });
  // GPUBOT_BENCH_CPU_PROFILE=<dir>: each tick's CPU profile is written there (tick-1.cpuprofile, ...),
  // to find where a tick's time goes (bench/profile-summary.ts reads them).
  const profileDir = process.env.GPUBOT_BENCH_CPU_PROFILE;
  const session = profileDir !== undefined ? new Session() : null;
  session?.connect();
  let tickNo = 0;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void running.stop().finally(() => process.exit(0));
      return;
    }
    void (async () => {
      steps = {};
      for (const key of Object.keys(counts) as Array<keyof TickCounts>) counts[key] = 0;
      tickNo++;
      if (session !== null) {
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      const cpu = process.cpuUsage();
      const started = performance.now();
      const result = await running.worker.tick();
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const memory = process.memoryUsage();
      if (session !== null && profileDir !== undefined) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(join(profileDir, `tick-${tickNo}.cpuprofile`), JSON.stringify(profile));
      }
      // GPUBOT_BENCH_HEAP_SNAPSHOT=<dir>: a heap snapshot after each tick (tick-1.heapsnapshot, ...), taken
      // after the figures above; writing it collects garbage first, so it shows what the tick left live.
      const heapDir = process.env.GPUBOT_BENCH_HEAP_SNAPSHOT;
      if (heapDir !== undefined) {
        writeHeapSnapshot(join(heapDir, `tick-${tickNo}.heapsnapshot`));
        const live = process.memoryUsage();
        process.stderr.write(`tick ${tickNo} after a full collection: heap used ${(live.heapUsed / 1e6).toFixed(0)} MB, heap total ${(live.heapTotal / 1e6).toFixed(0)} MB, RSS ${(live.rss / 1e6).toFixed(0)} MB\n`);
      }
      send({ type: 'tick', wallMs, steps, firestore: { ...counts }, cpuMs: (used.user + used.system) / 1000, rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, external: memory.external, errors: result.errors });
    })().catch((error: unknown) => send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }));
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.send?.({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage);
  process.exit(1);
});
