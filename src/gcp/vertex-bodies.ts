/**
 * Vertex AI's request bodies, written from a JobPlan: the one place that knows the CustomJob wire shape
 * (https://cloud.google.com/vertex-ai/docs/reference/rest/v1/CustomJobSpec). Pure: no calls here.
 */
import type { aiplatform_v1 } from 'googleapis/build/src/apis/aiplatform/v1.js';
import type { JobPlan, TrainPool } from '../domain/job-plan.js';
import { POOL_ROLES } from '../domain/training-images.js';

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
