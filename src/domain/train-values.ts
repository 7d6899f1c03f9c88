/**
 * What every way of writing `/train submit` shares: the stable error codes, the flag fields and their
 * examples, and the checks of each value (names, regions, Cloud Storage URIs, images, labels, GPUs).
 */
import type { Parsed, UserError } from './result.js';
import type { TrainDisk, TrainPool, TrainTask } from './job-plan.js';
import { countChars } from './command-words.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import {
  TRAINING_IMAGE_ERROR_CODES,
  TRAINING_IMAGE_NAMES,
  TRAINING_IMAGE_REGISTRY,
  imageByName,
  retiredImageError,
  type PoolRole,
} from './training-images.js';
import {
  k80Note,
  planMachine,
  readAccelerator,
  type TrainingGpu,
  type VertexAccelerator,
} from './training-machines.js';

/** Stable codes `parseTrainCommand` answers with. */
export const TRAIN_COMMAND_ERROR_CODES = [
  'TOO_LONG',
  'UNBALANCED_QUOTE',
  'UNKNOWN_SUBCOMMAND',
  'UNKNOWN_TOPIC',
  'UNKNOWN_FLAG',
  'UNSUPPORTED_FLAG',
  'MISSING_VALUE',
  'BAD_VALUE',
  'BAD_NUMBER',
  'MISSING_NAME',
  'BAD_NAME',
  'EXTRA_ARGUMENT',
  'CONFLICTING_FLAGS',
  'NOT_A_TRAINING_COMMAND',
  'UNEXPANDED_VARIABLE',
  'BAD_REGION',
  'BAD_LABEL',
  'RESERVED_LABEL',
  'TOO_MANY_LABELS',
  'BAD_URI',
  'LOCAL_PATH',
  'MISSING_MACHINE',
  'MISSING_MODULE',
  'MISSING_PACKAGE',
  'MISSING_RUNTIME',
  'MISSING_IMAGE',
  'BAD_WORKER_POOL',
  'BAD_REPLICAS',
  'BAD_DISK',
  ...TRAINING_IMAGE_ERROR_CODES,
] as const;
export type TrainCommandErrorCode = (typeof TRAIN_COMMAND_ERROR_CODES)[number];

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function fail(code: TrainCommandErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

/** A whole number as people type it (`2`, `２`), or null. */
export function parseWhole(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}


export type Style = 'ml' | 'vertex' | 'any';

export type Field =
  | 'region'
  | 'labels'
  | 'jobDir'
  | 'displayName'
  | 'project'
  | 'ignored'
  | 'staging'
  | 'scaleTier'
  | 'masterMachine'
  | 'masterAccelerator'
  | 'masterImage'
  | 'workerMachine'
  | 'workerCount'
  | 'workerAccelerator'
  | 'workerImage'
  | 'psMachine'
  | 'psCount'
  | 'psAccelerator'
  | 'psImage'
  | 'packages'
  | 'moduleName'
  | 'runtime'
  | 'python'
  | 'workerPoolSpec'
  | 'args'
  | 'command'
  | 'localPath'
  | 'configFile';

export interface FlagSpec {
  field: Field;
  kind: 'text' | 'bool';
  /** ML Engine's flags and Vertex AI's describe the machines in two ways that cannot be mixed. */
  style: Style;
}


export const EXAMPLES: Readonly<Record<Field, string>> = {
  region: 'us-central1',
  labels: 'team=vision,exp=42',
  jobDir: 'gs://my-bucket/jobs/exp42',
  displayName: 'my_job',
  project: 'my-project',
  ignored: 'true',
  staging: 'gs://my-bucket',
  scaleTier: 'BASIC_GPU',
  masterMachine: 'n1-standard-8',
  masterAccelerator: 'count=1,type=nvidia-tesla-t4',
  masterImage: 'us-docker.pkg.dev/my-project/repo/trainer:latest',
  workerMachine: 'n1-standard-8',
  workerCount: '2',
  workerAccelerator: 'count=1,type=nvidia-tesla-t4',
  workerImage: 'us-docker.pkg.dev/my-project/repo/trainer:latest',
  psMachine: 'n1-highmem-8',
  psCount: '2',
  psAccelerator: 'count=1,type=nvidia-tesla-t4',
  psImage: 'us-docker.pkg.dev/my-project/repo/trainer:latest',
  packages: 'gs://my-bucket/trainer-0.1.tar.gz',
  moduleName: 'trainer.task',
  runtime: '2.11',
  python: '3.7',
  workerPoolSpec: 'machine-type=n1-standard-8,accelerator-type=NVIDIA_TESLA_T4,executor-image-uri=tf-gpu.2-11.py310,python-module=trainer.task',
  args: '--epochs=10,--lr=0.01',
  command: 'python,train.py',
  localPath: 'gs://my-bucket/trainer-0.1.tar.gz',
  configFile: 'config.yaml',
};

// ---------------------------------------------------------------------------------------------
// submit: checking each value

export const REGION = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}$/;
const JOB_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const GCS_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/[^\s]*)?$/;
export const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const IMAGE_REF =
  /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
// `$JOB_NAME` or `${BUCKET}`: a shell would have put a value there; the bot only sees the name.
export const SHELL_VARIABLE = /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/;

/** Labels the bot sets on every job (DESIGN.md "Contracts"); people cannot set or override them. */
export const RESERVED_LABEL_KEYS: readonly string[] = ['managed-by', 'gpubot-owner', 'gpubot-id'];
/** GCE allows 64 labels; the bot's own take three. */
export const MAX_USER_LABELS = 61;

/** Why `name` cannot name a job, or null when it can. Vertex AI allows more; these also work as `/train status NAME`. */
export function checkJobName(name: string): UserError | null {
  if (JOB_NAME.test(name)) return null;
  const fixed = name
    .slice(0, 500)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^[^A-Za-z]+/, '')
    .slice(0, 128);
  const tryIt = JOB_NAME.test(fixed) ? ` Try ${q(fixed, 60)}.` : ' For example `my_job`.';
  if (name.trim() === '') return { code: 'BAD_NAME', message: `Give the job a name, like \`my_job\`.${tryIt}` };
  if (countChars(name) > 128) return { code: 'BAD_NAME', message: `Job names are at most 128 characters.${tryIt}` };
  return {
    code: 'BAD_NAME',
    message: `${q(name)} can't name a job: use letters, digits, \`_\`, \`-\` and \`.\`, starting with a letter.${tryIt}`,
  };
}

export function checkGcsUri(value: string, flag: string): UserError | null {
  if (GCS_URI.test(value)) return null;
  if (/^(\.{0,2}\/|~|[A-Za-z]:\\)/.test(value) || !value.includes('://')) {
    return {
      code: 'LOCAL_PATH',
      message: `\`${flag}\` ${q(value)} looks like a path on your machine, which the bot can't see. Upload it to Cloud Storage and give the \`gs://\` URI.`,
    };
  }
  return {
    code: 'BAD_URI',
    message: `\`${flag}\` takes a Cloud Storage URI like \`${EXAMPLES.packages}\` (bucket names are 3 to 63 lowercase letters, digits, \`-\`, \`_\` or \`.\`), not ${q(value)}.`,
  };
}

export function parseGcsList(value: string, flag: string): Parsed<string[]> {
  const uris = value
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (uris.length === 0) return fail('MISSING_VALUE', `\`${flag}\` needs at least one URI, like \`${flag}=${EXAMPLES.packages}\`.`);
  if (uris.length > 100) return fail('BAD_VALUE', `\`${flag}\` takes at most 100 URIs (Vertex AI's limit); that is ${uris.length}.`);
  for (const uri of uris) {
    const error = checkGcsUri(uri, flag);
    if (error) return { ok: false, error };
  }
  return ok(uris);
}

/**
 * A container image reference. Vertex AI's prebuilt images may be named short (`tf-gpu.2-11.py310`);
 * they only exist with the `latest` tag, so a prebuilt image named without a tag gets it.
 */
export function parseImage(value: string, said: string, today: string): Parsed<string> {
  const t = value.trim();
  const retired = retiredImageError(t, said, today);
  if (retired !== null) return { ok: false, error: retired };
  const known = imageByName(t);
  if (known) return ok(known.uri);
  if (!t.includes('/')) {
    const near = closestWord(t.replace(/:latest$/, ''), TRAINING_IMAGE_NAMES);
    const hint = near ? ` Did you mean \`${near}\`?` : '';
    return fail('BAD_URI', `${said}: ${q(t)} isn't an image I know.${hint} Give a full image URI, or a prebuilt name like \`tf-gpu.2-11.py310\`.`);
  }
  const bare = t.replace(/^https?:\/\//, '');
  if (!IMAGE_REF.test(bare)) {
    return fail('BAD_URI', `${said}: ${q(t)} isn't an image URI. It looks like \`us-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG\`.`);
  }
  if (bare.startsWith(`${TRAINING_IMAGE_REGISTRY}/`) && !/[:@][^/]*$/.test(bare)) return ok(`${bare}:latest`);
  return ok(bare);
}

export function parseLabels(value: string, labels: Record<string, string>): UserError | null {
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim();
    const val = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (RESERVED_LABEL_KEYS.includes(key.toLowerCase()) || key.toLowerCase().startsWith('gpubot-')) {
      return {
        code: 'RESERVED_LABEL',
        message: `The label ${q(key)} is the bot's own (it marks the jobs it watches); pick another key.`,
      };
    }
    if (!LABEL_KEY.test(key)) {
      const lower = key.toLowerCase();
      const hint = lower !== key && LABEL_KEY.test(lower) ? ` Try ${q(lower)}.` : '';
      return {
        code: 'BAD_LABEL',
        message: `Label keys are 1 to 63 lowercase letters, digits, \`_\` or \`-\`, starting with a letter; ${q(key)} isn't one.${hint}`,
      };
    }
    if (!LABEL_VALUE.test(val)) {
      const lower = val.toLowerCase();
      const hint = lower !== val && LABEL_VALUE.test(lower) ? ` Try ${q(lower)}.` : '';
      return {
        code: 'BAD_LABEL',
        message: `Label values are up to 63 lowercase letters, digits, \`_\` or \`-\`; ${q(val)} (for ${q(key)}) isn't one.${hint}`,
      };
    }
    labels[key] = val;
  }
  if (Object.keys(labels).length > MAX_USER_LABELS) {
    return { code: 'TOO_MANY_LABELS', message: `A job takes at most ${MAX_USER_LABELS} labels of yours (the bot adds 3); that is ${Object.keys(labels).length}.` };
  }
  return null;
}

/** gcloud's list flags (`--args`, `--command`) split on commas. */
export function commaList(value: string): string[] {
  return value.split(',').filter((v) => v !== '');
}

/** `count=N,type=T`, gcloud's `--master-accelerator` value, in either order. */
export function parseAcceleratorFlag(value: string, flag: string, notes: string[]): Parsed<TrainingGpu> {
  let type: string | null = null;
  let count: string | null = null;
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim().toLowerCase();
    const v = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key === 'type' && type === null) type = v;
    else if (key === 'count' && count === null) count = v;
    else {
      return fail('BAD_VALUE', `\`${flag}\` looks like \`${flag}=${EXAMPLES.masterAccelerator}\`; ${q(value)} doesn't.`);
    }
  }
  if (type === null || type === '') {
    return fail('BAD_VALUE', `\`${flag}\` needs a \`type=\`, like \`${flag}=${EXAMPLES.masterAccelerator}\`.`);
  }
  const reading = readAccelerator(type);
  if ('error' in reading) return { ok: false, error: reading.error };
  if (reading.replaced !== null) notes.push(k80Note(reading.replaced));
  const n = count === null ? 1 : parseWhole(count);
  if (n === null || n < 1) {
    return fail('BAD_NUMBER', `The \`count=\` in \`${flag}\` is a whole number of GPUs, like \`count=2\`; ${q(count ?? '')} isn't one.`);
  }
  return ok({ gpu: reading.gpu, count: n });
}

export interface PoolDraft {
  role: PoolRole;
  machine: string;
  gpu: TrainingGpu | null;
  replicas: number;
  said: string;
  image: string | null;
}

export function planPools(drafts: readonly PoolDraft[], notes: string[]): Parsed<{ draft: PoolDraft; plan: { machineType: string; accelerator: VertexAccelerator | null } }[]> {
  const out: { draft: PoolDraft; plan: { machineType: string; accelerator: VertexAccelerator | null } }[] = [];
  for (const draft of drafts) {
    const plan = planMachine(draft.machine, draft.gpu, draft.said);
    if (!plan.ok) return plan;
    if (plan.value.note !== null) notes.push(plan.value.note);
    out.push({ draft, plan: plan.value });
  }
  return ok(out);
}

export function pool(draft: PoolDraft, plan: { machineType: string; accelerator: VertexAccelerator | null }, task: TrainTask, disk: TrainDisk | null = null): TrainPool {
  return { role: draft.role, machineType: plan.machineType, accelerator: plan.accelerator, replicaCount: draft.replicas, disk, task };
}

