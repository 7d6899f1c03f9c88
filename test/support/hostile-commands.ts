/**
 * Random and hostile `/gpu` command strings, from a seeded generator so every run tries the same ones
 * and a failure can be replayed. Used by the parser fuzz test and by the end-to-end one over HTTP.
 */

/** mulberry32: a small seeded PRNG, so every run tries the same strings and a failure can be replayed. */
export function prng(seed: number): () => number {
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
export const VALUES = [
  't4', 'a100', 'A100', 'a100-80gb', 'h100', 'nvidia-tesla-t4', 'NVIDIA_L4', 'k80', '1', '2', '8', '16', '0', '-1', '1e309',
  '0x10', 'NaN', 'Infinity', '-0', '1.5', '\uFF12', '99999999999999999999', '200GB', 'n1-standard-8', 'a2-highgpu-4g',
  'g2-standard-24', 'f1-micro', 'us-central1-a', 'us-central1', 'europe-west4-b', 'type=nvidia-tesla-t4,count=2',
  'type=,count=', 'exp42', 'Exp42', 'my_box', 'a'.repeat(63), 'a'.repeat(64), '', 'true', 'false', 'maybe',
];
export const HOSTILE = [
  '<@U123>', '<@U123|bob>', '<!channel>', '<!here>', '<!subteam^S1>', '<#C123|general>', '<http://x|y>', '<http://evil.example>',
  '&lt;@U1&gt;', '&amp;', '&lt;!channel&gt;', '`', '```', '``code``', '"', "'", '\u201C', '\u201D', '\u2018', '\u2019',
  '\\', '\\\n', '\u202E', '\u200F', '\u200B', '\u2066', '\uFEFF', '\u0000', '\u0007', '\u001B[31m', '\u007F', '\u0085',
  '\uD800', '\uDFFF', '🚀', '👨‍👩‍👧', '🇩🇪', 'é', 'e\u0301', 'שלום', 'مرحبا', '漢字', '\u00A0', '\t', '\n', '\r\n',
  '\u2028', '*bold*', '_it_', '~s~', '>quote', '$(rm -rf /)', '${x}', '%s', '{{x}}',
];

export function pick<T>(rand: () => number, items: readonly T[]): T {
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

export function hostileCommand(rand: () => number, i: number): string {
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


/** `count` commands from `seed`. */
export function hostileCommands(count: number, seed = 20261127): string[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, i) => hostileCommand(rand, i));
}
