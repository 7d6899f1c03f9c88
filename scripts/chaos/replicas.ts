/**
 * The two gpubot replicas of a chaos run: child processes started as a deployment starts them (the
 * built `dist/main.js` with its environment), killed with SIGKILL at the schedule's moments and started
 * again. The build rather than tsx: on the shared 2-core machine loading the bot took 2-6 s from
 * dist/ and about 3 s more through tsx's loader, on every start; a run restarts replicas a dozen
 * times, and a killed replica should be back as soon as a real one would. The build (about 30 s) is
 * redone only when a file under src/ is newer than dist/main.js.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, statSync, type WriteStream } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export interface ReplicaOptions {
  name: string;
  root: string;
  env: Record<string, string>;
  logFile: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (`npm run build`) unless it is newer than every file under src/; returns whether it built. */
export function buildIfStale(root: string): boolean {
  const main = path.join(root, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(path.join(root, 'src'))) return false;
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  return true;
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

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export class Replica {
  readonly port: number;
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  /** Starts, kills and the milliseconds each start took to answer /healthz. */
  readonly starts: number[] = [];
  kills = 0;
  /** Between spawn and the first 200 from /healthz. */
  starting = false;

  constructor(
    private readonly options: ReplicaOptions,
    port: number,
  ) {
    this.port = port;
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/slack/events`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and resolves once /healthz answers 200 (or rejects after `timeoutMs`). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    this.starting = true;
    try {
      await this.spawnAndWait(timeoutMs);
    } finally {
      this.starting = false;
    }
  }

  private async spawnAndWait(timeoutMs: number): Promise<void> {
    const began = Date.now();
    const child = spawn(process.execPath, [path.join(this.options.root, 'dist', 'main.js')], {
      cwd: this.options.root,
      env: { ...this.options.env, PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.log.write(`--- ${new Date().toISOString()} start ${this.name}\n`);
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    while (Date.now() - began < timeoutMs) {
      if (!this.running) throw new Error(`${this.name} exited during start (${String(child.exitCode ?? child.signalCode)}); see ${this.options.logFile}`);
      if (await healthy(this.port)) {
        this.starts.push(Date.now() - began);
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} did not answer /healthz within ${timeoutMs} ms; see ${this.options.logFile}`);
  }

  /** SIGKILL: no shutdown hook runs, as when a machine or container dies. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || !this.running) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    this.kills++;
    this.log.write(`--- ${new Date().toISOString()} SIGKILL ${this.name}\n`);
    await gone;
  }

  /** SIGTERM and wait (the end of the run); SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null || !this.running) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 12_000);
    await gone;
    clearTimeout(timer);
  }

  close(): void {
    this.log.end();
  }
}
