/**
 * Reads the text after `/train` into a typed command. `submit` takes ML Engine's flags, Vertex AI's
 * flags, or a whole pasted `gcloud ai-platform jobs submit training` / `gcloud ai custom-jobs create`
 * line, and turns any of them into one TrainRequest, which planJob (job-plan.ts) makes a JobPlan.
 * Every refusal says what was wrong and what would work. What each way of writing a submit reads lives
 * beside it: train-gcloud-line.ts (the flags and a pasted gcloud line), train-ml-engine-flags.ts and
 * train-scale-tiers.ts (ML Engine's machines), train-vertex-flags.ts (`--worker-pool-spec`),
 * train-values.ts (each value's check).
 */
import type { Parsed, UserError } from './result.js';
import type { TrainDisk, TrainPool, TrainTask } from './job-plan.js';
import { countChars, helpTopic, isFlagLike, isHelpFlag, lookup, undoSmartDash } from './command-words.js';
import { closestWord, quoteUserText as q, splitShellWords } from './shell-words.js';
import { collect, mlFlagsUsed, readSubmitWords, stripGcloud } from './train-gcloud-line.js';
import { mlEnginePools } from './train-ml-engine-flags.js';
import { REGION, SHELL_VARIABLE, checkGcsUri, checkJobName, fail, ok } from './train-values.js';
import { vertexPools } from './train-vertex-flags.js';
import { configFileUnreadable, readTuningConfig, withConfigFlags } from './train-tuning.js';
import type { TuningPlan } from './tuning-plan.js';

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
  /** A hyperparameter tuning study (from an ML Engine config file): the job runs as its trials. Absent for an ordinary job. */
  tuning?: TuningPlan;
}

/** Longer text is refused before it is read. Pasted gcloud lines with long URIs and arguments need room. */
export const MAX_TRAIN_COMMAND_LENGTH = 4000;

export { TRAIN_COMMAND_ERROR_CODES, type TrainCommandErrorCode } from './train-values.js';

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

/** What parsing needs to know besides the words. */
export interface TrainParseContext {
  /**
   * The day of the submit (ISO `YYYY-MM-DD`, UTC): prebuilt images past their end of availability
   * on that day are never chosen or accepted, since Vertex AI refuses them.
   */
  today: string;
  /**
   * The text of an ML Engine job config (`--config hptuning.yaml`), pasted in the form: Slack cannot
   * hand the bot a file on someone's machine, so a `--config` without it is refused with that advice.
   */
  configText?: string;
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
  if (GCLOUD_WORDS.has(said)) return parseSubmit('submit', words, today, context.configText);
  const sub = lookup(SUBCOMMAND_WORDS, said);
  if (sub === undefined) return unknownSubcommand(first);
  if (sub === 'help') return parseHelp(rest);

  const endOfFlags = rest.indexOf('--');
  const flagPart = endOfFlags < 0 ? rest : rest.slice(0, endOfFlags);
  if (flagPart.some(isHelpFlag)) return ok({ kind: 'help', topic: sub });

  switch (sub) {
    case 'submit':
      return parseSubmit(said, rest, today, context.configText);
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


function parseSubmit(said: string, input: readonly string[], today: string, configText?: string): Parsed<TrainCommand> {
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
  const { positionals, flags: lineFlags, userArgs: lineArgs } = read.value;
  const hasConfig = configText !== undefined && configText.trim() !== '';
  if (positionals.length === 0 && lineFlags.length === 0 && lineArgs.length === 0 && pastedFrom === null && !hasConfig) {
    return ok({ kind: 'submit', request: null });
  }
  const notes: string[] = [];
  // A tuning config (its text from the form) adds its study and its settings; the line's flags win.
  let flags = lineFlags;
  let userArgs = lineArgs;
  let tuning: TuningPlan | undefined;
  const configFlag = lineFlags.find((f) => f.spec.field === 'configFile');
  if (!hasConfig && configFlag !== undefined) return { ok: false, error: configFileUnreadable(configFlag.value) };
  if (hasConfig) {
    const config = readTuningConfig(configText);
    if (!config.ok) return config;
    const configWords = readSubmitWords(config.value.flagWords);
    if (!configWords.ok) return configWords;
    flags = withConfigFlags(lineFlags, configWords.value.flags);
    if (lineArgs.length === 0 && config.value.args !== null) userArgs = config.value.args;
    tuning = config.value.tuning;
    notes.push(...config.value.notes);
  }
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
    request: { name, region, pools: pools.value, jobDir, labels: s.labels, from: vertex ? 'vertex' : 'ml-engine', notes, ...(tuning !== undefined ? { tuning } : {}) },
  });
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
