/**
 * Vertex AI's request bodies, written from a JobPlan: the one place that knows the CustomJob and
 * HyperparameterTuningJob wire shapes (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec).
 * Pure: no calls here.
 */
import type { aiplatform_v1 } from 'googleapis/build/src/apis/aiplatform/v1.js';
import type { JobPlan, TrainPool } from '../domain/job-plan.js';
import { POOL_ROLES } from '../domain/training-images.js';
import type { TuningParameter, TuningPlan } from '../domain/tuning-plan.js';

/** `machineSpec` of a worker pool; no accelerator fields when the machine has none. */
export interface MachineSpecBody {
  machineType: string;
  acceleratorType?: string;
  acceleratorCount?: number;
}

export interface WorkerPoolSpecBody {
  machineSpec: MachineSpecBody;
  /** int64, which JSON carries as a decimal string. */
  replicaCount: string;
  diskSpec?: { bootDiskType?: string; bootDiskSizeGb?: number };
  pythonPackageSpec?: { executorImageUri: string; packageUris: string[]; pythonModule: string; args: string[] };
  containerSpec?: { imageUri: string; command?: string[]; args: string[] };
}

/** The body of `customJobs.create` (the fields the bot sets of GoogleCloudAiplatformV1CustomJob). */
export interface CustomJobBody {
  displayName: string;
  labels: Record<string, string>;
  jobSpec: {
    /** Vertex AI reads pools by position; a skipped position is an empty object. */
    workerPoolSpecs: (WorkerPoolSpecBody | Record<string, never>)[];
    baseOutputDirectory?: { outputUriPrefix: string };
  };
}

// The compiler holds the hand-written shape to googleapis' generated one: a field renamed there fails here.
const _fitsGoogleapis = (body: CustomJobBody): aiplatform_v1.Schema$GoogleCloudAiplatformV1CustomJob => body;
void _fitsGoogleapis;

function workerPoolSpec(p: TrainPool, outputUriPrefix: string | null): WorkerPoolSpecBody {
  const machineSpec: MachineSpecBody = { machineType: p.machineType };
  if (p.accelerator !== null) {
    machineSpec.acceleratorType = p.accelerator.type;
    machineSpec.acceleratorCount = p.accelerator.count;
  }
  const spec: WorkerPoolSpecBody = { machineSpec, replicaCount: String(p.replicaCount) };
  if (p.disk !== null) {
    spec.diskSpec = {
      ...(p.disk.type !== null ? { bootDiskType: p.disk.type } : {}),
      ...(p.disk.sizeGb !== null ? { bootDiskSizeGb: p.disk.sizeGb } : {}),
    };
  }
  const task = p.task;
  if (task.kind === 'python') {
    spec.pythonPackageSpec = {
      executorImageUri: task.executorImageUri,
      packageUris: [...task.packageUris],
      pythonModule: task.pythonModule,
      args: [...task.args],
    };
  } else if (task.kind === 'container') {
    spec.containerSpec = { imageUri: task.imageUri, ...(task.command.length > 0 ? { command: [...task.command] } : {}), args: [...task.args] };
  } else {
    spec.containerSpec = { imageUri: task.imageUri, command: ['bash', '-c', BOX_CODE_RUNNER, 'gpubot-run'], args: boxCodeArgs(task, outputUriPrefix) };
  }
  return spec;
}

/**
 * Vertex AI mounts Cloud Storage in every custom-training container with Cloud Storage FUSE, bucket
 * `b` at `/gcs/b/` (https://cloud.google.com/vertex-ai/docs/training/cloud-storage-file-system), so
 * the container reads the box's archive and writes the executed notebook without a storage client.
 */
export function gcsFusePath(uri: string): string {
  return uri.replace(/^gs:\/\//, '/gcs/');
}

/**
 * Runs code a box packaged: unpack the archive, then run the entry script with the person's arguments
 * (it finds AIP_MODEL_DIR and friends in its environment, from baseOutputDirectory), or execute the
 * notebook and save the executed copy, outputs included, beside the job's outputs. `$0` is a name for
 * the error messages; the arguments are the archive, the entry's kind and path, the outputs folder, and
 * the person's own arguments.
 */
export const BOX_CODE_RUNNER = [
  'set -eu',
  'code="$1"; kind="$2"; entry="$3"; outputs="$4"; shift 4',
  'work=/tmp/gpubot-code',
  'mkdir -p "$work"',
  'tar -xzf "$code" -C "$work"',
  'cd "$work"',
  'if [ "$kind" = notebook ]; then',
  '  mkdir -p "$outputs"',
  // nbconvert's own executor; a timeout of -1 lets a long training cell run as long as it needs.
  '  exec python3 -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=-1 --output-dir "$outputs" --output "$(basename "$entry" .ipynb).executed.ipynb" "$entry"',
  'fi',
  'exec python3 "$entry" "$@"',
].join('\n');

function boxCodeArgs(task: Extract<TrainPool['task'], { kind: 'box-code' }>, outputUriPrefix: string | null): string[] {
  const outputs = outputUriPrefix === null ? '/tmp/gpubot-outputs' : gcsFusePath(outputUriPrefix.replace(/\/+$/, ''));
  return [gcsFusePath(task.codeUri), task.entry.kind, task.entry.path, outputs, ...task.args];
}

/**
 * The CustomJob a plan becomes. Pools go to their role's position; positions with no pool are left
 * empty objects, as Vertex AI reads them (workerPoolSpecs: "The first worker pool ... the chief").
 */
export function customJobBody(plan: JobPlan): CustomJobBody {
  const byRole = new Map(plan.pools.map((p) => [p.role, p]));
  const last = Math.max(0, ...plan.pools.map((p) => POOL_ROLES.indexOf(p.role)));
  const workerPoolSpecs: CustomJobBody['jobSpec']['workerPoolSpecs'] = [];
  for (let i = 0; i <= last; i++) {
    const role = POOL_ROLES[i];
    const p = role === undefined ? undefined : byRole.get(role);
    workerPoolSpecs.push(p === undefined ? {} : workerPoolSpec(p, plan.outputUriPrefix));
  }
  const body: CustomJobBody = { displayName: plan.displayName, labels: { ...plan.labels }, jobSpec: { workerPoolSpecs } };
  if (plan.outputUriPrefix !== null) body.jobSpec.baseOutputDirectory = { outputUriPrefix: plan.outputUriPrefix };
  return body;
}

/** One parameter of a study (StudySpec.ParameterSpec); exactly one value spec is set. */
export interface ParameterSpecBody {
  parameterId: string;
  doubleValueSpec?: { minValue: number; maxValue: number };
  /** int64, which JSON carries as decimal strings. */
  integerValueSpec?: { minValue: string; maxValue: string };
  categoricalValueSpec?: { values: string[] };
  discreteValueSpec?: { values: number[] };
  scaleType?: 'UNIT_LINEAR_SCALE' | 'UNIT_LOG_SCALE' | 'UNIT_REVERSE_LOG_SCALE';
}

/** The body of `hyperparameterTuningJobs.create` (the fields the bot sets of GoogleCloudAiplatformV1HyperparameterTuningJob). */
export interface HyperparameterTuningJobBody {
  displayName: string;
  labels: Record<string, string>;
  studySpec: {
    metrics: { metricId: string; goal: 'MAXIMIZE' | 'MINIMIZE' }[];
    parameters: ParameterSpecBody[];
    /** Left out for the default search (ALGORITHM_UNSPECIFIED is a proto default, never sent). */
    algorithm?: 'GRID_SEARCH' | 'RANDOM_SEARCH';
  };
  maxTrialCount: number;
  parallelTrialCount: number;
  /** Left out when 0: "If set to 0, Vertex AI decides how many Trials must fail", which is also the default. */
  maxFailedTrialCount?: number;
  /** Every trial runs this CustomJobSpec, with the trial's parameters added to its arguments. */
  trialJobSpec: CustomJobBody['jobSpec'];
}

const _fitsTuningJob = (body: HyperparameterTuningJobBody): aiplatform_v1.Schema$GoogleCloudAiplatformV1HyperparameterTuningJob => body;
void _fitsTuningJob;

const SCALE_TYPES = { linear: 'UNIT_LINEAR_SCALE', log: 'UNIT_LOG_SCALE', 'reverse-log': 'UNIT_REVERSE_LOG_SCALE' } as const;

function parameterSpec(p: TuningParameter): ParameterSpecBody {
  const scale = p.kind !== 'categorical' && p.scale !== null ? { scaleType: SCALE_TYPES[p.scale] } : {};
  switch (p.kind) {
    case 'double':
      return { parameterId: p.name, doubleValueSpec: { minValue: p.min, maxValue: p.max }, ...scale };
    case 'integer':
      return { parameterId: p.name, integerValueSpec: { minValue: String(p.min), maxValue: String(p.max) }, ...scale };
    case 'categorical':
      return { parameterId: p.name, categoricalValueSpec: { values: [...p.values] } };
    case 'discrete':
      return { parameterId: p.name, discreteValueSpec: { values: [...p.values] }, ...scale };
  }
}

/**
 * The HyperparameterTuningJob a plan with a study becomes
 * (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.hyperparameterTuningJobs):
 * ML Engine's HyperparameterSpec field by field as Vertex AI's StudySpec (hyperparameterMetricTag and
 * goal -> metrics[0], params -> parameters, maxTrials -> maxTrialCount, maxParallelTrials ->
 * parallelTrialCount, maxFailedTrials -> maxFailedTrialCount), and the pools as the trials' CustomJobSpec.
 */
export function hyperparameterTuningJobBody(plan: JobPlan, tuning: TuningPlan): HyperparameterTuningJobBody {
  const custom = customJobBody(plan);
  const body: HyperparameterTuningJobBody = {
    displayName: custom.displayName,
    labels: custom.labels,
    studySpec: {
      metrics: [{ metricId: tuning.metric, goal: tuning.goal }],
      parameters: tuning.parameters.map(parameterSpec),
      ...(tuning.algorithm === 'grid' ? { algorithm: 'GRID_SEARCH' as const } : tuning.algorithm === 'random' ? { algorithm: 'RANDOM_SEARCH' as const } : {}),
    },
    maxTrialCount: tuning.maxTrials,
    parallelTrialCount: tuning.parallelTrials,
    trialJobSpec: custom.jobSpec,
  };
  if (tuning.maxFailedTrials > 0) body.maxFailedTrialCount = tuning.maxFailedTrials;
  return body;
}
