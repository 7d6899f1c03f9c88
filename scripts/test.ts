/**
 * Runs the whole suite: starts one Firestore emulator for every test file (each test uses its own
 * project id, so tests never see each other's data), then node's test runner with the network guard.
 * Usage: tsx scripts/test.ts [test files or folders...]
 * GPUBOT_TEST_NODES=/path/a/node:/path/b/node runs the suite once on each of those Node binaries
 * against the same emulator (.ci/run passes the machine's Node and the container's).
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
const env = { ...process.env, FIRESTORE_EMULATOR_HOST: emulator.host, GPUBOT_TEST_FIRESTORE: emulator.kind, METADATA_SERVER_DETECTION: 'none' };

interface Run {
  version: string;
  code: number;
  seconds: number;
  /** Empty when the run passed. */
  failures: string;
}

/**
 * One run of the suite on one Node. One after the other by default. GPUBOT_TEST_NODES_AT_ONCE=1 runs
 * them at the same time (the suite mostly waits on servers and timers: two runs one after the other
 * took 4.2 min of CPU in 13.5 min on a busy machine), but then the tests that must answer inside
 * Slack's ack deadline failed on that machine, so it is not the default. Only the first run streams
 * its report; the others print theirs whole when they end, so reports never interleave.
 */
async function runOn(node: string, live: boolean): Promise<Run> {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const started = Date.now();
  // The spec reporter by name: piped, Node 20 would otherwise pick TAP.
  const args = ['--import', 'tsx', '--import', './test/support/network-guard.ts', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files];
  const child = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output: Buffer[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk);
    if (live) process.stdout.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number>((resolve) => child.once('close', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
  const text = Buffer.concat(output).toString('utf8');
  if (!live) {
    console.log(`\n---- the suite on Node ${version} (${node}) ----`);
    process.stdout.write(text);
  }
  return { version, code, seconds: Math.round((Date.now() - started) / 1000), failures: code === 0 ? '' : whatFailed(text) };
}

/**
 * What a failed run's report says went wrong, to print again at the very end: a CI log may keep only
 * its tail, and with two Nodes the first one's failures would otherwise be far above it. The spec
 * reporter ends with a "failing tests:" section; without one (a crash outside any test) the report's
 * last lines are what there is.
 */
function whatFailed(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.includes('failing tests:'));
  const picked = start >= 0 ? lines.slice(start) : lines.slice(-60);
  return picked.slice(0, 200).join('\n');
}

const binaries = nodes.length > 0 ? nodes : [process.execPath];
const results: Run[] = [];
if (process.env.GPUBOT_TEST_NODES_AT_ONCE === '1' && binaries.length > 1) {
  console.log(`The suite on ${binaries.length} Nodes at once; the first one's report follows live, the others' when they end: ${binaries.join(', ')}`);
  results.push(...(await Promise.all(binaries.map((node, i) => runOn(node, i === 0)))));
} else {
  for (const node of binaries) {
    console.log(`The suite on ${node}`);
    results.push(await runOn(node, true));
  }
}
await emulator.stop();
if (results.length > 1) {
  for (const r of results) console.log(`Node ${r.version}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
}
for (const r of results.filter((run) => run.failures !== '')) console.log(`\n---- what failed on Node ${r.version} ----\n${r.failures}`);
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
