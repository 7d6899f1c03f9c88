/**
 * What the Vertex AI sandbox knows of hyperparameter tuning jobs: the checks a HyperparameterTuningJob
 * body meets before Vertex AI accepts it, and the trials a job that succeeds is played as. Written from
 * the aiplatform v1 discovery document (revision 20240617: HyperparameterTuningJob, StudySpec and its
 * MetricSpec and ParameterSpec, Trial, Measurement) and the REST reference pages
 * https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.hyperparameterTuningJobs
 * and https://cloud.google.com/vertex-ai/docs/reference/rest/v1/StudySpec (read 2026-12-03).
 * The trial CustomJobSpec is checked by vertex.ts, as any custom job's.
 *
 * Where Vertex AI's behaviour is not documented, the sandbox's choice: trials are played all at once
 * when the job succeeds (none while it runs); their parameters are spread over each parameter's range
 * and their metric peaks at exactly one trial (the middle one), so "the best trial" has one answer.
 */

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields of GoogleCloudAiplatformV1HyperparameterTuningJob (discovery document). */
export const TUNING_JOB_FIELDS = new Set([
  'name',
  'displayName',
  'studySpec',
  'maxTrialCount',
  'parallelTrialCount',
  'maxFailedTrialCount',
  'trialJobSpec',
  'trials',
  'state',
  'createTime',
  'startTime',
  'endTime',
  'updateTime',
  'error',
  'labels',
  'encryptionSpec',
  'satisfiesPzs',
  'satisfiesPzi',
]);
/** Output-only fields: a request that sets one is refused. */
const OUTPUT_ONLY = ['name', 'trials', 'state', 'createTime', 'startTime', 'endTime', 'updateTime', 'error'];
const STUDY_FIELDS = new Set([
  'metrics',
  'parameters',
  'algorithm',
  'observationNoise',
  'measurementSelectionType',
  'decayCurveStoppingSpec',
  'medianAutomatedStoppingSpec',
  'convexAutomatedStoppingSpec',
  'studyStoppingConfig',
]);
const METRIC_FIELDS = new Set(['metricId', 'goal', 'safetyConfig']);
const PARAMETER_FIELDS = new Set(['parameterId', 'doubleValueSpec', 'integerValueSpec', 'categoricalValueSpec', 'discreteValueSpec', 'scaleType', 'conditionalParameterSpecs']);
const VALUE_SPECS = ['doubleValueSpec', 'integerValueSpec', 'categoricalValueSpec', 'discreteValueSpec'] as const;
const VALUE_SPEC_FIELDS: Readonly<Record<(typeof VALUE_SPECS)[number], ReadonlySet<string>>> = {
  doubleValueSpec: new Set(['minValue', 'maxValue', 'defaultValue']),
  integerValueSpec: new Set(['minValue', 'maxValue', 'defaultValue']),
  categoricalValueSpec: new Set(['values', 'defaultValue']),
  discreteValueSpec: new Set(['values', 'defaultValue']),
};
const GOALS = new Set(['MAXIMIZE', 'MINIMIZE']);
const ALGORITHMS = new Set(['ALGORITHM_UNSPECIFIED', 'GRID_SEARCH', 'RANDOM_SEARCH']);
const SCALES = new Set(['SCALE_TYPE_UNSPECIFIED', 'UNIT_LINEAR_SCALE', 'UNIT_LOG_SCALE', 'UNIT_REVERSE_LOG_SCALE']);

/** One parameter as the sandbox plays it. */
export type StudyParameter =
  | { id: string; kind: 'double' | 'integer'; min: number; max: number }
  | { id: string; kind: 'categorical'; values: string[] }
  | { id: string; kind: 'discrete'; values: number[] };

export interface Study {
  metricId: string;
  goal: 'MAXIMIZE' | 'MINIMIZE';
  parameters: StudyParameter[];
  maxTrialCount: number;
  parallelTrialCount: number;
}

export interface TuningBodyCheck {
  /** The first field no schema has, as Vertex AI's JSON parser refuses it: name and where. */
  unknownField?: { name: string; at: string };
  violations: { field: string; description: string }[];
  study: Study | null;
  /** The trials' CustomJobSpec, for vertex.ts to check as a custom job's. */
  trialJobSpec: unknown;
}

function int32(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? value : null;
}

function int64(value: unknown): number | null {
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return null;
}

/** Checks a HyperparameterTuningJob create body (everything but its trialJobSpec's contents). */
export function checkTuningBody(body: Json): TuningBodyCheck {
  const violations: TuningBodyCheck['violations'] = [];
  const out = (field: string, description: string): void => {
    violations.push({ field: `hyperparameter_tuning_job.${field}`, description });
  };
  for (const key of Object.keys(body)) {
    if (!TUNING_JOB_FIELDS.has(key)) return { unknownField: { name: key, at: 'hyperparameter_tuning_job' }, violations, study: null, trialJobSpec: undefined };
  }
  for (const key of OUTPUT_ONLY) if (body[key] !== undefined) out(key, 'Output only field must not be set.');
  const maxTrialCount = int32(body.maxTrialCount);
  if (maxTrialCount === null || maxTrialCount < 1) out('max_trial_count', 'Required: the desired total number of Trials, a positive integer.');
  const parallel = int32(body.parallelTrialCount);
  if (parallel === null || parallel < 1) out('parallel_trial_count', 'Required: the desired number of Trials to run in parallel, a positive integer.');
  if (body.maxFailedTrialCount !== undefined) {
    const failed = int32(body.maxFailedTrialCount);
    if (failed === null || failed < 0) out('max_failed_trial_count', 'Must be a non-negative integer.');
  }
  if (!isRecord(body.trialJobSpec)) out('trial_job_spec', 'Required field is not set.');

  const spec = body.studySpec;
  if (!isRecord(spec)) {
    out('study_spec', 'Required field is not set.');
    return { violations, study: null, trialJobSpec: body.trialJobSpec };
  }
  for (const key of Object.keys(spec)) {
    if (!STUDY_FIELDS.has(key)) return { unknownField: { name: key, at: 'hyperparameter_tuning_job.study_spec' }, violations, study: null, trialJobSpec: undefined };
  }
  if (spec.algorithm !== undefined && (typeof spec.algorithm !== 'string' || !ALGORITHMS.has(spec.algorithm))) out('study_spec.algorithm', `Invalid value ${JSON.stringify(spec.algorithm)}.`);
  // StudySpec.observationNoise: "Not supported by HyperparameterTuningJob or TrainingPipeline."
  if (spec.observationNoise !== undefined) out('study_spec.observation_noise', 'Not supported by HyperparameterTuningJob.');

  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  if (metrics.length === 0) out('study_spec.metrics', 'Required field is not set.');
  let metricId = '';
  let goal: Study['goal'] = 'MAXIMIZE';
  metrics.forEach((m: unknown, i) => {
    const at = `study_spec.metrics[${i}]`;
    if (!isRecord(m)) return out(at, 'Must be an object.');
    for (const key of Object.keys(m)) if (!METRIC_FIELDS.has(key)) out(`${at}.${key}`, 'Unknown field.');
    // MetricSpec.metricId: "Must not contain whitespaces and must be unique amongst all MetricSpecs."
    if (typeof m.metricId !== 'string' || !/^\S+$/.test(m.metricId)) out(`${at}.metric_id`, 'Required, and must not contain whitespaces.');
    if (typeof m.goal !== 'string' || !GOALS.has(m.goal)) out(`${at}.goal`, 'Required: MAXIMIZE or MINIMIZE.');
    if (i === 0 && typeof m.metricId === 'string' && typeof m.goal === 'string' && GOALS.has(m.goal)) {
      metricId = m.metricId;
      goal = m.goal as Study['goal'];
    }
  });

  const rawParameters = Array.isArray(spec.parameters) ? spec.parameters : [];
  if (rawParameters.length === 0) out('study_spec.parameters', 'Required field is not set.');
  const parameters: StudyParameter[] = [];
  const ids = new Set<string>();
  rawParameters.forEach((p: unknown, i) => {
    const at = `study_spec.parameters[${i}]`;
    if (!isRecord(p)) return out(at, 'Must be an object.');
    for (const key of Object.keys(p)) if (!PARAMETER_FIELDS.has(key)) out(`${at}.${key}`, 'Unknown field.');
    const id = typeof p.parameterId === 'string' ? p.parameterId : '';
    if (!/^\S+$/.test(id)) out(`${at}.parameter_id`, 'Required, and must not contain whitespaces.');
    else if (ids.has(id)) out(`${at}.parameter_id`, `Parameter id "${id}" must be unique amongst all ParameterSpecs.`);
    ids.add(id);
    const given = VALUE_SPECS.filter((k) => p[k] !== undefined);
    if (given.length !== 1) return out(at, 'Exactly one of double_value_spec, integer_value_spec, categorical_value_spec, discrete_value_spec must be set.');
    const which = given[0] ?? 'doubleValueSpec';
    const value = p[which];
    if (!isRecord(value)) return out(`${at}.${which}`, 'Must be an object.');
    for (const key of Object.keys(value)) if (!VALUE_SPEC_FIELDS[which].has(key)) out(`${at}.${which}.${key}`, 'Unknown field.');
    const scale = p.scaleType;
    if (scale !== undefined && (typeof scale !== 'string' || !SCALES.has(scale))) out(`${at}.scale_type`, `Invalid value ${JSON.stringify(scale)}.`);
    const logScale = scale === 'UNIT_LOG_SCALE' || scale === 'UNIT_REVERSE_LOG_SCALE';
    if (which === 'doubleValueSpec' || which === 'integerValueSpec') {
      const read = which === 'doubleValueSpec' ? (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null) : int64;
      const min = read(value.minValue);
      const max = read(value.maxValue);
      if (min === null || max === null) return out(`${at}.${which}`, `min_value and max_value are required${which === 'integerValueSpec' ? ' (int64, as decimal strings)' : ''}.`);
      if (min > max) return out(`${at}.${which}`, 'min_value must not be greater than max_value.');
      // ScaleType: "The entire feasible space must be strictly positive" for the log scales.
      if (logScale && min <= 0) return out(`${at}.scale_type`, 'A log scale needs a strictly positive feasible space.');
      parameters.push({ id, kind: which === 'doubleValueSpec' ? 'double' : 'integer', min, max });
    } else if (which === 'categoricalValueSpec') {
      // ParameterSpec.scaleType: "Leave unset for CATEGORICAL parameters."
      if (scale !== undefined) out(`${at}.scale_type`, 'Leave unset for CATEGORICAL parameters.');
      const values = Array.isArray(value.values) ? value.values : [];
      if (values.length === 0 || values.some((v) => typeof v !== 'string')) return out(`${at}.categorical_value_spec.values`, 'Required: a list of categories (strings).');
      parameters.push({ id, kind: 'categorical', values: values as string[] });
    } else {
      const values = Array.isArray(value.values) ? value.values : [];
      if (values.length === 0 || values.some((v) => typeof v !== 'number')) return out(`${at}.discrete_value_spec.values`, 'Required: a list of numbers.');
      const nums = values as number[];
      // DiscreteValueSpec.values: "in increasing order and at least 1e-10 apart".
      if (nums.some((v, k) => k > 0 && v - (nums[k - 1] ?? v) < 1e-10)) return out(`${at}.discrete_value_spec.values`, 'Values must be in increasing order and at least 1e-10 apart.');
      if (logScale && (nums[0] ?? 0) <= 0) return out(`${at}.scale_type`, 'A log scale needs a strictly positive feasible space.');
      parameters.push({ id, kind: 'discrete', values: nums });
    }
  });
  // StudySpec.Algorithm GRID_SEARCH: "all parameters must be INTEGER, CATEGORICAL, or DISCRETE".
  if (spec.algorithm === 'GRID_SEARCH' && parameters.some((p) => p.kind === 'double')) {
    out('study_spec.algorithm', 'To use grid search, all parameters must be INTEGER, CATEGORICAL, or DISCRETE.');
  }
  const study = violations.length === 0 && maxTrialCount !== null && parallel !== null ? { metricId, goal, parameters, maxTrialCount, parallelTrialCount: parallel } : null;
  return { violations, study, trialJobSpec: body.trialJobSpec };
}

/** Trials played for a job that succeeded; the sandbox shows at most this many. */
const MAX_PLAYED_TRIALS = 100;

/**
 * The trials of a job that succeeded, as Trial resources: ids from 1, parameters spread over each
 * range (a golden-ratio walk, so no two trials of a few share a value), the metric best at one trial.
 */
export function playTrials(study: Study, startMs: number, endMs: number, bestIndex?: number): Json[] {
  const n = Math.min(study.maxTrialCount, MAX_PLAYED_TRIALS);
  const best = Math.min(n, Math.max(1, bestIndex ?? Math.ceil(n / 2)));
  const span = Math.max(0, endMs - startMs);
  const trials: Json[] = [];
  for (let i = 1; i <= n; i++) {
    const frac = (i * 0.6180339887) % 1;
    const parameters = study.parameters.map((p) => {
      let value: number | string;
      if ('values' in p) {
        value = p.values[i % p.values.length] ?? p.values[0] ?? '';
      } else {
        const raw = p.min + (p.max - p.min) * frac;
        value = p.kind === 'double' ? Number(raw.toPrecision(6)) : Math.round(raw);
      }
      return { parameterId: p.id, value };
    });
    const distance = Math.abs(i - best) / n;
    const metric = Number((study.goal === 'MAXIMIZE' ? 0.95 - 0.5 * distance : 0.05 + 0.5 * distance).toFixed(4));
    const from = startMs + Math.floor((span * (i - 1)) / n);
    const to = startMs + Math.floor((span * i) / n);
    trials.push({
      id: String(i),
      state: 'SUCCEEDED',
      parameters,
      finalMeasurement: { stepCount: '100', metrics: [{ metricId: study.metricId, value: metric }] },
      startTime: new Date(from).toISOString(),
      endTime: new Date(to).toISOString(),
    });
  }
  return trials;
}
