/**
 * The box agent played by the sandbox, for `npm start` and the end-to-end tests: each sandbox VM has a
 * home directory (files and sizes in memory); a request the bot sets in the VM's metadata
 * (`gpubot-agent-request`, JSON) is answered in its guest attributes (`gpubot/answer-<id>`) as the real
 * agent does, uploading to or copying from the Cloud Storage stand-in.
 *
 * Written from the agent's contract (the key, the namespace, the request and answer fields, its error
 * codes and what packaging leaves out, as the box agent's own documentation states them, December
 * 2026), not from the bot's code: it imports nothing of the bot. The real script is tested on its own
 * against the metadata-server stand-in. Unlike it, the "archive" uploaded here is a gzipped JSON list of
 * the files kept, since nothing here unpacks it.
 */
import { gzipSync } from 'node:zlib';
import type { ComputeSandbox } from './compute.js';
import type { SandboxHandler, SandboxRequest, SandboxResponse } from './server.js';
import type { StorageSandbox } from './storage.js';

const REQUEST_KEY = 'gpubot-agent-request';
const NAMESPACE = 'gpubot';
const ALWAYS_SKIPPED = new Set(['.git', '__pycache__', '.ipynb_checkpoints']);

/** A file in a box's home directory: its text, or only its size (a large data file). */
export type BoxFile = string | { size: number };

/** A copy the agent made, for tests to check what the box received. */
export interface AgentCopy {
  instance: string;
  requestId: string;
  bucket: string;
  prefix: string;
  to: string;
  files: string[];
}

export interface BoxAgentSandboxOptions {
  compute: ComputeSandbox;
  storage: StorageSandbox;
  /** Files every VM without its own starts with; none unless given (the console gives a small project). */
  defaultFiles?: Readonly<Record<string, BoxFile>>;
}

type Answer = Record<string, unknown>;

export class BoxAgentSandbox implements SandboxHandler {
  readonly copies: AgentCopy[] = [];
  /** Every request the agent read, in order, by VM name. */
  readonly requests: { instance: string; request: Record<string, unknown> }[] = [];
  private readonly homes = new Map<string, Map<string, BoxFile>>();
  private readonly answered = new Map<string, string>();
  private readonly silent = new Set<string>();

  constructor(private readonly options: BoxAgentSandboxOptions) {}

  /** Puts files (paths relative to the notebook's home directory) on the VM named `instance`. */
  files(instance: string, files: Readonly<Record<string, BoxFile>>): void {
    const home = this.home(instance);
    for (const [path, file] of Object.entries(files)) home.set(path, file);
  }

  /** What the VM's home directory holds now. */
  listing(instance: string): Map<string, BoxFile> {
    return new Map(this.home(instance));
  }

  /** An agent that never answers (an older box without it, or one that hangs). */
  silence(instance: string, on = true): void {
    if (on) this.silent.add(instance);
    else this.silent.delete(instance);
  }

  /** Every call to the sandbox is a moment in which the agents catch up; it answers nothing itself. */
  handle(_req: SandboxRequest): SandboxResponse | null {
    this.serve();
    return null;
  }

  /** Answers every request set in a running VM's metadata that was not answered yet. */
  serve(): void {
    for (const vm of this.options.compute.instances()) {
      if (vm.status !== 'RUNNING' || this.silent.has(vm.name)) continue;
      const text = vm.metadata.items?.find((i) => i.key === REQUEST_KEY)?.value;
      if (typeof text !== 'string' || this.answered.get(vm.name) === text) continue;
      this.answered.set(vm.name, text);
      let request: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) continue;
        request = parsed as Record<string, unknown>;
      } catch {
        continue;
      }
      const id = request.id;
      if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(id)) continue;
      this.requests.push({ instance: vm.name, request });
      const answer = request.action === 'package' ? this.package(vm.name, request) : request.action === 'copy' ? this.copy(vm.name, request) : refusal('BAD_REQUEST', 'unknown action');
      this.options.compute.setGuestAttribute(vm.name, `${NAMESPACE}/answer-${id}`, JSON.stringify({ id, ...answer }), vm.zone.split('/').pop());
    }
  }

  private home(instance: string): Map<string, BoxFile> {
    let home = this.homes.get(instance);
    if (home === undefined) {
      home = new Map(Object.entries(this.options.defaultFiles ?? {}));
      this.homes.set(instance, home);
    }
    return home;
  }

  private package(instance: string, req: Record<string, unknown>): Answer {
    const { dir, entry, bucket, object, maxBytes } = req;
    if (typeof dir !== 'string' || typeof entry !== 'string' || typeof bucket !== 'string' || typeof object !== 'string' || typeof maxBytes !== 'number') return refusal('BAD_REQUEST', 'missing fields');
    if (!insideHome(dir) || !insideHome(entry)) return refusal('BAD_PATH', 'outside the home directory');
    const root = dir === '.' || dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`;
    const inDir = [...this.home(instance).entries()].filter(([path]) => path.startsWith(root)).map(([path, file]) => [path.slice(root.length), file] as const);
    if (inDir.length === 0) return refusal('NO_DIRECTORY', `There is no directory ${dir} on the box.`);
    if (!inDir.some(([path]) => path === entry)) return refusal('NO_ENTRY', `${entry} is not in ${dir} on the box.`);
    const ignore = gitignore(inDir.find(([path]) => path === '.gitignore')?.[1]);
    const venvs = inDir.filter(([path]) => path.endsWith('/pyvenv.cfg') || path === 'pyvenv.cfg').map(([path]) => path.slice(0, -'pyvenv.cfg'.length));
    const kept: [string, number][] = [];
    const skipped = new Set<string>();
    for (const [path, file] of inDir) {
      const parts = path.split('/');
      const skippedAt = parts.findIndex((_, i) => {
        const sub = parts.slice(0, i + 1).join('/');
        const isDir = i < parts.length - 1;
        return (isDir && ALWAYS_SKIPPED.has(parts[i] ?? '')) || (isDir && venvs.includes(`${sub}/`)) || ignore(sub, parts[i] ?? '', isDir);
      });
      if (skippedAt >= 0) skipped.add(parts.slice(0, skippedAt + 1).join('/'));
      else kept.push([path, typeof file === 'string' ? Buffer.byteLength(file) : file.size]);
    }
    if (!kept.some(([path]) => path === entry)) return refusal('NO_ENTRY', `${entry} is left out by .gitignore; the job could not run it.`);
    const total = kept.reduce((sum, [, size]) => sum + size, 0);
    if (total > maxBytes) {
      const tops = new Map<string, number>();
      for (const [path, size] of kept) tops.set(path.split('/')[0] ?? path, (tops.get(path.split('/')[0] ?? path) ?? 0) + size);
      const largest = [...tops.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
      return refusal('TOO_BIG', `${dir} holds ${total} bytes to package; the limit is ${maxBytes}.`, { bytes: total, largest });
    }
    this.options.storage.put(bucket, object, gzipSync(JSON.stringify(kept)), 'application/gzip');
    const left = [...skipped].sort();
    return { ok: true, bytes: total, files: kept.length, skipped: left.slice(0, 20), skippedCount: left.length };
  }

  private copy(instance: string, req: Record<string, unknown>): Answer {
    const { bucket, prefix, to, id } = req;
    if (typeof bucket !== 'string' || typeof prefix !== 'string' || typeof to !== 'string' || typeof id !== 'string') return refusal('BAD_REQUEST', 'missing fields');
    if (!insideHome(to)) return refusal('BAD_PATH', 'outside the home directory');
    const objects = this.options.storage.list(bucket, prefix).filter((o) => o.name.length > prefix.length && !o.name.endsWith('/'));
    const home = this.home(instance);
    let bytes = 0;
    for (const o of objects) {
      home.set(`${to.replace(/\/+$/, '')}/${o.name.slice(prefix.length).replace(/^\/+/, '')}`, o.bytes.toString('utf8'));
      bytes += o.bytes.length;
    }
    this.copies.push({ instance, requestId: id, bucket, prefix, to, files: objects.map((o) => o.name) });
    return { ok: true, bytes, files: objects.length, skipped: [], skippedCount: 0 };
  }
}

function refusal(code: string, message: string, extra: Answer = {}): Answer {
  return { ok: false, code, message, ...extra };
}

function insideHome(path: string): boolean {
  return !path.startsWith('/') && !path.split('/').includes('..');
}

/** The plain patterns of a .gitignore (`name`, `*.ext`, `dir/`, `/rooted`); negations are not read, as the agent says. */
function gitignore(file: BoxFile | undefined): (path: string, name: string, isDir: boolean) => boolean {
  if (typeof file !== 'string') return () => false;
  const patterns = file
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('!'));
  return (path, name, isDir) =>
    patterns.some((p) => {
      const dirOnly = p.endsWith('/');
      if (dirOnly && !isDir) return false;
      const bare = p.replace(/\/+$/, '');
      const rooted = bare.startsWith('/');
      const pattern = rooted ? bare.slice(1) : bare;
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return rooted || pattern.includes('/') ? re.test(path) : re.test(name);
    });
}
