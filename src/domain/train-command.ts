/**
 * Reads the text after `/train` into a typed command. `submit` takes ML Engine's flags, Vertex AI's
 * flags, or a whole pasted `gcloud ai-platform jobs submit training` / `gcloud ai custom-jobs create`
 * line, and turns any of them into one TrainRequest, which planJob (job-plan.ts) makes a JobPlan.
 * Every refusal says what was wrong and what would work.
 */
import type { Parsed, UserError } from './gpu-command.js';
import type { TrainDisk, TrainPool, TrainTask } from './job-plan.js';
import { countChars, helpTopic, isFlagLike, isHelpFlag, lookup, undoSmartDash } from './command-words.js';
import { GPUS } from './gpus.js';
import { closestWord, quoteUserText as q, splitShellWords } from './shell-words.js';
import {
  POOL_ROLES,
  TIER_POOLS,
  TRAINING_IMAGE_ERROR_CODES,
  TRAINING_IMAGE_NAMES,
  TRAINING_IMAGE_REGISTRY,
  imageByName,
  k80Note,
  parseScaleTier,
  planMachine,
  readAccelerator,
  retiredImageError,
  runtimeImagesOn,
  tierNote,
  type PoolRole,
  type RuntimeImages,
  type ScaleTier,
  type TrainingGpu,
  type VertexAccelerator,
} from './training-images.js';

export type { Parsed, UserError };
export type { TrainDisk, TrainPool, TrainTask };

export type TrainCommand =
  /** No arguments at all: open the form. */
  | { kind: 'form' }
  | { kind: 'help'; topic?: TrainHelpTopic }
  /** request null: `submit` with nothing after it, which opens the form. */
  | { kind: 'submit'; request: TrainRequest | null }
  | { kind: 'list'; all: boolean }
  /** `job`: the job's name as submitted, or Vertex AI's numeric job id. */
  | { kind: 'status' | 'cancel' | 'logs'; job: string };

/** One training job as asked for, already checked: planJob (job-plan.ts) makes it one JobPlan. */
export interface TrainRequest {
  /** The job's name, Vertex AI's `displayName`. */
  name: string;
  /** null: the bot's default region. */
  region: string | null;
  /** At most one per role; the chief first. */
  pools: TrainPool[];
  /** `--job-dir`: Vertex AI's `baseOutputDirectory`. */
  jobDir: string | null;
  /** The person's own labels (the bot adds its own in planJob). */
  labels: Record<string, string>;
  /** Which flags the person used: ML Engine's or Vertex AI's. */
  from: 'ml-engine' | 'vertex';
  /** What the person should be told about how their flags were read (a K80 that became a T4, ...). */
  notes: string[];
}

/** Longer text is refused before it is read. Pasted gcloud lines with long URIs and arguments need room. */
export const MAX_TRAIN_COMMAND_LENGTH = 4000;

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

export const TRAIN_HELP_TOPICS = ['submit', 'list', 'status', 'cancel', 'logs', 'scale-tiers', 'runtimes', 'gpus'] as const;
export type TrainHelpTopic = (typeof TRAIN_HELP_TOPICS)[number];

type Subcommand = 'submit' | 'list' | 'status' | 'cancel' | 'logs' | 'help';

const SUBCOMMANDS_TEXT = 'submit, list, status, cancel, logs, help';

const SUBCOMMAND_WORDS: Readonly<Record<string, Subcommand>> = {
  submit: 'submit',
  run: 'submit',
  create: 'submit',
  new: 'submit',
  train: 'submit',
  list: 'list',
  ls: 'list',
  jobs: 'list',
  ps: 'list',
  status: 'status',
  describe: 'status',
  show: 'status',
  get: 'status',
  info: 'status',
  cancel: 'cancel',
  stop: 'cancel',
  kill: 'cancel',
  abort: 'cancel',
  logs: 'logs',
  log: 'logs',
  help: 'help',
  '?': 'help',
};

/** First words of a pasted gcloud line (with or without `gcloud`): they mean `submit`. */
const GCLOUD_WORDS = new Set(['gcloud', 'ai-platform', 'ml-engine', 'ai']);

const TOPIC_WORDS: Readonly<Record<string, TrainHelpTopic>> = (() => {
  const words: Record<string, TrainHelpTopic> = {
    'scale-tiers': 'scale-tiers',
    'scale-tier': 'scale-tiers',
    tiers: 'scale-tiers',
    tier: 'scale-tiers',
    runtimes: 'runtimes',
    runtime: 'runtimes',
    'runtime-version': 'runtimes',
    images: 'runtimes',
    gpus: 'gpus',
    gpu: 'gpus',
    accelerators: 'gpus',
  };
  for (const [word, sub] of Object.entries(SUBCOMMAND_WORDS)) if (sub !== 'help') words[word] = sub;
  return words;
})();

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail(code: TrainCommandErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

/** A whole number as people type it (`2`, `２`), or null. */
function parseWhole(text: string): number | null {
  const t = text.normalize('NFKC').trim();
  return /^\d{1,9}$/.test(t) ? Number(t) : null;
}

/** What parsing needs to know besides the words. */
export interface TrainParseContext {
  /**
   * The day of the submit (ISO `YYYY-MM-DD`, UTC): prebuilt images past their end of availability
   * on that day are never chosen or accepted, since Vertex AI refuses them.
   */
  today: string;
}

/** The UTC day (`YYYY-MM-DD`) of a moment in epoch milliseconds, as TrainParseContext.today wants it. */
export function trainDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses the text of a `/train` slash command. Never throws; people's mistakes come back as errors. */
export function parseTrainCommand(text: string, context: TrainParseContext): Parsed<TrainCommand> {
  const today = context.today;
  const src = typeof text === 'string' ? text : '';
  if (src.length > MAX_TRAIN_COMMAND_LENGTH) {
    const n = countChars(src);
    if (n > MAX_TRAIN_COMMAND_LENGTH) {
      return fail(
        'TOO_LONG',
        `That is ${n} characters; \`/train\` reads at most ${MAX_TRAIN_COMMAND_LENGTH}. Shorten the arguments, or send \`/train\` alone to open the form.`,
      );
    }
  }
  const split = splitShellWords(src);
  if (!split.ok) return { ok: false, error: split.error };
  const words = split.words.map(undoSmartDash);
  // A pasted shell prompt (`$ gcloud ...`) is not part of the command.
  if (words[0] === '$' || words[0] === '%' || words[0] === '>') words.shift();
  const first = words[0];
  if (first === undefined) return ok({ kind: 'form' });
  const rest = words.slice(1);
  const said = first.toLowerCase();

  if (isHelpFlag(first)) return parseHelp(rest);
  if (GCLOUD_WORDS.has(said)) return parseSubmit('submit', words, today);
  const sub = lookup(SUBCOMMAND_WORDS, said);
  if (sub === undefined) return unknownSubcommand(first);
  if (sub === 'help') return parseHelp(rest);

  const endOfFlags = rest.indexOf('--');
  const flagPart = endOfFlags < 0 ? rest : rest.slice(0, endOfFlags);
  if (flagPart.some(isHelpFlag)) return ok({ kind: 'help', topic: sub });

  switch (sub) {
    case 'submit':
      return parseSubmit(said, rest, today);
    case 'list':
      return parseList(said, rest);
    case 'status':
    case 'cancel':
    case 'logs':
      return parseTarget(sub, said, rest);
  }
}

function parseHelp(rest: readonly string[]): Parsed<TrainCommand> {
  const asked = helpTopic(rest, '/train', TOPIC_WORDS, TRAIN_HELP_TOPICS);
  if (!asked.ok) return fail('UNKNOWN_TOPIC', asked.message);
  return ok(asked.topic === undefined ? { kind: 'help' } : { kind: 'help', topic: asked.topic });
}

function unknownSubcommand(word: string): Parsed<TrainCommand> {
  const w = word.toLowerCase();
  if (w.trim() === '' || w.startsWith('-')) {
    return fail(
      'UNKNOWN_SUBCOMMAND',
      `Start with what to do, then the flags, like \`/train submit my_job --scale-tier BASIC_GPU ...\`, or paste a gcloud line. Subcommands: ${SUBCOMMANDS_TEXT}.`,
    );
  }
  const near = closestWord(
    w,
    Object.keys(SUBCOMMAND_WORDS).filter((k) => k !== '?'),
  );
  const hint = near ? ` Did you mean \`/train ${near}\`?` : '';
  return fail('UNKNOWN_SUBCOMMAND', `I don't know ${q(word)}.${hint} Subcommands: ${SUBCOMMANDS_TEXT}.`);
}

// ---------------------------------------------------------------------------------------------
// list, status, cancel, logs

function parseList(said: string, args: readonly string[]): Parsed<TrainCommand> {
  const takes = `\`/train ${said}\` takes only \`--all\`, to show everyone's jobs.`;
  let all = false;
  for (const word of args) {
    if (word === '--') continue;
    const eq = word.indexOf('=');
    const name = (eq < 0 ? word : word.slice(0, eq)).toLowerCase();
    if (name === '--all' || name === '-a') {
      const value = eq < 0 ? 'true' : word.slice(eq + 1).trim().toLowerCase();
      if (!['true', 'false', 'yes', 'no', '1', '0', ''].includes(value)) {
        return fail('BAD_VALUE', `\`--all\` is a switch: write \`--all\` alone, not ${q(word)}.`);
      }
      // The last `--all` wins, so `--all --all=false` reads as written.
      all = ['true', 'yes', '1', ''].includes(value);
      continue;
    }
    if (isFlagLike(word)) return fail('UNKNOWN_FLAG', `I don't know ${q(word)}. ${takes}`);
    const hint = word.toLowerCase() === 'all' ? ' Did you mean `--all`?' : '';
    return fail('EXTRA_ARGUMENT', `\`/train ${said}\` takes no names; ${q(word)} is extra.${hint} ${takes}`);
  }
  return ok({ kind: 'list', all });
}

/** A job as people refer to it: the name they submitted, or Vertex AI's numeric id. */
const JOB_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function parseTarget(kind: 'status' | 'cancel' | 'logs', said: string, args: readonly string[]): Parsed<TrainCommand> {
  const takes = `\`/train ${said}\` takes one job name, like \`/train ${said} my_job\`.`;
  const words = args.filter((w) => w !== '--');
  const flag = words.find(isFlagLike);
  if (flag !== undefined) return fail('UNKNOWN_FLAG', `I don't know ${q(flag)}. ${takes}`);
  const [job, extra] = words;
  if (job === undefined) return fail('MISSING_NAME', `${takes} \`/train list\` shows your jobs.`);
  if (extra !== undefined) return fail('EXTRA_ARGUMENT', `One job at a time: ${takes} ${q(extra)} is extra.`);
  if (!JOB_REFERENCE.test(job)) {
    return fail(
      'BAD_NAME',
      `${q(job)} can't be a job: job names use letters, digits, \`_\`, \`-\` and \`.\`. \`/train list\` shows your jobs.`,
    );
  }
  return ok({ kind, job });
}

// ---------------------------------------------------------------------------------------------
// submit: reading the words

type Style = 'ml' | 'vertex' | 'any';

type Field =
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

interface FlagSpec {
  field: Field;
  kind: 'text' | 'bool';
  /** ML Engine's flags and Vertex AI's describe the machines in two ways that cannot be mixed. */
  style: Style;
}

const text = (field: Field, style: Style = 'any'): FlagSpec => ({ field, kind: 'text', style });

/**
 * Every flag `submit` reads: gcloud's names for ML Engine (`ai-platform jobs submit training`) and for
 * Vertex AI (`ai custom-jobs create`). `--python-package-uris` and `--packages` are one thing.
 */
const SUBMIT_FLAGS: Readonly<Record<string, FlagSpec>> = {
  region: text('region'),
  labels: text('labels'),
  'job-dir': text('jobDir'),
  'display-name': text('displayName'),
  project: text('project'),
  async: { field: 'ignored', kind: 'bool', style: 'any' },
  'stream-logs': { field: 'ignored', kind: 'bool', style: 'any' },
  'staging-bucket': text('staging'),
  'scale-tier': text('scaleTier', 'ml'),
  'master-machine-type': text('masterMachine', 'ml'),
  'master-accelerator': text('masterAccelerator', 'ml'),
  'master-image-uri': text('masterImage', 'ml'),
  'worker-machine-type': text('workerMachine', 'ml'),
  'worker-count': text('workerCount', 'ml'),
  'worker-server-count': text('workerCount', 'ml'),
  'worker-accelerator': text('workerAccelerator', 'ml'),
  'worker-image-uri': text('workerImage', 'ml'),
  'parameter-server-machine-type': text('psMachine', 'ml'),
  'parameter-server-count': text('psCount', 'ml'),
  'parameter-server-accelerator': text('psAccelerator', 'ml'),
  'parameter-server-image-uri': text('psImage', 'ml'),
  packages: text('packages'),
  'python-package-uris': text('packages'),
  'module-name': text('moduleName', 'ml'),
  'runtime-version': text('runtime', 'ml'),
  'python-version': text('python', 'ml'),
  'worker-pool-spec': text('workerPoolSpec', 'vertex'),
  args: text('args'),
  command: text('command'),
  'package-path': text('localPath'),
  config: text('configFile'),
};

/** gcloud flags /train knows but does not offer; each is refused by name rather than as unknown. */
const UNSUPPORTED_FLAGS = new Set([
  'service-account',
  'network',
  'kms-key',
  'kms-keyring',
  'kms-location',
  'kms-project',
  'enable-web-access',
  'enable-dashboard-access',
  'tensorboard',
  'persistent-resource-id',
  'use-chief-in-tf-config',
  'evaluator-machine-type',
  'evaluator-count',
  'evaluator-accelerator',
  'evaluator-image-uri',
  'experiment',
  'experiment-run',
  'enable-custom-service-account',
]);

const EXAMPLES: Readonly<Record<Field, string>> = {
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

interface FlagUse {
  /** `--name`, lowercased, for messages. */
  flag: string;
  spec: FlagSpec;
  value: string;
}

interface SubmitWords {
  positionals: string[];
  flags: FlagUse[];
  /** Words after `--`: the trainer's own arguments. */
  userArgs: string[];
}

function readSubmitWords(args: readonly string[]): Parsed<SubmitWords> {
  const positionals: string[] = [];
  const flags: FlagUse[] = [];
  const userArgs: string[] = [];
  let literal = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (literal) {
      userArgs.push(word);
      continue;
    }
    if (word === '--') {
      literal = true;
      continue;
    }
    if (!isFlagLike(word)) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const written = eq < 0 ? word : word.slice(0, eq);
    const inline = eq < 0 ? null : word.slice(eq + 1);
    const name = written.replace(/^-+/, '').toLowerCase().replace(/_/g, '-');
    if (UNSUPPORTED_FLAGS.has(name)) {
      return fail(
        'UNSUPPORTED_FLAG',
        `/train doesn't offer \`--${name}\` yet: jobs run with the bot's defaults for it. Drop the flag and send again.`,
      );
    }
    const spec = lookup(SUBMIT_FLAGS, name);
    if (spec === undefined) {
      const near = closestWord(name, Object.keys(SUBMIT_FLAGS));
      const hint = near ? ` Did you mean \`--${near}\`?` : '';
      return fail('UNKNOWN_FLAG', `I don't know ${q(written)}.${hint} \`/train help submit\` lists the flags.`);
    }
    const flag = `--${name}`;
    if (spec.kind === 'bool') {
      flags.push({ flag, spec, value: inline ?? 'true' });
      continue;
    }
    let value = inline;
    if (value === null) {
      const next = args[i + 1];
      if (next !== undefined && next !== '--' && !isFlagLike(next)) {
        value = next;
        i++;
      }
    }
    if (value === null || value.trim() === '') {
      const example = EXAMPLES[spec.field];
      // Values that start with a dash only fit after `=`.
      const form = example.startsWith('-') ? `${flag}=${example}` : `${flag} ${example}`;
      return fail('MISSING_VALUE', `\`${flag}\` needs a value, like \`${form}\`.`);
    }
    flags.push({ flag, spec, value: value.trim() });
  }
  return ok({ positionals, flags, userArgs });
}

type GcloudForm = { words: string[]; from: 'ml-engine' | 'vertex' | null };

/**
 * Strips a pasted gcloud command's head (`gcloud [beta] ai-platform jobs submit training`, its older
 * `ml-engine` name, or `gcloud [beta] ai custom-jobs create`), saying which service it was for.
 */
function stripGcloud(words: readonly string[]): Parsed<GcloudForm> {
  let i = 0;
  const at = (k: number) => (words[k] ?? '').toLowerCase();
  const pasted = at(0) === 'gcloud';
  if (pasted) i++;
  if (at(i) === 'beta' || at(i) === 'alpha') i++;
  const group = at(i);
  if (group === 'ai-platform' || group === 'ml-engine') {
    if (at(i + 1) === 'jobs' && at(i + 2) === 'submit' && at(i + 3) === 'training') return ok({ words: words.slice(i + 4), from: 'ml-engine' });
  } else if (group === 'ai') {
    if (at(i + 1) === 'custom-jobs' && at(i + 2) === 'create') return ok({ words: words.slice(i + 3), from: 'vertex' });
  } else if (!pasted) {
    return ok({ words: [...words], from: null });
  }
  const shown = words.slice(0, Math.min(words.length, i + 4)).join(' ');
  return fail(
    'NOT_A_TRAINING_COMMAND',
    `${q(shown, 60)} doesn't submit a training job. I read \`gcloud ai-platform jobs submit training JOB ...\` and \`gcloud ai custom-jobs create ...\`.`,
  );
}

// ---------------------------------------------------------------------------------------------
// submit: checking each value

const REGION = /^[a-z]{2,20}-[a-z]{2,20}[0-9]{1,3}$/;
const JOB_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,127}$/;
const GCS_URI = /^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/[^\s]*)?$/;
const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const IMAGE_REF =
  /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
// `$JOB_NAME` or `${BUCKET}`: a shell would have put a value there; the bot only sees the name.
const SHELL_VARIABLE = /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/;

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

function checkGcsUri(value: string, flag: string): UserError | null {
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

function parseGcsList(value: string, flag: string): Parsed<string[]> {
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
function parseImage(value: string, said: string, today: string): Parsed<string> {
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

function parseLabels(value: string, labels: Record<string, string>): UserError | null {
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
function commaList(value: string): string[] {
  return value.split(',').filter((v) => v !== '');
}

/** `count=N,type=T`, gcloud's `--master-accelerator` value, in either order. */
function parseAcceleratorFlag(value: string, flag: string, notes: string[]): Parsed<TrainingGpu> {
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

// ---------------------------------------------------------------------------------------------
// submit: putting it together

interface SubmitSettings {
  single: Partial<Record<Field, { value: string; flag: string }>>;
  labels: Record<string, string>;
  packages: string[] | null;
  args: string[];
  command: string[] | null;
  poolSpecs: { value: string; flag: string }[];
}

/** Fields that describe machines in ML Engine's way; they cannot be mixed with `--worker-pool-spec`. */
function mlFlagsUsed(s: SubmitSettings): string[] {
  const fields: Field[] = [
    'scaleTier',
    'masterMachine',
    'masterAccelerator',
    'masterImage',
    'workerMachine',
    'workerCount',
    'workerAccelerator',
    'workerImage',
    'psMachine',
    'psCount',
    'psAccelerator',
    'psImage',
    'moduleName',
    'runtime',
    'python',
  ];
  return fields.flatMap((f) => {
    const use = s.single[f];
    return use ? [use.flag] : [];
  });
}

function collect(flags: readonly FlagUse[], notes: string[]): Parsed<SubmitSettings> {
  const s: SubmitSettings = { single: {}, labels: {}, packages: null, args: [], command: null, poolSpecs: [] };
  for (const { flag, spec, value } of flags) {
    switch (spec.field) {
      case 'labels': {
        const error = parseLabels(value, s.labels);
        if (error) return { ok: false, error };
        break;
      }
      case 'packages': {
        const uris = parseGcsList(value, flag);
        if (!uris.ok) return uris;
        s.packages = [...(s.packages ?? []), ...uris.value];
        break;
      }
      case 'args':
        s.args.push(...commaList(value));
        break;
      case 'command':
        s.command = [...(s.command ?? []), ...commaList(value)];
        break;
      case 'workerPoolSpec':
        s.poolSpecs.push({ value, flag });
        break;
      case 'ignored':
        break;
      case 'localPath':
        return fail(
          'LOCAL_PATH',
          `\`${flag}\` uploads a folder from your machine, which the bot can't see. Build the package (\`python setup.py sdist\`), copy it to Cloud Storage and use \`--packages gs://...\`.`,
        );
      case 'configFile':
        return fail(
          'UNSUPPORTED_FLAG',
          `\`${flag}\` reads a file on your machine, which the bot can't see. Give its settings as flags instead (\`/train help submit\`).`,
        );
      case 'project':
        notes.push(`${q(`--project ${value}`, 60)} is ignored: jobs run in the bot's project.`);
        break;
      case 'staging':
        notes.push('`--staging-bucket` is ignored: the bot uploads nothing, packages are already in Cloud Storage.');
        break;
      default: {
        const current = s.single[spec.field];
        const same = current !== undefined && current.value.toLowerCase() === value.toLowerCase();
        if (current !== undefined && !same) {
          return fail('CONFLICTING_FLAGS', `${q(`${current.flag} ${current.value}`)} and ${q(`${flag} ${value}`)} say different things. Keep one.`);
        }
        s.single[spec.field] = { value, flag };
      }
    }
  }
  return ok(s);
}

function parseSubmit(said: string, input: readonly string[], today: string): Parsed<TrainCommand> {
  const head = stripGcloud(input);
  if (!head.ok) return head;
  const { words, from: pastedFrom } = head.value;
  const endOfFlags = words.indexOf('--');
  const flagWords = endOfFlags < 0 ? words : words.slice(0, endOfFlags);
  const variable = flagWords.find((w) => SHELL_VARIABLE.test(w));
  if (variable !== undefined) {
    const name = SHELL_VARIABLE.exec(variable)?.[0] ?? variable;
    return fail(
      'UNEXPANDED_VARIABLE',
      `${q(name)} is a shell variable, and the bot can't see its value. Paste the command with the values written out.`,
    );
  }
  const read = readSubmitWords(words);
  if (!read.ok) return read;
  const { positionals, flags, userArgs } = read.value;
  if (positionals.length === 0 && flags.length === 0 && userArgs.length === 0 && pastedFrom === null) {
    return ok({ kind: 'submit', request: null });
  }
  const notes: string[] = [];
  const collected = collect(flags, notes);
  if (!collected.ok) return collected;
  const s = collected.value;

  // The name: gcloud ai-platform's positional JOB, or custom-jobs' --display-name.
  const [positional, extra] = positionals;
  if (extra !== undefined) {
    return fail('EXTRA_ARGUMENT', `\`/train ${said}\` takes one job name, then flags; ${q(extra)} is one word too many. Trainer arguments go after \`--\`.`);
  }
  const display = s.single.displayName?.value;
  if (positional !== undefined && display !== undefined && positional !== display) {
    return fail('CONFLICTING_FLAGS', `The job is called ${q(positional)} and ${q(`--display-name ${display}`)}. Keep one.`);
  }
  const name = positional ?? display;
  if (name === undefined) {
    return fail(
      'MISSING_NAME',
      `Name the job first, like \`/train ${said} my_job --scale-tier BASIC ...\` (or \`--display-name my_job\`). Or send \`/train ${said}\` alone to open the form.`,
    );
  }
  const nameError = checkJobName(name);
  if (nameError) return { ok: false, error: nameError };

  let region: string | null = null;
  const regionUse = s.single.region;
  if (regionUse !== undefined) {
    region = regionUse.value.toLowerCase();
    if (!REGION.test(region)) {
      return fail('BAD_REGION', `\`--region\` takes a Vertex AI region like \`us-central1\` or \`europe-west4\`, not ${q(regionUse.value)}.`);
    }
  }
  let jobDir: string | null = null;
  const jobDirUse = s.single.jobDir;
  if (jobDirUse !== undefined) {
    const error = checkGcsUri(jobDirUse.value, jobDirUse.flag);
    if (error) return { ok: false, error };
    jobDir = jobDirUse.value;
  }

  const ml = mlFlagsUsed(s);
  const vertex = s.poolSpecs.length > 0 || pastedFrom === 'vertex';
  if (s.poolSpecs.length > 0 && ml.length > 0) {
    return fail(
      'CONFLICTING_FLAGS',
      `\`--worker-pool-spec\` (Vertex AI) and \`${ml[0] ?? ''}\` (ML Engine) both describe the machines. Use one style.`,
    );
  }
  const pools = vertex ? vertexPools(s, userArgs, notes, today) : mlEnginePools(s, userArgs, jobDir, notes, today);
  if (!pools.ok) return pools;
  return ok({
    kind: 'submit',
    request: { name, region, pools: pools.value, jobDir, labels: s.labels, from: vertex ? 'vertex' : 'ml-engine', notes },
  });
}

interface PoolDraft {
  role: PoolRole;
  machine: string;
  gpu: TrainingGpu | null;
  replicas: number;
  said: string;
  image: string | null;
}

function mlEnginePools(s: SubmitSettings, userArgs: readonly string[], jobDir: string | null, notes: string[], today: string): Parsed<TrainPool[]> {
  const use = s.single;
  const custom = ['masterMachine', 'masterAccelerator', 'workerMachine', 'workerCount', 'workerAccelerator', 'psMachine', 'psCount', 'psAccelerator'] as const;
  const customFlags = custom.flatMap((f) => {
    const u = use[f];
    return u ? [u.flag] : [];
  });
  let tier: ScaleTier;
  if (use.scaleTier !== undefined) {
    const parsed = parseScaleTier(use.scaleTier.value);
    if (!parsed.ok) return parsed;
    tier = parsed.value;
    if (tier !== 'CUSTOM' && customFlags.length > 0) {
      return fail(
        'CONFLICTING_FLAGS',
        `\`--scale-tier ${tier}\` picks the machines itself; drop \`${customFlags[0] ?? ''}\`, or use \`--scale-tier CUSTOM\`.`,
      );
    }
  } else {
    // ML Engine's default tier; naming a machine or GPU is what CUSTOM is for.
    tier = customFlags.length > 0 ? 'CUSTOM' : 'BASIC';
  }

  const drafts: PoolDraft[] = [];
  if (tier === 'CUSTOM') {
    const chief = customPool('chief', use.masterMachine, use.masterAccelerator, null, use.masterImage?.value ?? null, notes);
    if (!chief.ok) return chief;
    drafts.push(chief.value);
    for (const [role, machine, count, accelerator, image] of [
      ['workers', use.workerMachine, use.workerCount, use.workerAccelerator, use.workerImage],
      ['parameter-servers', use.psMachine, use.psCount, use.psAccelerator, use.psImage],
    ] as const) {
      if (machine === undefined && count === undefined && accelerator === undefined && image === undefined) continue;
      const pool = customPool(role, machine, accelerator, count ?? null, image?.value ?? null, notes);
      if (!pool.ok) return pool;
      if (pool.value.replicas > 0) drafts.push(pool.value);
    }
  } else if (tier !== 'BASIC_TPU') {
    for (const p of TIER_POOLS[tier]) {
      drafts.push({ role: p.role, machine: p.machineType, gpu: p.gpu, replicas: p.replicaCount, said: `\`--scale-tier ${tier}\``, image: null });
    }
    const note = tierNote(tier);
    if (note !== null) notes.push(note);
  }

  const planned = planPools(drafts, notes);
  if (!planned.ok) return planned;

  // ML Engine passed --job-dir to the trainer itself; trainers written for it expect the argument.
  const args = [...s.args, ...userArgs, ...(jobDir === null ? [] : ['--job-dir', jobDir])];
  if (jobDir !== null) notes.push('Your trainer also gets `--job-dir`, as ML Engine passed it.');

  const image = use.masterImage?.value ?? null;
  if (image !== null) {
    const python = ['moduleName', 'runtime', 'python'] as const;
    const mixed = python.map((f) => use[f]?.flag).find((f) => f !== undefined) ?? (s.packages !== null ? '--packages' : undefined);
    if (mixed !== undefined) {
      return fail(
        'CONFLICTING_FLAGS',
        `\`--master-image-uri\` runs your container as it is; \`${mixed}\` is for Python packages on a prebuilt image. Keep one way.`,
      );
    }
    const pools: TrainPool[] = [];
    for (const { draft, plan } of planned.value) {
      const flag = draft.role === 'chief' ? 'master' : draft.role === 'workers' ? 'worker' : 'parameter-server';
      const uri = parseImage(draft.image ?? image, `\`--${flag}-image-uri\``, today);
      if (!uri.ok) return uri;
      pools.push(pool(draft, plan, { kind: 'container', imageUri: uri.value, command: s.command ?? [], args }));
    }
    return ok(pools);
  }
  if (s.command !== null) {
    return fail('CONFLICTING_FLAGS', '`--command` runs a container; give its image with `--master-image-uri`, or drop `--command` for a Python package.');
  }
  const roleImage = planned.value.find(({ draft }) => draft.image !== null);
  if (roleImage !== undefined) {
    return fail('CONFLICTING_FLAGS', `\`--${roleImage.draft.role === 'workers' ? 'worker' : 'parameter-server'}-image-uri\` needs \`--master-image-uri\` for the chief too.`);
  }
  const module = use.moduleName?.value;
  if (module === undefined) {
    return fail(
      'MISSING_MODULE',
      'Say which Python module to run, like `--module-name trainer.task`, with `--packages gs://...` and `--runtime-version 2.11`. Or run a container with `--master-image-uri`.',
    );
  }
  if (!PYTHON_MODULE.test(module)) {
    return fail('BAD_VALUE', `\`--module-name\` is a Python module like \`trainer.task\`, not ${q(module)}.`);
  }
  if (s.packages === null) {
    return fail('MISSING_PACKAGE', `Say where the trainer package is, like \`--packages ${EXAMPLES.packages}\`.`);
  }
  const runtime = use.runtime?.value;
  if (runtime === undefined) {
    return fail(
      'MISSING_RUNTIME',
      'Say which runtime the trainer needs, like `--runtime-version 2.11`; it picks the Vertex AI image. `/train help runtimes` lists them.',
    );
  }
  // The images Vertex AI still runs on the day of the submit; a retired one is never sent.
  const images = runtimeImagesOn(runtime, use.python?.value ?? null, today);
  if (!images.ok) return images;
  notes.push(...images.value.notes);
  const packages = s.packages;
  return ok(
    planned.value.map(({ draft, plan }) =>
      pool(draft, plan, { kind: 'python', executorImageUri: imageFor(images.value, plan.accelerator), packageUris: [...packages], pythonModule: module, args }),
    ),
  );
}

function imageFor(images: RuntimeImages, accelerator: VertexAccelerator | null): string {
  return accelerator === null ? images.cpu : images.gpu;
}

function customPool(
  role: PoolRole,
  machine: { value: string; flag: string } | undefined,
  accelerator: { value: string; flag: string } | undefined,
  count: { value: string; flag: string } | null,
  image: string | null,
  notes: string[],
): Parsed<PoolDraft> {
  const who = role === 'chief' ? 'master' : role === 'workers' ? 'worker' : 'parameter-server';
  let replicas = 1;
  if (role !== 'chief') {
    if (count === null) {
      return fail('BAD_NUMBER', `Say how many with \`--${who}-count\`, like \`--${who}-count 2\`.`);
    }
    const n = parseWhole(count.value);
    if (n === null) return fail('BAD_NUMBER', `\`${count.flag}\` takes a whole number, like \`${count.flag} 2\`; ${q(count.value)} isn't one.`);
    replicas = n;
  }
  let gpu: TrainingGpu | null = null;
  if (accelerator !== undefined) {
    const parsed = parseAcceleratorFlag(accelerator.value, accelerator.flag, notes);
    if (!parsed.ok) return parsed;
    gpu = parsed.value;
  }
  if (machine === undefined) {
    if (gpu === null) {
      if (replicas === 0) return ok({ role, machine: '', gpu, replicas, said: '', image });
      return fail(
        'MISSING_MACHINE',
        `\`--scale-tier CUSTOM\` needs \`--${who}-machine-type\`, like \`--${who}-machine-type n1-standard-8\`.`,
      );
    }
    // A GPU alone says enough: the machine a box would get for it.
    const chosen = GPUS[gpu.gpu].defaultMachine(gpu.count);
    notes.push(`No \`--${who}-machine-type\` given: ${role === 'chief' ? 'the chief' : `the ${role}`} get${role === 'chief' ? 's' : ''} \`${chosen}\` for ${gpu.count} ${GPUS[gpu.gpu].label}.`);
    return ok({ role, machine: chosen, gpu, replicas, said: `\`--${who}-accelerator\``, image });
  }
  return ok({ role, machine: machine.value, gpu, replicas, said: q(`${machine.flag} ${machine.value}`, 60), image });
}

function planPools(drafts: readonly PoolDraft[], notes: string[]): Parsed<{ draft: PoolDraft; plan: { machineType: string; accelerator: VertexAccelerator | null } }[]> {
  const out: { draft: PoolDraft; plan: { machineType: string; accelerator: VertexAccelerator | null } }[] = [];
  for (const draft of drafts) {
    const plan = planMachine(draft.machine, draft.gpu, draft.said);
    if (!plan.ok) return plan;
    if (plan.value.note !== null) notes.push(plan.value.note);
    out.push({ draft, plan: plan.value });
  }
  return ok(out);
}

function pool(draft: PoolDraft, plan: { machineType: string; accelerator: VertexAccelerator | null }, task: TrainTask, disk: TrainDisk | null = null): TrainPool {
  return { role: draft.role, machineType: plan.machineType, accelerator: plan.accelerator, replicaCount: draft.replicas, disk, task };
}

// `--worker-pool-spec` keys gcloud reads; the `local` ones build and upload from the person's machine.
const POOL_KEYS = [
  'machine-type',
  'replica-count',
  'accelerator-type',
  'accelerator-count',
  'executor-image-uri',
  'container-image-uri',
  'python-module',
  'disk-type',
  'disk-size',
] as const;
type PoolKey = (typeof POOL_KEYS)[number];
const LOCAL_POOL_KEYS = new Set(['local-package-path', 'script', 'requirements', 'extra-packages', 'extra-dirs', 'output-image-uri']);

interface PoolSpecDraft {
  draft: PoolDraft;
  executorImage: string | null;
  containerImage: string | null;
  module: string | null;
  disk: TrainDisk | null;
}

function parsePoolSpec(value: string, index: number, notes: string[]): Parsed<PoolSpecDraft> {
  const which = `\`--worker-pool-spec\` #${index + 1}`;
  const keys: Partial<Record<PoolKey, string>> = {};
  for (const part of value.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase().replace(/_/g, '-');
    const v = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (LOCAL_POOL_KEYS.has(key)) {
      return fail(
        'LOCAL_PATH',
        `${which}: \`${key}\` builds from files on your machine, which the bot can't see. Upload the package to Cloud Storage and use \`--python-package-uris gs://...\` with \`executor-image-uri=\`.`,
      );
    }
    const known = POOL_KEYS.find((k) => k === key);
    if (known === undefined) {
      const near = closestWord(key, POOL_KEYS);
      const hint = near ? ` Did you mean \`${near}\`?` : '';
      return fail('BAD_WORKER_POOL', `${which}: I don't know ${q(key)}.${hint} Keys: ${POOL_KEYS.join(', ')}.`);
    }
    if (v === '') return fail('BAD_WORKER_POOL', `${which}: \`${known}=\` needs a value, like \`${known}=${poolExample(known)}\`.`);
    if (keys[known] !== undefined) return fail('BAD_WORKER_POOL', `${which} gives \`${known}\` twice. Keep one.`);
    keys[known] = v;
  }
  const machine = keys['machine-type'];
  if (machine === undefined) {
    return fail('MISSING_MACHINE', `${which} needs \`machine-type=\`, like \`--worker-pool-spec=${EXAMPLES.workerPoolSpec}\`.`);
  }
  let replicas = 1;
  const replicaText = keys['replica-count'];
  if (replicaText !== undefined) {
    const n = parseWhole(replicaText);
    if (n === null || n < 1) {
      return fail('BAD_REPLICAS', `${which}: \`replica-count\` is a whole number, 1 or more, not ${q(replicaText)}.`);
    }
    replicas = n;
  }
  let gpu: TrainingGpu | null = null;
  const type = keys['accelerator-type'];
  const countText = keys['accelerator-count'];
  if (type !== undefined) {
    const reading = readAccelerator(type);
    if ('error' in reading) return { ok: false, error: reading.error };
    if (reading.replaced !== null) notes.push(k80Note(reading.replaced));
    const n = countText === undefined ? 1 : parseWhole(countText);
    if (n === null || n < 1) return fail('BAD_NUMBER', `${which}: \`accelerator-count\` is a whole number of GPUs, like \`accelerator-count=2\`; ${q(countText ?? '')} isn't one.`);
    gpu = { gpu: reading.gpu, count: n };
  } else if (countText !== undefined) {
    return fail('BAD_WORKER_POOL', `${which}: \`accelerator-count\` needs \`accelerator-type\`, like \`accelerator-type=NVIDIA_TESLA_T4,accelerator-count=1\`.`);
  }
  let disk: TrainDisk | null = null;
  const diskType = keys['disk-type'];
  const diskSize = keys['disk-size'];
  if (diskType !== undefined || diskSize !== undefined) {
    let typeValue: TrainDisk['type'] = null;
    if (diskType !== undefined) {
      const t = diskType.toLowerCase();
      if (t !== 'pd-ssd' && t !== 'pd-standard') {
        return fail('BAD_DISK', `${which}: \`disk-type\` is \`pd-ssd\` or \`pd-standard\`, not ${q(diskType)}.`);
      }
      typeValue = t;
    }
    let sizeValue: number | null = null;
    if (diskSize !== undefined) {
      const n = parseWhole(diskSize.replace(/\s*(gb|g|gib)$/i, ''));
      if (n === null || n < 100 || n > 64000) {
        return fail('BAD_DISK', `${which}: \`disk-size\` is a boot disk size in GB from 100 to 64000, not ${q(diskSize)}.`);
      }
      sizeValue = n;
    }
    disk = { type: typeValue, sizeGb: sizeValue };
  }
  const role = POOL_ROLES[index] ?? 'evaluators';
  return ok({
    draft: { role, machine, gpu, replicas, said: `${which} ${q(`machine-type=${machine}`, 60)}`, image: null },
    executorImage: keys['executor-image-uri'] ?? null,
    containerImage: keys['container-image-uri'] ?? null,
    module: keys['python-module'] ?? null,
    disk,
  });
}

function poolExample(key: PoolKey): string {
  switch (key) {
    case 'machine-type':
      return 'n1-standard-8';
    case 'replica-count':
      return '1';
    case 'accelerator-type':
      return 'NVIDIA_TESLA_T4';
    case 'accelerator-count':
      return '1';
    case 'executor-image-uri':
      return 'tf-gpu.2-11.py310';
    case 'container-image-uri':
      return 'us-docker.pkg.dev/my-project/repo/trainer:latest';
    case 'python-module':
      return 'trainer.task';
    case 'disk-type':
      return 'pd-ssd';
    case 'disk-size':
      return '200';
  }
}

function vertexPools(s: SubmitSettings, userArgs: readonly string[], notes: string[], today: string): Parsed<TrainPool[]> {
  if (s.poolSpecs.length === 0) {
    return fail('MISSING_MACHINE', `Describe the machines with \`--worker-pool-spec=${EXAMPLES.workerPoolSpec}\`.`);
  }
  if (s.poolSpecs.length > POOL_ROLES.length) {
    return fail(
      'BAD_WORKER_POOL',
      `A job has at most ${POOL_ROLES.length} worker pools (chief, workers, parameter servers, evaluators); that is ${s.poolSpecs.length}.`,
    );
  }
  const specs: PoolSpecDraft[] = [];
  for (const [i, spec] of s.poolSpecs.entries()) {
    const parsed = parsePoolSpec(spec.value, i, notes);
    if (!parsed.ok) return parsed;
    specs.push(parsed.value);
  }
  const chief = specs[0];
  if (chief !== undefined && chief.draft.replicas !== 1) {
    return fail(
      'BAD_REPLICAS',
      `The first \`--worker-pool-spec\` is the chief and runs exactly one replica; put the other ${chief.draft.replicas - 1} in a second \`--worker-pool-spec\`.`,
    );
  }
  const planned = planPools(
    specs.map((p) => p.draft),
    notes,
  );
  if (!planned.ok) return planned;
  const args = [...s.args, ...userArgs];
  const pools: TrainPool[] = [];
  let pythonPools = 0;
  for (const [i, spec] of specs.entries()) {
    const entry = planned.value[i];
    if (entry === undefined) continue;
    const which = `\`--worker-pool-spec\` #${i + 1}`;
    if (spec.executorImage !== null && spec.containerImage !== null) {
      return fail('CONFLICTING_FLAGS', `${which} has both \`executor-image-uri\` (a Python package) and \`container-image-uri\` (a container). Keep one.`);
    }
    if (spec.containerImage !== null) {
      if (spec.module !== null) {
        return fail('CONFLICTING_FLAGS', `${which}: \`python-module\` goes with \`executor-image-uri\`; a \`container-image-uri\` runs its own command.`);
      }
      const uri = parseImage(spec.containerImage, `${which} \`container-image-uri\``, today);
      if (!uri.ok) return uri;
      pools.push(pool(entry.draft, entry.plan, { kind: 'container', imageUri: uri.value, command: s.command ?? [], args }, spec.disk));
      continue;
    }
    if (spec.executorImage === null) {
      return fail(
        'MISSING_IMAGE',
        `${which} needs an image: \`executor-image-uri=tf-gpu.2-11.py310\` (with \`python-module=\`) or \`container-image-uri=...\`.`,
      );
    }
    const uri = parseImage(spec.executorImage, `${which} \`executor-image-uri\``, today);
    if (!uri.ok) return uri;
    if (spec.module === null) {
      return fail('MISSING_MODULE', `${which}: \`executor-image-uri\` runs a Python module; add \`python-module=trainer.task\`.`);
    }
    if (!PYTHON_MODULE.test(spec.module)) {
      return fail('BAD_VALUE', `${which}: \`python-module\` is a Python module like \`trainer.task\`, not ${q(spec.module)}.`);
    }
    if (s.packages === null) {
      return fail('MISSING_PACKAGE', `Say where the trainer package is, like \`--python-package-uris ${EXAMPLES.packages}\`.`);
    }
    pythonPools++;
    pools.push(
      pool(entry.draft, entry.plan, { kind: 'python', executorImageUri: uri.value, packageUris: [...s.packages], pythonModule: spec.module, args }, spec.disk),
    );
  }
  if (s.command !== null && pythonPools > 0) {
    return fail('CONFLICTING_FLAGS', '`--command` is for `container-image-uri` pools; a Python package runs its `python-module`.');
  }
  if (s.packages !== null && pythonPools === 0) {
    return fail('CONFLICTING_FLAGS', '`--python-package-uris` goes with `executor-image-uri=` pools; every pool here runs a container.');
  }
  return ok(pools);
}

/** The job's page in the Cloud console. */
export function jobConsoleUrl(project: string, region: string, vertexJobId: string): string {
  return `https://console.cloud.google.com/vertex-ai/locations/${encodeURIComponent(region)}/training/${encodeURIComponent(vertexJobId)}?project=${encodeURIComponent(project)}`;
}

/** The job's logs in the Logs Explorer (Vertex AI writes them as resource type `ml_job`). */
export function jobLogsUrl(project: string, vertexJobId: string): string {
  const query = `resource.type="ml_job"\nresource.labels.job_id="${vertexJobId}"`;
  return `https://console.cloud.google.com/logs/query;query=${encodeURIComponent(query)}?project=${encodeURIComponent(project)}`;
}
