/**
 * Runs the whole suite: starts one Firestore emulator for every test file (each test uses its own
 * project id, so tests never see each other's data), then node's test runner with the network guard.
 * Usage: tsx scripts/test.ts [test files or folders...]
 * GPUBOT_TEST_NODES=/path/a/node:/path/b/node runs the suite once on each of those Node binaries, one
 * after the other against the same emulator (.ci/run passes the machine's Node and the container's).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFirestoreEmulator } from '../src/sandbox/firestore-emulator.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return testFiles(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
const files = (args.length > 0 ? args : ['test']).flatMap((arg) => (statSync(arg).isDirectory() ? testFiles(arg) : [arg]));
const prefer = process.env.GPUBOT_TEST_FIRESTORE === 'lite' ? 'lite' : 'auto';
const emulator = await startFirestoreEmulator({ prefer, onNote: (line) => console.log(line) });
console.log(`Firestore: ${emulator.kind === 'official' ? 'official emulator' : 'in-process npm emulator'} at ${emulator.host}`);

const nodes = (process.env.GPUBOT_TEST_NODES ?? '').split(':').filter(Boolean);
const results: { node: string; version: string; code: number; seconds: number }[] = [];
for (const node of nodes.length > 0 ? nodes : [process.execPath]) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`Node ${version} (${node})`);
  const started = Date.now();
  const child = spawn(node, ['--import', 'tsx', '--import', './test/support/network-guard.ts', '--test', '--test-concurrency=2', ...files], {
    stdio: 'inherit',
    env: {
      ...process.env,
      FIRESTORE_EMULATOR_HOST: emulator.host,
      GPUBOT_TEST_FIRESTORE: emulator.kind,
      METADATA_SERVER_DETECTION: 'none',
    },
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  results.push({ node, version, code, seconds: Math.round((Date.now() - started) / 1000) });
}
await emulator.stop();
if (results.length > 1) {
  for (const r of results) console.log(`Node ${r.version}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
