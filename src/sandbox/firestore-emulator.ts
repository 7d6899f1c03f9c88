/**
 * Starts a Firestore emulator for the embedded default and for the tests.
 *
 * The official emulator (from the Google Cloud CLI) is the one that gives honest results: it locks
 * documents in transactions, honours preconditions, `== null` filters, cursors and collection-group
 * queries. Where the CLI is missing, the in-process npm emulator serves instead; it loses concurrent
 * transaction updates and ignores those features, so callers are told which one they got (`kind`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export type EmulatorKind = 'official' | 'lite';

export interface RunningEmulator {
  kind: EmulatorKind;
  /** host:port, the form FIRESTORE_EMULATOR_HOST takes. */
  host: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** 'auto' tries the official emulator first and falls back to the npm one. */
  prefer?: 'auto' | 'official' | 'lite';
  /** How the caller hears which emulator it got and why (one line each). */
  onNote?: (line: string) => void;
  startTimeoutMs?: number;
  /** The npm emulator's package; tests name one that is not installed to see the refusal. */
  litePackage?: string;
}

/** The npm emulator's package: a development dependency, so a production install does not have it. */
export const LITE_EMULATOR_PACKAGE = '@firestore-emulator/server';

/**
 * No emulator can be started here: the Google Cloud CLI is missing and so is the npm emulator (a
 * production install leaves development dependencies out). The message names the settings that
 * point gpubot at a Firestore instead.
 */
export class EmulatorUnavailableError extends Error {
  readonly code = 'FIRESTORE_NOT_CONFIGURED';
  constructor(officialProblem: string | null, litePackage: string) {
    super(
      'No Firestore is configured and none can be embedded here' +
        ` (${officialProblem === null ? '' : `official emulator: ${officialProblem}; `}${litePackage} is not installed, as in a production install):` +
        ' set GOOGLE_CLOUD_PROJECT to use Firestore in that project, or FIRESTORE_EMULATOR_HOST=host:port to use a running emulator.',
    );
    this.name = 'EmulatorUnavailableError';
  }
}

interface LiteServer {
  start(port: number): Promise<unknown>;
  stop(): Promise<unknown>;
}

/**
 * Loads the npm emulator's server class, or null when its package is not installed. The one place
 * that imports it, and only when an embedded Firestore is asked for.
 */
export async function loadLiteEmulator(pkg: string = LITE_EMULATOR_PACKAGE): Promise<(new () => LiteServer) | null> {
  try {
    const module = (await import(pkg)) as { FirestoreServer: new () => LiteServer };
    return module.FirestoreServer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return null;
    throw error;
  }
}

export async function startFirestoreEmulator(options: StartOptions = {}): Promise<RunningEmulator> {
  const prefer = options.prefer ?? 'auto';
  const note = options.onNote ?? (() => undefined);
  const pkg = options.litePackage ?? LITE_EMULATOR_PACKAGE;
  let officialProblem: string | null = null;
  if (prefer !== 'lite') {
    try {
      return await startOfficial(options.startTimeoutMs ?? 60_000);
    } catch (error) {
      if (prefer === 'official') throw error;
      officialProblem = (error as Error).message;
    }
  }
  // Checked before saying anything, so that a machine with neither gets one line, not two.
  const FirestoreServer = await loadLiteEmulator(pkg);
  if (FirestoreServer === null) throw new EmulatorUnavailableError(officialProblem, pkg);
  if (officialProblem !== null) {
    note(`Firestore: the official emulator is not available (${officialProblem}); using the in-process npm emulator, which does not lock transactions.`);
  }
  return startLite(FirestoreServer);
}

async function freePort(): Promise<number> {
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

async function startOfficial(timeoutMs: number): Promise<RunningEmulator> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  // detached: the CLI starts java as a grandchild; killing the process group stops both.
  const child = spawn('gcloud', ['emulators', 'firestore', 'start', `--host-port=${host}`, '--quiet'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`the emulator did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Dev App Server is now running')) {
        clearTimeout(timer);
        resolve();
      }
      if (output.length > 100_000) output = output.slice(-10_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'gcloud is not installed' : error.message));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gcloud exited with ${String(code)}: ${output.trim().split('\n').slice(-2).join(' ')}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  child.unref();
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  };
  return { kind: 'official', host, stop };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

async function startLite(FirestoreServer: new () => LiteServer): Promise<RunningEmulator> {
  const port = await freePort();
  const server = new FirestoreServer();
  await server.start(port);
  return {
    kind: 'lite',
    host: `127.0.0.1:${port}`,
    stop: async () => {
      await server.stop();
    },
  };
}
