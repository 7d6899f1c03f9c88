import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TRAIN_COMMAND_LENGTH, parseTrainCommand, type Parsed } from '../../src/domain/train-command.js';
import { customJobFor as toCustomJob } from '../support/jobs.js';
import { HOSTILE, VALUES, pick, prng } from '../support/hostile-commands.js';

const SUBCOMMANDS = ['submit', 'SUBMIT', 'run', 'list', 'ls', 'status', 'cancel', 'logs', 'help', '?', 'gcloud', 'ai-platform', 'ai', 'sumbit', 'constructor', '__proto__', 'toString', ''];
const FLAGS = [
  '--region', '--scale-tier', '--master-machine-type', '--master-accelerator', '--master-image-uri', '--worker-machine-type',
  '--worker-count', '--worker-accelerator', '--parameter-server-count', '--packages', '--python-package-uris', '--module-name',
  '--job-dir', '--runtime-version', '--python-version', '--labels', '--display-name', '--worker-pool-spec', '--args', '--command',
  '--config', '--package-path', '--project', '--stream-logs', '--service-account', '--all', '-a', '-h', '--help', '--', '-', '--=',
  '--__proto__', '--constructor', '\u2014region', '\u2013scale-tier', '--REGION', '--module_name', '--hasOwnProperty',
];
const TRAIN_VALUES = [
  'us-central1', 'europe-west4', 'us-central1-a', 'global', 'BASIC', 'basic_gpu', 'STANDARD_1', 'PREMIUM_1', 'CUSTOM', 'BASIC_TPU',
  'n1-standard-8', 'n1-standard-16', 'a2-highgpu-1g', 'g2-standard-8', 'f1-micro', 'count=1,type=nvidia-tesla-t4',
  'type=NVIDIA_L4,count=2', 'type=nvidia-tesla-k80', 'type=TPU_V2', 'count=,type=', 'gs://ml-lab-bkt/t.tar.gz', 'gs://x', './dist/t.tgz',
  'trainer.task', 'trainer/task.py', '2.11', '2.10', '1.15', '3.7', '3.10', '2.7', 'tf-gpu.2-11.py310', 'gcr.io/p/img:1',
  'machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,executor-image-uri=tf-gpu.2-11.py310,python-module=trainer.task',
  'machine-type=a2-highgpu-1g,container-image-uri=gcr.io/p/i', 'machine-type=n1-standard-4,replica-count=0', 'machine=x',
  'team=vision', 'Team=X', 'managed-by=x', 'a=b,,c=', '$JOB', '${BUCKET}', '--epochs=1,--lr=2', 'my_job', 'census_1', '9lives',
];
const PASTED = ['gcloud ai-platform jobs submit training', 'gcloud ai custom-jobs create', 'gcloud beta ai custom-jobs create', 'gcloud ml-engine jobs submit training', '$ gcloud ai-platform jobs submit training', 'gcloud compute instances create'];

const PKG = 'gs://ml-lab-bkt/trainer-0.1.tar.gz';
const VALID = [
  `submit census_1 --scale-tier BASIC_GPU --module-name trainer.task --packages ${PKG} --runtime-version 2.11`,
  `submit big --scale-tier STANDARD_1 --module-name trainer.task --packages ${PKG} --runtime-version 1.15 --region europe-west4`,
  `gcloud ai-platform jobs submit training j1 --master-machine-type n1-standard-8 --master-accelerator count=2,type=nvidia-tesla-t4 --packages ${PKG} --module-name t.task --runtime-version 2.8`,
  `gcloud ai custom-jobs create --region=us-east4 --display-name=bert --python-package-uris=${PKG} --worker-pool-spec=machine-type=a2-highgpu-1g,executor-image-uri=pytorch-gpu.2-4.py310,python-module=trainer.task`,
  'submit boxed --worker-pool-spec=machine-type=g2-standard-8,container-image-uri=us-docker.pkg.dev/p/r/i:1 --worker-pool-spec=machine-type=n1-standard-4,replica-count=2,container-image-uri=us-docker.pkg.dev/p/r/i:1',
];

function piece(rand: () => number): string {
  const r = rand();
  if (r < 0.1) return pick(rand, SUBCOMMANDS);
  if (r < 0.35) return pick(rand, FLAGS);
  if (r < 0.5) return `${pick(rand, FLAGS)}=${pick(rand, [...TRAIN_VALUES, ...VALUES])}`;
  if (r < 0.7) return pick(rand, rand() < 0.7 ? TRAIN_VALUES : VALUES);
  if (r < 0.93) return pick(rand, HOSTILE);
  // Random code units, lone surrogates included.
  return Array.from({ length: 1 + Math.floor(rand() * 8) }, () => String.fromCharCode(Math.floor(rand() * 0x10000))).join('');
}

function trainCommand(rand: () => number, i: number): string {
  // A few enormous inputs, some around the length limit, the rest ordinary lengths.
  if (i % 97 === 0) {
    const unit = pick(rand, ['x', '"', '<@U1>', 'submit ', '\\', '🚀', '--labels a=b ', 'gcloud ai ']);
    const length = 1 + Math.floor(rand() * 100_000);
    return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
  }
  if (i % 89 === 0) return `submit j --module-name trainer.task --args=${'a'.repeat(MAX_TRAIN_COMMAND_LENGTH - 60 + Math.floor(rand() * 120))}`;
  const glue = () => pick(rand, [' ', ' ', ' ', '', '\t', '\n', ' \\\n  ', '\u00A0', '  ']);
  const parts: string[] = [];
  if (rand() < 0.25) {
    // A command that is right, with hostile trainer arguments after `--` (passed through as they are).
    parts.push(pick(rand, VALID));
    if (rand() < 0.5) parts.push(`--labels=${pick(rand, ['team=vision', 'exp=42', 'a=b,c=d'])}`);
    parts.push('--');
    const n = Math.floor(rand() * 5);
    for (let k = 0; k < n; k++) parts.push(`'${pick(rand, [...HOSTILE, ...VALUES]).replace(/'/g, '')}'`);
    return parts.join(' ');
  }
  if (rand() < 0.6) {
    // Mostly well-formed: a real start, a name, then flag/value pairs with the odd hostile word.
    parts.push(rand() < 0.3 ? pick(rand, PASTED) : pick(rand, ['submit', 'submit', 'submit', 'list', 'status', 'cancel', 'logs']));
    parts.push(rand() < 0.8 ? pick(rand, ['census_1', 'my-job', 'j']) : pick(rand, [...TRAIN_VALUES, ...HOSTILE]));
    const pairs = Math.floor(rand() * 7);
    for (let k = 0; k < pairs; k++) {
      if (rand() < 0.15) parts.push(piece(rand));
      else if (rand() < 0.5) parts.push(`${pick(rand, FLAGS)}=${pick(rand, TRAIN_VALUES)}`);
      else parts.push(pick(rand, FLAGS), pick(rand, TRAIN_VALUES));
    }
    if (rand() < 0.2) parts.push('--', piece(rand), piece(rand));
    return parts.reduce((text, part) => (text === '' ? part : text + glue() + part), '');
  }
  parts.push(rand() < 0.7 ? pick(rand, SUBCOMMANDS) : '');
  const n = Math.floor(rand() * 12);
  for (let k = 0; k < n; k++) parts.push(piece(rand));
  return parts.reduce((text, part) => text + glue() + part, '');
}

function assertSafeAnswer(input: string, result: Parsed<unknown>): void {
  assert.equal(typeof result.ok, 'boolean');
  if (result.ok) return;
  const { code, message } = result.error;
  const at = JSON.stringify(input.slice(0, 80));
  assert.match(code, /^[A-Z_]+$/, at);
  assert.ok(message.trim().length > 0, `${at}: empty message`);
  assert.ok(message.length < 500, `${at}: ${message.length} chars: ${message}`);
  assert.ok(!message.includes('<'), `${at}: raw < in ${message}`);
  assert.equal((message.match(/`/g) ?? []).length % 2, 0, `${at}: unbalanced code spans in ${message}`);
  assert.doesNotMatch(message, /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]|\p{Cs}/u, `${at}: control characters in ${message}`);
}

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;

test('1,000 random and hostile /train strings each get ok or a safe error; none throws', () => {
  const rand = prng(0x7a11c0de);
  let oks = 0;
  let submits = 0;
  const codes = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const input = trainCommand(rand, i);
    let result: ReturnType<typeof parseTrainCommand>;
    try {
      result = parseTrainCommand(input, { today: '2024-06-01' });
    } catch (error) {
      assert.fail(`${JSON.stringify(input.slice(0, 80))} threw ${String(error)}`);
    }
    assertSafeAnswer(input, result);
    if (!result.ok) {
      codes.add(result.error.code);
      continue;
    }
    oks++;
    const value = result.value;
    if (value.kind !== 'submit' || value.request === null) continue;
    submits++;
    for (const note of value.request.notes) {
      assert.ok(!note.includes('<') && note.length < 500, `${JSON.stringify(input.slice(0, 80))}: note ${note}`);
    }
    let body: ReturnType<typeof toCustomJob>['body'];
    try {
      body = toCustomJob(value.request, { project: 'p', owner: 'U1', jobId: 'rec-1', defaultRegion: 'us-central1' }).body;
    } catch (error) {
      assert.fail(`toCustomJob of ${JSON.stringify(input.slice(0, 80))} threw ${String(error)}`);
    }
    const labels = Object.entries(body.labels);
    assert.ok(labels.length <= 64);
    for (const [k, v] of labels) assert.ok(LABEL_KEY.test(k) && LABEL_VALUE.test(v), `label ${k}=${v}`);
    const [chief] = body.jobSpec.workerPoolSpecs;
    assert.ok(chief !== undefined && 'machineSpec' in chief && chief.replicaCount === '1', `chief of ${JSON.stringify(input.slice(0, 80))}`);
  }
  // A run where everything is refused would not exercise the happy paths at all.
  assert.ok(oks > 100, `only ${oks} of 1000 parsed`);
  assert.ok(submits > 10, `only ${submits} whole submits`);
  assert.ok(codes.size > 15, `only ${codes.size} different refusals: ${[...codes].join(', ')}`);
});
