import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGpuCommand, type Parsed } from '../../src/domain/gpu-command.js';
import { isValidBoxName, resolveBoxSpec, type BoxContext } from '../../src/domain/box-request.js';
import { splitShellWords } from '../../src/domain/shell-words.js';

/** mulberry32: a small seeded PRNG, so every run tries the same strings and a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBCOMMANDS = ['up', 'UP', 'list', 'ls', 'stop', 'down', 'start', 'delete', 'rm', 'connect', 'help', '?', 'upp', 'constructor', '__proto__', 'toString', ''];
const FLAGS = [
  '--gpu', '--gpus', '--count', '--machine', '--machine-type', '--accelerator-type', '--accelerator-count', '--zone',
  '--region', '--disk', '--disk-size-gb', '--image', '--spot', '--preemptible', '--accelerator', '--all', '-a', '-h',
  '--help', '--', '-', '---', '--=', '--gpu=', '--count=', '--zone=', '--spot=', '--__proto__', '--constructor',
  '\u2014gpu', '\u2013count', '--GPU', '--machine_type', '-gpu', '--hasOwnProperty',
];
const VALUES = [
  't4', 'a100', 'A100', 'a100-80gb', 'h100', 'nvidia-tesla-t4', 'NVIDIA_L4', 'k80', '1', '2', '8', '16', '0', '-1', '1e309',
  '0x10', 'NaN', 'Infinity', '-0', '1.5', '\uFF12', '99999999999999999999', '200GB', 'n1-standard-8', 'a2-highgpu-4g',
  'g2-standard-24', 'f1-micro', 'us-central1-a', 'us-central1', 'europe-west4-b', 'type=nvidia-tesla-t4,count=2',
  'type=,count=', 'exp42', 'Exp42', 'my_box', 'a'.repeat(63), 'a'.repeat(64), '', 'true', 'false', 'maybe',
];
const HOSTILE = [
  '<@U123>', '<@U123|bob>', '<!channel>', '<!here>', '<!subteam^S1>', '<#C123|general>', '<http://x|y>', '<http://evil.example>',
  '&lt;@U1&gt;', '&amp;', '&lt;!channel&gt;', '`', '```', '``code``', '"', "'", '\u201C', '\u201D', '\u2018', '\u2019',
  '\\', '\\\n', '\u202E', '\u200F', '\u200B', '\u2066', '\uFEFF', '\u0000', '\u0007', '\u001B[31m', '\u007F', '\u0085',
  '\uD800', '\uDFFF', '🚀', '👨‍👩‍👧', '🇩🇪', 'é', 'e\u0301', 'שלום', 'مرحبا', '漢字', '\u00A0', '\t', '\n', '\r\n',
  '\u2028', '*bold*', '_it_', '~s~', '>quote', '$(rm -rf /)', '${x}', '%s', '{{x}}',
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function piece(rand: () => number): string {
  const r = rand();
  if (r < 0.15) return pick(rand, SUBCOMMANDS);
  if (r < 0.4) return pick(rand, FLAGS);
  if (r < 0.55) return `${pick(rand, FLAGS)}=${pick(rand, VALUES)}`;
  if (r < 0.75) return pick(rand, VALUES);
  if (r < 0.95) return pick(rand, HOSTILE);
  // Random code units, lone surrogates included.
  return Array.from({ length: 1 + Math.floor(rand() * 8) }, () => String.fromCharCode(Math.floor(rand() * 0x10000))).join('');
}

function command(rand: () => number, i: number): string {
  // A few enormous inputs, some just around the length limit, the rest ordinary lengths.
  if (i % 97 === 0) {
    const unit = pick(rand, ['x', '"', '<@U1>', 'up ', '\\', '🚀', 'up exp42 --gpu ']);
    const length = 1 + Math.floor(rand() * 100_000);
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  }
  if (i % 89 === 0) return `up exp42 --image ${'a'.repeat(1975 + Math.floor(rand() * 50))}`;
  const glue = () => pick(rand, [' ', ' ', ' ', '', '\t', '\n', '\u00A0', '  ']);
  const parts: string[] = [];
  if (rand() < 0.6) {
    // Mostly well-formed: a real subcommand, a name, then flag/value pairs with the odd hostile word.
    parts.push(pick(rand, ['up', 'up', 'up', 'list', 'stop', 'delete', 'connect']));
    parts.push(rand() < 0.8 ? 'exp42' : pick(rand, [...VALUES, ...HOSTILE]));
    const pairs = Math.floor(rand() * 5);
    for (let k = 0; k < pairs; k++) {
      if (rand() < 0.15) parts.push(piece(rand));
      else if (rand() < 0.5) parts.push(`${pick(rand, FLAGS)}=${pick(rand, VALUES)}`);
      else parts.push(pick(rand, FLAGS), pick(rand, VALUES));
    }
    return parts.join(' ');
  }
  parts.push(rand() < 0.7 ? pick(rand, SUBCOMMANDS) : '');
  const n = Math.floor(rand() * 12);
  for (let k = 0; k < n; k++) parts.push(piece(rand));
  return parts.reduce((text, part) => text + glue() + part, '');
}

const ctx: BoxContext = {
  defaultRegion: 'us-central1',
  allowedRegions: ['us-central1', 'europe-west4'],
  zonesOffering: (type) => (type === 'nvidia-h100-80gb' ? ['us-central1-a'] : ['us-central1-a', 'us-central1-b', 'europe-west4-a']),
};

function assertSafeAnswer(input: string, result: Parsed<unknown>): void {
  assert.equal(typeof result.ok, 'boolean');
  if (result.ok) return;
  const { code, message } = result.error;
  const at = JSON.stringify(input.slice(0, 80));
  assert.match(code, /^[A-Z_]+$/, at);
  assert.ok(message.trim().length > 0, `${at}: empty message`);
  assert.ok(message.length < 500, `${at}: ${message.length} chars`);
  assert.ok(!message.includes('<@') && !message.includes('<!') && !message.includes('<#'), `${at}: ${message}`);
  assert.ok(!message.includes('<'), `${at}: raw < in ${message}`);
  assert.equal((message.match(/`/g) ?? []).length % 2, 0, `${at}: unbalanced code spans in ${message}`);
  assert.doesNotMatch(message, /[\u0000-\u0008\u000B-\u001F\u202A-\u202E\u2066-\u2069]|\p{Cs}/u, `${at}: control characters in ${message}`);
}

test('1,000 random and hostile command strings each get a safe answer, and none throws', () => {
  const rand = prng(0x9e3779b9);
  let oks = 0;
  for (let i = 0; i < 1000; i++) {
    const input = command(rand, i);
    let result: ReturnType<typeof parseGpuCommand>;
    try {
      result = parseGpuCommand(input);
      splitShellWords(input);
    } catch (error) {
      assert.fail(`${JSON.stringify(input.slice(0, 80))} threw ${String(error)}`);
    }
    assertSafeAnswer(input, result);
    if (!result.ok) continue;
    oks++;
    const value = result.value;
    if (value.kind === 'stop' || value.kind === 'start' || value.kind === 'delete' || value.kind === 'connect') {
      assert.ok(isValidBoxName(value.name), value.name);
    }
    if (value.kind === 'up' && value.request !== null) {
      assert.ok(isValidBoxName(value.request.name), value.request.name);
      let spec: ReturnType<typeof resolveBoxSpec>;
      try {
        spec = resolveBoxSpec(value.request, ctx);
      } catch (error) {
        assert.fail(`resolving ${JSON.stringify(value.request)} threw ${String(error)}`);
      }
      assertSafeAnswer(input, spec);
    }
  }
  // A fuzz run where everything is refused would not exercise the happy paths at all.
  assert.ok(oks > 100, `only ${oks} of 1000 parsed`);
});

test('resolveBoxSpec answers safely for requests no parser would produce', () => {
  const rand = prng(42);
  const garbage = [...VALUES, ...HOSTILE, 'x'.repeat(5000)];
  const numbers = [0, -1, 1, 2, 3, 4, 8, 16, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, 1e309];
  for (let i = 0; i < 300; i++) {
    const request = {
      name: pick(rand, garbage),
      gpu: pick(rand, ['t4', 'l4', 'v100', 'p100', 'a100', 'a100-80gb', 'h100', 'k80', '__proto__', 'toString']),
      gpuCount: pick(rand, numbers),
      machineType: rand() < 0.5 ? null : pick(rand, garbage),
      zone: rand() < 0.5 ? null : pick(rand, garbage),
      region: rand() < 0.5 ? null : pick(rand, garbage),
      diskGb: pick(rand, [...numbers, 200, 50, 4000, 4001]),
      imageFamily: rand() < 0.5 ? null : pick(rand, garbage),
      spot: rand() < 0.5,
    } as Parameters<typeof resolveBoxSpec>[0];
    // Half the time the name is valid so the later checks get their turn.
    if (rand() < 0.5) request.name = 'exp42';
    let result: ReturnType<typeof resolveBoxSpec>;
    try {
      result = resolveBoxSpec(request, ctx);
    } catch (error) {
      assert.fail(`${JSON.stringify(request)} threw ${String(error)}`);
    }
    assertSafeAnswer(JSON.stringify(request), result);
  }
});
