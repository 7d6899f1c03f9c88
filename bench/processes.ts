/**
 * Child processes for the benchmarks: starting an app, waiting for its health check, stopping it, and
 * making sure none outlives the benchmark (every child is tracked and killed on the way out).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const live = new Set<ChildProcess>();

export interface Started {
  child: ChildProcess;
  /** The last lines the child wrote to stdout and stderr. */
  output(): string[];
  /** Every line the child wrote, counted. */
  lines(): number;
}

const KEPT_LINES = 50;

/** Spawns a tracked child; its stdout and stderr are drained and the tail kept for error reports. */
export function startChild(command: string, args: readonly string[], options: SpawnOptions & { stdio?: never }): Started {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  const tail: string[] = [];
  let count = 0;
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      count++;
      tail.push(line);
      if (tail.length > KEPT_LINES) tail.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return { child, output: () => [...tail], lines: () => count };
}

/** Spawns a tracked child with an IPC channel (stdout and stderr inherited). */
export function startIpcChild(command: string, args: readonly string[], options: SpawnOptions & { stdio?: never }): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs);
  });
  const outcome = await Promise.race([gone.then(() => 'gone' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late' && !exited(child)) {
    child.kill('SIGKILL');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 2000))]);
  }
}

/** Kills every child still running (used on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child, 3000)));
}

/** Synchronous last resort for process exit: SIGKILL whatever is left. */
export function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc; null where there is no /proc.
 * Resolution is one clock tick (10 ms), fine for runs that take seconds.
 */
export function cpuTimeMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? ((utime + stime) * 1000) / CLOCK_TICKS : null;
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** One GET; resolves with the status (0 when the connection failed). */
function probe(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

export class ChildExitedError extends Error {}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with the time it did, by
 * performance.now(). Rejects when the child exits first or `timeoutMs` passes.
 */
export async function waitForHealthy(url: string, started: Started, options: { intervalMs: number; timeoutMs: number }): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  while (performance.now() < deadline) {
    if (exited(started.child)) {
      throw new ChildExitedError(
        `the process exited (${String(started.child.exitCode ?? started.child.signalCode)}) before ${url} answered 200:\n  ${started.output().slice(-10).join('\n  ')}`,
      );
    }
    const status = await probe(url, Math.max(1, Math.min(2000, deadline - performance.now())));
    if (status === 200) return performance.now();
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
  throw new Error(`${url} did not answer 200 within ${options.timeoutMs} ms:\n  ${started.output().slice(-10).join('\n  ')}`);
}

/** Runs a command to completion (bounded); resolves with its exit code and output. */
export async function runToEnd(command: string, args: readonly string[], options: SpawnOptions & { stdio?: never; timeoutMs: number }): Promise<{ code: number; output: string[] }> {
  const { timeoutMs, ...spawnOptions } = options;
  const started = startChild(command, args, spawnOptions);
  const timer = setTimeout(() => started.child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number>((resolve) => {
    started.child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    started.child.once('error', () => resolve(1));
  });
  clearTimeout(timer);
  return { code, output: started.output() };
}
