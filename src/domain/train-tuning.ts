/**
 * ML Engine's job config file (`gcloud ai-platform jobs submit training --config hptuning.yaml`) read
 * into a TuningPlan, plus the machine settings the file may hold, given back as the `/train submit`
 * flags they mean. The file is a Job resource of ML Engine's REST API (or just its `trainingInput`, or
 * just its `hyperparameters`), as its reference describes it:
 * https://cloud.google.com/ai-platform/training/docs/reference/rest/v1/projects.jobs (TrainingInput,
 * HyperparameterSpec, ParameterSpec). Vertex AI's StudySpec takes the same study:
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1/StudySpec.
 */
import type { Parsed, UserError } from './result.js';
import { isConfigMap, readConfigText, type ConfigMap, type ConfigValue } from './config-text.js';
import { closestWord, quoteUserText as q } from './shell-words.js';
import type { TuningAlgorithm, TuningParameter, TuningPlan, TuningScale } from './tuning-plan.js';

/** Codes only a tuning config answers with, beside parseTrainCommand's own. */
export const TUNING_ERROR_CODES = [
  'BAD_CONFIG',
  'CONFIG_FILE_UNREADABLE',
  'NO_HYPERPARAMETERS',
  'UNKNOWN_CONFIG_KEY',
  'UNSUPPORTED_CONFIG_KEY',
  'BAD_TUNING_VALUE',
  'BAD_PARAMETER',
] as const;
export type TuningErrorCode = (typeof TUNING_ERROR_CODES)[number];

/** ML Engine's default metric tag, when the config names none (HyperparameterSpec.hyperparameterMetricTag). */
export const DEFAULT_METRIC_TAG = 'training/hptuning/metric';

/** What a config file gives a submit. */
export interface TuningConfig {
  tuning: TuningPlan;
  /** The file's machine and package settings as `/train submit` flags (`--scale-tier=BASIC_GPU`, ...). */
  flagWords: string[];
  /** The file's `args`, or null when it has none. */
  args: string[] | null;
  notes: string[];
}

function fail(code: TuningErrorCode, message: string): { ok: false; error: UserError } {
  return { ok: false, error: { code, message } };
}

/** What `--config FILE` without the file's text answers: the bot cannot read a file on someone's machine. */
export function configFileUnreadable(file: string): UserError {
  return {
    code: 'CONFIG_FILE_UNREADABLE',
    message:
      `${q(`--config ${file}`, 60)} is a file on your machine, which I can't read from Slack. ` +
      'Send `/train` alone to open the form, paste this line under *Command line* and the text of the file under *Tuning config*.',
  };
}

/** TrainingInput keys that map to a `/train submit` flag. */
const FLAG_KEYS: Readonly<Record<string, string>> = {
  scaleTier: 'scale-tier',
  masterType: 'master-machine-type',
  workerType: 'worker-machine-type',
  workerCount: 'worker-count',
  parameterServerType: 'parameter-server-machine-type',
  parameterServerCount: 'parameter-server-count',
  pythonModule: 'module-name',
  runtimeVersion: 'runtime-version',
  pythonVersion: 'python-version',
  region: 'region',
  jobDir: 'job-dir',
};
const CONFIG_KEYS: Readonly<Record<string, string>> = { masterConfig: 'master', workerConfig: 'worker', parameterServerConfig: 'parameter-server' };
const OTHER_KEYS = ['hyperparameters', 'packageUris', 'args'];
/** TrainingInput keys /train knows but does not offer (as the same gcloud flags are refused). */
const UNSUPPORTED_KEYS = new Set([
  'serviceAccount',
  'network',
  'scheduling',
  'useChiefInTfConfig',
  'evaluatorType',
  'evaluatorCount',
  'evaluatorConfig',
  'enableWebAccess',
  'encryptionConfig',
]);
const HYPER_KEYS = ['goal', 'hyperparameterMetricTag', 'params', 'maxTrials', 'maxParallelTrials', 'maxFailedTrials', 'algorithm', 'enableTrialEarlyStopping', 'resumePreviousJobId'];
const PARAM_KEYS = ['parameterName', 'type', 'minValue', 'maxValue', 'categoricalValues', 'discreteValues', 'scaleType'];
const SCALES: Readonly<Record<string, TuningScale | null>> = {
  NONE: null,
  UNIT_LINEAR_SCALE: 'linear',
  UNIT_LOG_SCALE: 'log',
  UNIT_REVERSE_LOG_SCALE: 'reverse-log',
};
const ALGORITHMS: Readonly<Record<string, TuningAlgorithm>> = { ALGORITHM_UNSPECIFIED: 'bayesian', GRID_SEARCH: 'grid', RANDOM_SEARCH: 'random' };
/** Vertex AI's metric and parameter ids: "Must not contain whitespaces" (StudySpec.MetricSpec, ParameterSpec). */
const NO_SPACE = /^\S{1,128}$/;

/** Reads a config file's text: its study, and the flags its other settings stand for. */
export function readTuningConfig(text: string): Parsed<TuningConfig> {
  const read = readConfigText(text);
  if (!read.ok) return read;
  const root = read.value;
  if (!isConfigMap(root)) return fail('BAD_CONFIG', 'The config should be a map with `trainingInput:` (or `hyperparameters:`) at its top, as ML Engine\'s config files are.');
  const notes: string[] = [];
  const flagWords: string[] = [];
  let input: ConfigMap = root;
  if (Object.hasOwn(root, 'trainingInput')) {
    for (const key of Object.keys(root)) {
      if (key === 'trainingInput') continue;
      if (key === 'labels') {
        const labels = root.labels;
        if (!isConfigMap(labels)) return fail('BAD_TUNING_VALUE', '`labels` in the config is a map of `key: value` lines.');
        const pairs = Object.entries(labels).map(([k, v]) => `${k}=${typeof v === 'string' ? v : ''}`);
        if (pairs.length > 0) flagWords.push(`--labels=${pairs.join(',')}`);
      } else if (key === 'jobId') {
        notes.push('The config\'s `jobId` is not used: the job is named on the command line.');
      } else {
        return unknownKey(key, ['trainingInput', 'labels', 'jobId'], 'the top of the config');
      }
    }
    const inner = root.trainingInput;
    if (!isConfigMap(inner)) return fail('BAD_CONFIG', '`trainingInput:` should hold the job\'s settings as `key: value` lines indented under it.');
    input = inner;
  }
  // Only the HyperparameterSpec itself, pasted without the lines above it.
  if (!Object.hasOwn(input, 'hyperparameters') && Object.hasOwn(input, 'params')) input = { hyperparameters: input };

  let args: string[] | null = null;
  for (const [key, value] of Object.entries(input)) {
    const flag = FLAG_KEYS[key];
    if (flag !== undefined) {
      if (typeof value !== 'string') return fail('BAD_TUNING_VALUE', `\`${key}\` in the config takes one value, like \`${key}: ${flagExample(key)}\`.`);
      flagWords.push(`--${flag}=${value}`);
    } else if (Object.hasOwn(CONFIG_KEYS, key)) {
      const words = replicaConfig(key, value);
      if (!words.ok) return words;
      flagWords.push(...words.value);
    } else if (key === 'packageUris') {
      const list = stringList(value);
      if (list === null || list.length === 0) return fail('BAD_TUNING_VALUE', '`packageUris` in the config is a list of `gs://` paths, one `- gs://...` line each.');
      flagWords.push(`--packages=${list.join(',')}`);
    } else if (key === 'args') {
      const list = stringList(value);
      if (list === null) return fail('BAD_TUNING_VALUE', '`args` in the config is a list, one `- --flag=value` line each.');
      args = list;
    } else if (key === 'hyperparameters') {
      continue;
    } else if (UNSUPPORTED_KEYS.has(key)) {
      return fail('UNSUPPORTED_CONFIG_KEY', `/train doesn't offer \`${key}\` yet: jobs run with the bot's defaults for it. Take it out of the config and send again.`);
    } else {
      return unknownKey(key, [...Object.keys(FLAG_KEYS), ...Object.keys(CONFIG_KEYS), ...OTHER_KEYS, ...UNSUPPORTED_KEYS], '`trainingInput`');
    }
  }
  const spec = input.hyperparameters;
  if (!isConfigMap(spec)) {
    return fail(
      'NO_HYPERPARAMETERS',
      'The config has no `hyperparameters:` section, so there is nothing to tune. Add one (its `goal`, `hyperparameterMetricTag`, `maxTrials` and `params`), or leave the config out for an ordinary job.',
    );
  }
  const tuning = readHyperparameters(spec, notes);
  if (!tuning.ok) return tuning;
  return { ok: true, value: { tuning: tuning.value, flagWords, args, notes } };
}

function flagExample(key: string): string {
  const examples: Record<string, string> = { scaleTier: 'BASIC_GPU', masterType: 'n1-standard-8', workerCount: '2', runtimeVersion: '2.11', region: 'us-central1', jobDir: 'gs://bucket/out' };
  return examples[key] ?? '...';
}

function unknownKey(key: string, known: readonly string[], where: string): { ok: false; error: UserError } {
  const near = closestWord(key, known);
  return fail('UNKNOWN_CONFIG_KEY', `I don't know ${q(key)} in ${where}.${near !== null ? ` Did you mean \`${near}\`?` : ''} Keys there: ${known.map((k) => `\`${k}\``).join(', ')}.`);
}

/** `masterConfig: {acceleratorConfig: {count, type}, imageUri}` as the flags that say the same. */
function replicaConfig(key: string, value: ConfigValue): Parsed<string[]> {
  const who = CONFIG_KEYS[key] ?? 'master';
  if (!isConfigMap(value)) return fail('BAD_TUNING_VALUE', `\`${key}\` in the config holds \`acceleratorConfig\` and \`imageUri\` lines indented under it.`);
  const words: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (k === 'imageUri') {
      if (typeof v !== 'string') return fail('BAD_TUNING_VALUE', `\`${key}.imageUri\` is one image, like \`gcr.io/my-project/trainer:1\`.`);
      words.push(`--${who}-image-uri=${v}`);
    } else if (k === 'acceleratorConfig') {
      if (!isConfigMap(v) || typeof v.type !== 'string') {
        return fail('BAD_TUNING_VALUE', `\`${key}.acceleratorConfig\` holds \`type: NVIDIA_TESLA_T4\` and \`count: 1\` lines indented under it.`);
      }
      const count = typeof v.count === 'string' ? v.count : '1';
      words.push(`--${who}-accelerator=type=${v.type},count=${count}`);
    } else {
      return unknownKey(k, ['acceleratorConfig', 'imageUri'], `\`${key}\``);
    }
  }
  return { ok: true, value: words };
}

function stringList(value: ConfigValue | undefined): string[] | null {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) return null;
  const out: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') return null;
    out.push(item);
  }
  return out;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberOf(value: ConfigValue | undefined): number | null {
  if (typeof value !== 'string' || !NUMBER.test(value.trim())) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function wholeOf(value: ConfigValue | undefined): number | null {
  const n = numberOf(value);
  return n !== null && Number.isSafeInteger(n) ? n : null;
}

function readHyperparameters(spec: ConfigMap, notes: string[]): Parsed<TuningPlan> {
  for (const key of Object.keys(spec)) if (!HYPER_KEYS.includes(key)) return unknownKey(key, HYPER_KEYS, '`hyperparameters`');
  if (spec.resumePreviousJobId !== undefined && spec.resumePreviousJobId !== null) {
    return fail('UNSUPPORTED_CONFIG_KEY', '`resumePreviousJobId` continues an ML Engine study, which Vertex AI cannot read. Take it out to start a new study.');
  }
  const goalText = spec.goal === undefined || spec.goal === null ? 'MAXIMIZE' : typeof spec.goal === 'string' ? spec.goal.toUpperCase() : '';
  if (goalText !== 'MAXIMIZE' && goalText !== 'MINIMIZE') return fail('BAD_TUNING_VALUE', `\`goal\` is \`MAXIMIZE\` or \`MINIMIZE\`, not ${q(String(spec.goal))}.`);
  const metric = spec.hyperparameterMetricTag === undefined || spec.hyperparameterMetricTag === null ? DEFAULT_METRIC_TAG : spec.hyperparameterMetricTag;
  if (typeof metric !== 'string' || !NO_SPACE.test(metric)) {
    return fail('BAD_TUNING_VALUE', '`hyperparameterMetricTag` is the name your trainer reports the metric under, without spaces, like `accuracy`.');
  }
  if (spec.hyperparameterMetricTag === undefined) notes.push(`No \`hyperparameterMetricTag\`: trials are judged by \`${DEFAULT_METRIC_TAG}\`, as ML Engine did.`);

  const counts: Record<'maxTrials' | 'maxParallelTrials' | 'maxFailedTrials', number> = { maxTrials: 1, maxParallelTrials: 1, maxFailedTrials: 0 };
  for (const key of ['maxTrials', 'maxParallelTrials', 'maxFailedTrials'] as const) {
    const raw = spec[key];
    if (raw === undefined || raw === null) continue;
    const n = wholeOf(raw);
    const least = key === 'maxFailedTrials' ? 0 : 1;
    if (n === null || n < least || n > 10_000) {
      return fail('BAD_TUNING_VALUE', `\`${key}\` is a whole number${least === 1 ? ' of at least 1' : ''}, like \`${key}: ${key === 'maxTrials' ? 20 : key === 'maxParallelTrials' ? 2 : 3}\`; ${q(String(raw))} isn't one.`);
    }
    counts[key] = n;
  }
  if (spec.maxTrials === undefined) notes.push('No `maxTrials`: one trial, as ML Engine did.');
  let parallel = counts.maxParallelTrials;
  if (parallel > counts.maxTrials) {
    notes.push(`\`maxParallelTrials\` ${parallel} is more than \`maxTrials\` ${counts.maxTrials}: at most ${counts.maxTrials} run at once.`);
    parallel = counts.maxTrials;
  }

  const algorithmText = spec.algorithm === undefined || spec.algorithm === null ? 'ALGORITHM_UNSPECIFIED' : typeof spec.algorithm === 'string' ? spec.algorithm.toUpperCase() : '';
  const algorithm = Object.hasOwn(ALGORITHMS, algorithmText) ? ALGORITHMS[algorithmText] : undefined;
  if (algorithm === undefined) return fail('BAD_TUNING_VALUE', `\`algorithm\` is \`GRID_SEARCH\`, \`RANDOM_SEARCH\` or left out (the default search), not ${q(String(spec.algorithm))}.`);
  const stopping = typeof spec.enableTrialEarlyStopping === 'string' ? spec.enableTrialEarlyStopping.toLowerCase() : null;
  if (stopping === 'true' || stopping === 'yes') {
    // ML Engine did not document the rule behind its switch; Vertex AI asks for a named rule (median,
    // decay curve, convex), so none is picked on the person's behalf.
    notes.push('`enableTrialEarlyStopping` is not carried over: Vertex AI asks for a named stopping rule, so every trial runs to its end.');
  }

  const rawParams = spec.params;
  if (!Array.isArray(rawParams) || rawParams.length === 0) {
    return fail('NO_HYPERPARAMETERS', '`params` lists the parameters to tune, one `- parameterName: ...` item each with its `type` and range. It is empty or missing.');
  }
  const parameters: TuningParameter[] = [];
  for (const [i, raw] of rawParams.entries()) {
    const p = readParameter(raw, i, notes);
    if (!p.ok) return p;
    if (parameters.some((other) => other.name === p.value.name)) return fail('BAD_PARAMETER', `\`${p.value.name}\` is in \`params\` twice. Keep one.`);
    parameters.push(p.value);
  }
  if (algorithm === 'grid') {
    const double = parameters.find((p) => p.kind === 'double');
    if (double !== undefined) {
      return fail('BAD_PARAMETER', `\`GRID_SEARCH\` needs a finite set of values to try; \`${double.name}\` is a \`DOUBLE\`. Make it \`DISCRETE\` with \`discreteValues\`, or drop \`algorithm: GRID_SEARCH\`.`);
    }
  }
  return {
    ok: true,
    value: { metric, goal: goalText, parameters, algorithm, maxTrials: counts.maxTrials, parallelTrials: parallel, maxFailedTrials: counts.maxFailedTrials },
  };
}

function readParameter(raw: ConfigValue, i: number, notes: string[]): Parsed<TuningParameter> {
  const where = `Parameter ${i + 1} of \`params\``;
  if (!isConfigMap(raw)) return fail('BAD_PARAMETER', `${where} should be \`- parameterName: ...\` with \`type\` and its range indented under it.`);
  for (const key of Object.keys(raw)) if (!PARAM_KEYS.includes(key)) return unknownKey(key, PARAM_KEYS, where.toLowerCase());
  const name = raw.parameterName;
  if (typeof name !== 'string' || !NO_SPACE.test(name)) {
    return fail('BAD_PARAMETER', `${where} needs a \`parameterName\` without spaces: the flag your trainer reads, like \`learning_rate\` for \`--learning_rate\`.`);
  }
  const type = typeof raw.type === 'string' ? raw.type.toUpperCase() : '';
  const scaleText = typeof raw.scaleType === 'string' ? raw.scaleType.toUpperCase() : raw.scaleType === undefined || raw.scaleType === null ? 'NONE' : '';
  const scale = Object.hasOwn(SCALES, scaleText) ? SCALES[scaleText] : undefined;
  if (scale === undefined) return fail('BAD_PARAMETER', `\`scaleType\` of \`${name}\` is \`UNIT_LINEAR_SCALE\`, \`UNIT_LOG_SCALE\` or \`UNIT_REVERSE_LOG_SCALE\`, not ${q(String(raw.scaleType))}.`);
  switch (type) {
    case 'DOUBLE':
    case 'INTEGER': {
      const read = type === 'DOUBLE' ? numberOf : wholeOf;
      const min = read(raw.minValue);
      const max = read(raw.maxValue);
      const kind = type === 'DOUBLE' ? 'a number' : 'a whole number';
      if (min === null || max === null) {
        return fail('BAD_PARAMETER', `\`${name}\` is ${type}: give \`minValue\` and \`maxValue\`, each ${kind}, like \`minValue: ${type === 'DOUBLE' ? '0.0001' : '16'}\` and \`maxValue: ${type === 'DOUBLE' ? '0.1' : '256'}\`.`);
      }
      if (min > max) return fail('BAD_PARAMETER', `\`${name}\`: \`minValue\` ${min} is above \`maxValue\` ${max}. Swap them.`);
      if ((scale === 'log' || scale === 'reverse-log') && min <= 0) {
        return fail('BAD_PARAMETER', `\`${name}\` is searched on a log scale, which needs \`minValue\` above 0; it is ${min}. Raise it, or use \`UNIT_LINEAR_SCALE\`.`);
      }
      if (raw.categoricalValues !== undefined || raw.discreteValues !== undefined) {
        return fail('BAD_PARAMETER', `\`${name}\` is ${type}, searched between \`minValue\` and \`maxValue\`; its value list belongs to a \`DISCRETE\` or \`CATEGORICAL\` parameter.`);
      }
      return { ok: true, value: type === 'DOUBLE' ? { name, kind: 'double', min, max, scale } : { name, kind: 'integer', min, max, scale } };
    }
    case 'CATEGORICAL': {
      const values = stringList(raw.categoricalValues);
      if (values === null || values.length === 0) return fail('BAD_PARAMETER', `\`${name}\` is CATEGORICAL: list its \`categoricalValues\`, one \`- value\` line each.`);
      if (new Set(values).size !== values.length) return fail('BAD_PARAMETER', `\`categoricalValues\` of \`${name}\` name one value twice. Keep each once.`);
      // Vertex AI: "Leave unset for CATEGORICAL parameters" (StudySpec.ParameterSpec.scaleType).
      if (scale !== null) notes.push(`\`scaleType\` of \`${name}\` is left out: categories have no scale.`);
      return { ok: true, value: { name, kind: 'categorical', values } };
    }
    case 'DISCRETE': {
      const texts = stringList(raw.discreteValues);
      const values = texts?.map((t) => numberOf(t));
      if (values === undefined || values.length === 0 || values.some((v) => v === null)) {
        return fail('BAD_PARAMETER', `\`${name}\` is DISCRETE: list its \`discreteValues\`, numbers, one \`- value\` line each.`);
      }
      const sorted = (values as number[]).slice().sort((a, b) => a - b);
      // Vertex AI wants them "in increasing order and at least 1e-10 apart" (DiscreteValueSpec.values).
      if (sorted.some((v, k) => k > 0 && v - (sorted[k - 1] ?? v) < 1e-10)) return fail('BAD_PARAMETER', `\`discreteValues\` of \`${name}\` name one value twice. Keep each once.`);
      if ((scale === 'log' || scale === 'reverse-log') && (sorted[0] ?? 0) <= 0) {
        return fail('BAD_PARAMETER', `\`${name}\` is searched on a log scale, which needs every value above 0. Drop the others, or use \`UNIT_LINEAR_SCALE\`.`);
      }
      return { ok: true, value: { name, kind: 'discrete', values: sorted, scale } };
    }
    default:
      return fail('BAD_PARAMETER', `\`type\` of \`${name}\` is \`DOUBLE\`, \`INTEGER\`, \`CATEGORICAL\` or \`DISCRETE\`, not ${q(String(raw.type ?? ''))}.`);
  }
}

/** The job a config's flags and the command line's make together: the line wins where both say something, as in gcloud. */
export function withConfigFlags<F extends { spec: { field: string } }>(lineFlags: readonly F[], configFlags: readonly F[]): F[] {
  const given = new Set(lineFlags.map((f) => f.spec.field));
  return [...configFlags.filter((f) => !given.has(f.spec.field) || f.spec.field === 'labels'), ...lineFlags];
}
