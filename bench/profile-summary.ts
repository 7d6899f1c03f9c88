/**
 * Where a tick's CPU time goes: reads a V8 CPU profile (bench/tick.ts with GPUBOT_BENCH_CPU_PROFILE=<dir>
 * writes one per tick) and prints self time by package (or gpubot's own file) and by function.
 *
 *   npx tsx bench/profile-summary.ts <dir>/tick-1.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** `node_modules/@scope/name/...` -> `@scope/name`; gpubot's own files by path; node's internals as one. */
function ownerOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1] !== undefined) {
    // The last node_modules in the path is the package that runs.
    const all = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
    return all.at(-1)?.[1] ?? match[1];
  }
  if (url.startsWith('node:')) return 'node:*';
  const dist = /\/dist\/(.+)$/.exec(url);
  return dist?.[1] !== undefined ? `gpubot ${dist[1]}` : url;
}

export function summarize(profile: Profile, top = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') {
      idle += us;
      continue;
    }
    const owner = ownerOf(node.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    const key = `${fn || '(anonymous)'} ${owner}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const total = profile.endTime - profile.startTime;
  const busy = total - idle;
  const lines = [`profile ${(total / 1000).toFixed(0)} ms, of which idle ${(idle / 1000).toFixed(0)} ms, on the CPU ${(busy / 1000).toFixed(0)} ms`, '', 'self time by package (ms):'];
  const sorted = (m: Map<string, number>): [string, number][] => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [owner, us] of sorted(byOwner)) lines.push(`  ${(us / 1000).toFixed(0).padStart(7)}  ${owner}`);
  lines.push('', 'self time by function (ms):');
  for (const [fn, us] of sorted(byFunction)) lines.push(`  ${(us / 1000).toFixed(0).padStart(7)}  ${fn}`);
  return lines;
}

if (process.argv[1]?.endsWith('profile-summary.ts') === true) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  for (const line of summarize(profile, Number(process.argv[3] ?? 25))) console.log(line);
}
