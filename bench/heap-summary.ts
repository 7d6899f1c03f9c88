/**
 * What a heap snapshot holds, by constructor and by kind: the sizes V8 counts for each object itself
 * (not what it keeps alive), summed, largest first. To find what the worker's tick leaves in memory:
 *   GPUBOT_BENCH_HEAP_SNAPSHOT=/tmp/heap npx tsx bench/tick.ts
 *   npx tsx bench/heap-summary.ts /tmp/heap/tick-1.heapsnapshot
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

function main(): void {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: npx tsx bench/heap-summary.ts <file.heapsnapshot> [rows]\n');
    process.exit(2);
  }
  const rows = Number(process.argv[3] ?? 40);
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const byName = new Map<string, { size: number; count: number }>();
  const byType = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const size = snap.nodes[i + sizeAt] ?? 0;
    // Strings and code are grouped by kind; their names are their contents.
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?'}` : type;
    const entry = byName.get(name) ?? { size: 0, count: 0 };
    entry.size += size;
    entry.count++;
    byName.set(name, entry);
    byType.set(type, (byType.get(type) ?? 0) + size);
    total += size;
  }
  const mb = (n: number): string => (n / 1e6).toFixed(1).padStart(8);
  process.stdout.write(`${file}: ${mb(total)} MB in ${snap.snapshot.node_count} objects\n\nby kind (MB):\n`);
  for (const [type, size] of [...byType].sort((a, b) => b[1] - a[1])) process.stdout.write(`${mb(size)}  ${type}\n`);
  process.stdout.write('\nby constructor (MB, count):\n');
  for (const [name, e] of [...byName].sort((a, b) => b[1].size - a[1].size).slice(0, rows)) process.stdout.write(`${mb(e.size)}  ${String(e.count).padStart(8)}  ${name}\n`);
}

main();
