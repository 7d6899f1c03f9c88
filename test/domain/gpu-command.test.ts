import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_COMMAND_LENGTH,
  parseGpuCommand,
  type GpuCommand,
} from '../../src/domain/gpu-command.js';
import type { BoxRequest } from '../../src/domain/box-request.js';
import { GPU_COMMAND_ERROR_CODES } from '../../src/domain/gpu-flags.js';
import { makeRequest } from '../support/boxes.js';

function parsed(text: string): GpuCommand {
  const result = parseGpuCommand(text);
  assert.ok(result.ok, `${JSON.stringify(text)} should parse: ${result.ok ? '' : result.error.message}`);
  return result.value;
}

const request = makeRequest;

function up(overrides: Partial<BoxRequest> = {}): GpuCommand {
  return { kind: 'up', request: request(overrides) };
}

test('no text opens the form, and `up` without a name opens it too', () => {
  assert.deepEqual(parsed(''), { kind: 'form' });
  assert.deepEqual(parsed('   \n '), { kind: 'form' });
  assert.deepEqual(parsed('up'), { kind: 'up', request: null });
  assert.deepEqual(parsed('UP'), { kind: 'up', request: null });
});

test('/gpu up reads the name and flags, with defaults of one T4, 200 GB and no Spot', () => {
  const cases: [string, GpuCommand][] = [
    ['up exp42', up()],
    ['up exp42 --gpu a100', up({ gpu: 'a100' })],
    ['up exp42 --gpu=a100', up({ gpu: 'a100' })],
    ['up exp42 --gpu A100-40GB', up({ gpu: 'a100' })],
    ['up --gpu h100 exp42', up({ gpu: 'h100' })],
    ['up exp42 --gpu l4 --count 2', up({ gpu: 'l4', gpuCount: 2 })],
    ['up exp42 --count=4', up({ gpuCount: 4 })],
    ['up exp42 --machine n1-highmem-8', up({ machineType: 'n1-highmem-8' })],
    ['up exp42 --machine N1-HIGHMEM-8', up({ machineType: 'n1-highmem-8' })],
    ['up exp42 --zone us-central1-a', up({ zone: 'us-central1-a' })],
    ['up exp42 --region europe-west4', up({ region: 'europe-west4' })],
    ['up exp42 --disk 500', up({ diskGb: 500 })],
    ['up exp42 --disk 500GB', up({ diskGb: 500 })],
    ['up exp42 --disk=1000g', up({ diskGb: 1000 })],
    ['up exp42 --image pytorch-2-7-cu128-ubuntu-2204-nvidia-570', up({ imageFamily: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' })],
    ['up exp42 --spot', up({ spot: true })],
    ['up exp42 --spot=false', up()],
    ['up exp42 --spot --gpu v100 --count 8 --disk 300', up({ spot: true, gpu: 'v100', gpuCount: 8, diskGb: 300 })],
    ['up exp42 --gpu h100 --flex-start', up({ gpu: 'h100', flexStart: true })],
    ['up exp42 --gpu h100 --flex-start --max-run 8h', up({ gpu: 'h100', flexStart: true, flexMaxRunMs: 8 * 3_600_000 })],
    ['up exp42 --gpu h100 --max-run-duration=1d2h', up({ gpu: 'h100', flexMaxRunMs: 26 * 3_600_000 })],
    ['up exp42 --gpu h100 --max-run 4', up({ gpu: 'h100', flexMaxRunMs: 4 * 3_600_000 })],
    ['create exp42', up()],
    ['launch exp42 --gpu t4', up()],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test("Cloud Datalab's and gcloud's flag names work for /gpu up", () => {
  const cases: [string, GpuCommand][] = [
    [
      'up exp42 --machine-type n1-standard-16 --accelerator-type nvidia-tesla-t4 --accelerator-count 2 --disk-size-gb 300 --zone us-west1-b',
      up({ machineType: 'n1-standard-16', gpu: 't4', gpuCount: 2, diskGb: 300, zone: 'us-west1-b' }),
    ],
    ['up exp42 --accelerator=type=nvidia-tesla-v100,count=2', up({ gpu: 'v100', gpuCount: 2 })],
    ['up exp42 --accelerator "type=nvidia-l4"', up({ gpu: 'l4' })],
    ['up exp42 --boot-disk-size=250GB --image-family common-cu128-ubuntu-2204-nvidia-570', up({ diskGb: 250, imageFamily: 'common-cu128-ubuntu-2204-nvidia-570' })],
    ['up exp42 --preemptible', up({ spot: true })],
    ['up exp42 --machine_type=n1-standard-4', up({ machineType: 'n1-standard-4' })],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test('a machine type with built-in GPUs sets the GPU and count when the flags leave them open', () => {
  const cases: [string, GpuCommand][] = [
    ['up exp42 --machine a2-highgpu-4g', up({ machineType: 'a2-highgpu-4g', gpu: 'a100', gpuCount: 4 })],
    ['up exp42 --machine g2-standard-24', up({ machineType: 'g2-standard-24', gpu: 'l4', gpuCount: 2 })],
    ['up exp42 --gpu h100 --machine a3-highgpu-8g', up({ machineType: 'a3-highgpu-8g', gpu: 'h100', gpuCount: 8 })],
    // An explicit count is kept, so a disagreement reaches the checks that explain it.
    ['up exp42 --machine a2-highgpu-4g --count 2', up({ machineType: 'a2-highgpu-4g', gpu: 'a100', gpuCount: 2 })],
    // A GPU that does not match the machine keeps count 1; the machine check says what is wrong.
    ['up exp42 --gpu t4 --machine a2-highgpu-4g', up({ machineType: 'a2-highgpu-4g', gpu: 't4', gpuCount: 1 })],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test("Slack's curly quotes, long dashes and entities do not get in the way", () => {
  const cases: [string, GpuCommand][] = [
    ['up exp42 \u2014gpu a100', up({ gpu: 'a100' })],
    ['up exp42 \u2013count 2', up({ gpuCount: 2 })],
    ['up exp42 --image \u201Cpytorch-2-7-cu128-ubuntu-2204-nvidia-570\u201D', up({ imageFamily: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570' })],
    ['up\u00A0exp42\u00A0--gpu\u00A0l4', up({ gpu: 'l4' })],
    ['up exp42 \\\n --gpu l4', up({ gpu: 'l4' })],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test('repeating a flag with the same value is fine', () => {
  assert.deepEqual(parsed('up exp42 --gpu a100 --gpu A100'), up({ gpu: 'a100' }));
  assert.deepEqual(parsed('up exp42 --gpu t4 --accelerator-type nvidia-tesla-t4'), up());
});

test('list, stop, start, delete and connect read their words and aliases', () => {
  const cases: [string, GpuCommand][] = [
    ['list', { kind: 'list', all: false }],
    ['ls', { kind: 'list', all: false }],
    ['ps --all', { kind: 'list', all: true }],
    ['list -a', { kind: 'list', all: true }],
    ['list --all=false', { kind: 'list', all: false }],
    ['stop exp42', { kind: 'stop', name: 'exp42' }],
    ['down exp42', { kind: 'stop', name: 'exp42' }],
    ['halt exp42', { kind: 'stop', name: 'exp42' }],
    ['start exp42', { kind: 'start', name: 'exp42' }],
    ['resume exp42', { kind: 'start', name: 'exp42' }],
    ['delete exp42', { kind: 'delete', name: 'exp42' }],
    ['rm exp42', { kind: 'delete', name: 'exp42' }],
    ['destroy exp42', { kind: 'delete', name: 'exp42' }],
    ['connect exp42', { kind: 'connect', name: 'exp42' }],
    ['open exp42', { kind: 'connect', name: 'exp42' }],
    // Box names are lowercase, so case cannot point at a different box.
    ['STOP EXP42', { kind: 'stop', name: 'exp42' }],
    ['stop -- exp42', { kind: 'stop', name: 'exp42' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

test('help comes from `help`, `-h` or `--help` anywhere, for the subcommand it follows', () => {
  const cases: [string, GpuCommand][] = [
    ['help', { kind: 'help' }],
    ['?', { kind: 'help' }],
    ['-h', { kind: 'help' }],
    ['--help', { kind: 'help' }],
    ['help up', { kind: 'help', topic: 'up' }],
    ['help rm', { kind: 'help', topic: 'delete' }],
    ['help gpus', { kind: 'help', topic: 'gpus' }],
    ['help GPU', { kind: 'help', topic: 'gpus' }],
    ['--help up', { kind: 'help', topic: 'up' }],
    ['up --help', { kind: 'help', topic: 'up' }],
    ['up exp42 --gpu a100 -h', { kind: 'help', topic: 'up' }],
    ['up exp42 --gpus nonsense --help', { kind: 'help', topic: 'up' }],
    ['list -h', { kind: 'help', topic: 'list' }],
    ['rm exp42 --help', { kind: 'help', topic: 'delete' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parsed(text), expected, text);
});

/** [text, code, phrases the message must contain] */
const ERRORS: [string, string, string[]][] = [
  ['x'.repeat(MAX_COMMAND_LENGTH + 1), 'TOO_LONG', ['2001 characters', 'at most 2000']],
  ['up "exp42', 'UNBALANCED_QUOTE', ['never closed']],
  ['stpo exp42', 'UNKNOWN_SUBCOMMAND', ['`stpo`', 'Did you mean `/gpu stop`?', 'Subcommands: up, list']],
  ['lsit', 'UNKNOWN_SUBCOMMAND', ['Did you mean `/gpu list`?']],
  ['exp42', 'UNKNOWN_SUBCOMMAND', ['`/gpu up exp42`']],
  ['--gpu a100 exp42', 'UNKNOWN_SUBCOMMAND', ['Start with what to do', '/gpu up exp42 --gpu a100']],
  ['constructor', 'UNKNOWN_SUBCOMMAND', ['`constructor`']],
  ['help nonsense', 'UNKNOWN_TOPIC', ['`nonsense`', 'Topics: up, list']],
  ['help dleete', 'UNKNOWN_TOPIC', ['Did you mean `/gpu help delete`?']],
  ['up exp42 --gpus a100', 'UNKNOWN_FLAG', ["I don't know `--gpus`.", 'Did you mean `--gpu`?', '--gpu, --count, --machine']],
  ['up exp42 --mach n1-standard-8', 'UNKNOWN_FLAG', ['Did you mean `--machine`?']],
  ['up exp42 --idle-after 30m', 'UNKNOWN_FLAG', ['`--idle-after`']],
  ['up exp42 --__proto__ 1', 'UNKNOWN_FLAG', ['`--__proto__`']],
  ['up exp42 --constructor', 'UNKNOWN_FLAG', ['`--constructor`']],
  ['list --everyone', 'UNKNOWN_FLAG', ['`--everyone`', '`--all`']],
  ['stop exp42 --zone us-central1-a', 'UNKNOWN_FLAG', ['`/gpu stop` takes just a box name']],
  ['up exp42 --gpu', 'MISSING_VALUE', ['`--gpu` needs a value, like `--gpu a100`']],
  ['up exp42 --gpu=', 'MISSING_VALUE', ['`--gpu` needs a value']],
  ['up exp42 --gpu --count 2', 'MISSING_VALUE', ['`--gpu` needs a value']],
  ['up exp42 --zone ""', 'MISSING_VALUE', ['`--zone` needs a value, like `--zone us-central1-a`']],
  ['up exp42 --spot=maybe', 'BAD_VALUE', ['`--spot` is a switch']],
  ['up exp42 --accelerator nvidia-tesla-t4', 'BAD_VALUE', ['type=nvidia-tesla-t4,count=1']],
  ['up exp42 --accelerator type=nvidia-tesla-t4,size=2', 'BAD_VALUE', ['type=nvidia-tesla-t4,count=1']],
  ['up --gpu a100', 'MISSING_NAME', ['needs a box name', '`/gpu up exp42 --gpu a100`', 'alone to open the form']],
  ['stop', 'MISSING_NAME', ['`/gpu stop exp42`', '`/gpu list`']],
  ['rm', 'MISSING_NAME', ['`/gpu rm exp42`']],
  ['up Exp42', 'BAD_NAME', ['lowercase', '`exp42`']],
  ['up my_box', 'BAD_NAME', ['`_`', '`my-box`']],
  ['up 42exp', 'BAD_NAME', ['start with a letter', '`box-42exp`']],
  ['up exp-', 'BAD_NAME', ['end with a hyphen', '`exp`']],
  ['up exp.42', 'BAD_NAME', ['`.`', '`exp-42`']],
  ['up ' + 'a'.repeat(64), 'BAD_NAME', ['at most 63', 'has 64']],
  ['stop my_box', 'BAD_NAME', ['`my-box`']],
  ['up exp42 --count two', 'BAD_NUMBER', ['`--count` takes a whole number', '`two`']],
  ['up exp42 --count 0', 'BAD_NUMBER', ['1 or more']],
  ['up exp42 --count -1', 'BAD_NUMBER', ['`-1`']],
  ['up exp42 --count 1.5', 'BAD_NUMBER', ['`1.5`']],
  ['up exp42 --count 0x10', 'BAD_NUMBER', ['`0x10`']],
  ['up exp42 --count 1e309', 'BAD_NUMBER', ['`1e309`']],
  ['up exp42 --count NaN', 'BAD_NUMBER', ['`NaN`']],
  ['up exp42 --disk 1TB', 'BAD_NUMBER', ['size in GB', '`--disk 200`']],
  ['up exp42 --accelerator type=nvidia-l4,count=x', 'BAD_NUMBER', ['count=2']],
  ['up exp42 --gpu t4 --gpu a100', 'CONFLICTING_FLAGS', ['`--gpu t4` and `--gpu a100`', 'Keep one']],
  ['up exp42 --gpu t4 --accelerator-type nvidia-tesla-a100', 'CONFLICTING_FLAGS', ['`--accelerator-type nvidia-tesla-a100`']],
  ['up exp42 --count 1 --accelerator-count 2', 'CONFLICTING_FLAGS', ['GPU count']],
  ['up exp42 --spot --spot=false', 'CONFLICTING_FLAGS', ['Spot']],
  ['up exp42 --max-run soon', 'BAD_VALUE', ['`--max-run 8h`', '10 minutes to 7 days']],
  ['up exp42 --gpu a10', 'UNKNOWN_GPU', ['`a10`', 'Did you mean `a100`?', 'GPUs: t4, l4, v100, p100, a100, a100-80gb, h100']],
  ['up exp42 --accelerator-type nvidia-tesla-k80', 'UNKNOWN_GPU', ['`nvidia-tesla-k80`']],
  ['up exp42 a100', 'EXTRA_ARGUMENT', ['`a100` is one word too many', 'Did you mean `--gpu a100`?']],
  ['up exp42 2', 'EXTRA_ARGUMENT', ['Did you mean `--count 2`?']],
  ['up exp42 us-central1-a', 'EXTRA_ARGUMENT', ['Did you mean `--zone us-central1-a`?']],
  ['up exp42 n1-standard-8', 'EXTRA_ARGUMENT', ['Did you mean `--machine n1-standard-8`?']],
  ['up my box', 'EXTRA_ARGUMENT', ['no spaces', 'hyphens']],
  ['list mine', 'EXTRA_ARGUMENT', ['`mine`']],
  ['list all', 'EXTRA_ARGUMENT', ['Did you mean `--all`?']],
  ['stop exp42 exp43', 'EXTRA_ARGUMENT', ['One box at a time', '`exp43`']],
];

test('mistakes come back as errors with a stable code and a message that says what would work', () => {
  for (const [text, code, phrases] of ERRORS) {
    const result = parseGpuCommand(text);
    assert.equal(result.ok, false, `${text.slice(0, 60)} should be refused`);
    if (result.ok) continue;
    assert.equal(result.error.code, code, `${text.slice(0, 60)}: ${result.error.message}`);
    for (const phrase of phrases) {
      assert.ok(result.error.message.includes(phrase), `${text.slice(0, 60)}: ${JSON.stringify(result.error.message)} lacks ${phrase}`);
    }
  }
});

test('every documented error code is produced by some input, and no undocumented one is', () => {
  const seen = new Set(ERRORS.map(([, code]) => code));
  assert.deepEqual([...seen].sort(), [...GPU_COMMAND_ERROR_CODES].sort());
});

test('user text in messages is shortened and cannot become a Slack mention, link or broken code span', () => {
  const cases = [
    'up <@U123>',
    'up exp42 --gpu <!channel>',
    'up exp42 --<@U123|bob>',
    'up exp42 --count <http://evil.example|click>',
    'up exp42 --gpu `x`*bold*',
    `up exp42 --gpu ${'<@U1>'.repeat(50)}`,
    'up exp42 --gpu &lt;@U123&gt;',
    'up exp42 --gpu \u202Eevil',
  ];
  for (const text of cases) {
    const result = parseGpuCommand(text);
    assert.equal(result.ok, false, text);
    if (result.ok) continue;
    const { message } = result.error;
    assert.doesNotMatch(message, /</, `${text}: ${message}`);
    assert.equal((message.match(/`/g) ?? []).length % 2, 0, `${text}: unbalanced code spans in ${message}`);
    assert.doesNotMatch(message, /\u202E/);
    assert.ok(message.length < 300, `${text}: ${message.length} chars`);
  }
});

test('text of exactly the maximum length is read, one character more is refused', () => {
  const fits = `up exp42 --image ${'a'.repeat(MAX_COMMAND_LENGTH - 'up exp42 --image '.length)}`;
  assert.equal(fits.length, MAX_COMMAND_LENGTH);
  assert.equal(parseGpuCommand(fits).ok, true);
  const result = parseGpuCommand(`${fits}a`);
  assert.equal(result.ok ? null : result.error.code, 'TOO_LONG');
  // Characters are counted as people see them: 2000 emoji are 4000 UTF-16 units but still fit.
  const emoji = parseGpuCommand('🚀'.repeat(MAX_COMMAND_LENGTH));
  assert.ok(emoji.ok || emoji.error.code !== 'TOO_LONG');
});

test('idle flags: --idle takes a duration or off (Datalab’s --idle-timeout too), --hours a number of hours; keep takes a name and a length', () => {
  const up = (text: string) => {
    const c = parsed(text);
    assert.ok(c.kind === 'up' && c.request !== null);
    return c.request;
  };
  assert.equal(up('up a --idle 90m').idleWindowMs, 90 * 60_000);
  assert.equal(up('up a --idle off').idleWindowMs, null);
  assert.equal(up('up a --idle-timeout 2h').idleWindowMs, 2 * 3_600_000);
  assert.equal(up('up a --hours 8').maxRunningMs, 8 * 3_600_000);
  assert.equal(up('up a').idleWindowMs, undefined, 'absent: the configured default');
  assert.deepEqual(parsed('keep exp42'), { kind: 'keep', name: 'exp42', forMs: null });
  assert.deepEqual(parsed('keep exp42 2h'), { kind: 'keep', name: 'exp42', forMs: 2 * 3_600_000 });
  for (const bad of ['up a --idle soon', 'up a --hours lots', 'keep exp42 forever', 'keep']) {
    const result = parseGpuCommand(bad);
    assert.equal(result.ok, false, `${bad} should be refused`);
    assert.ok(!result.ok && result.error.message.length > 0);
  }
});
