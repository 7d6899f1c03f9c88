/**
 * What a training job needs from Vertex AI, worked out from the request alone and free of Vertex AI's
 * wire shapes: jobs' counterpart of InstancePlan. The job record stores it; src/gcp/ writes it as a
 * CustomJob body.
 */
import { POOL_ROLES, type PoolRole } from './training-images.js';
import { type VertexAccelerator } from './training-machines.js';
import { copyTuning, type TuningPlan } from './tuning-plan.js';

/**
 * What each replica of a pool runs: a Python package on a prebuilt image, a container, or code a box
 * packaged (`/train --from-box`): its archive unpacked in the container matching the box, then its
 * entry script run or its notebook executed.
 */
export type TrainTask =
  | { kind: 'python'; executorImageUri: string; packageUris: string[]; pythonModule: string; args: string[] }
  | { kind: 'container'; imageUri: string; command: string[]; args: string[] }
  | { kind: 'box-code'; imageUri: string; codeUri: string; entry: BoxEntry; args: string[] };

/** What a box's code runs: a Python script, or a notebook executed top to bottom. Paths are relative to the packaged directory. */
export type BoxEntry = { kind: 'script'; path: string } | { kind: 'notebook'; path: string };

export interface TrainDisk {
  type: 'pd-ssd' | 'pd-standard' | null;
  sizeGb: number | null;
}

export interface TrainPool {
  /** Decides the pool's place in Vertex AI's list of pools. */
  role: PoolRole;
  machineType: string;
  accelerator: VertexAccelerator | null;
  replicaCount: number;
  disk: TrainDisk | null;
  task: TrainTask;
}

/** One job as it will be created: name, every label it carries, its pools (chief first) and where outputs go. */
export interface JobPlan {
  /** Vertex AI's `displayName`: the job's name as submitted. */
  displayName: string;
  /** The person's labels and the bot's own (DESIGN.md "Contracts"). */
  labels: Record<string, string>;
  /** At most one per role, in POOL_ROLES order. */
  pools: TrainPool[];
  /** A `gs://` prefix under which the job writes its outputs (`baseOutputDirectory`), or null. */
  outputUriPrefix: string | null;
  /**
   * A hyperparameter tuning study: the job is a HyperparameterTuningJob whose trials each run the pools
   * above. Absent for a custom job (and on every record written before tuning jobs).
   */
  tuning?: TuningPlan;
}

/** What planning a request needs besides the request. */
export interface JobPlanContext {
  /** The Slack user id of the person submitting. */
  owner: string;
  /** The job record's id. */
  jobId: string;
  /** Where jobs go when the request names no region. */
  defaultRegion: string;
}

/** What planJob reads of a request (TrainRequest has these fields). */
export interface PlannableRequest {
  name: string;
  region: string | null;
  pools: readonly TrainPool[];
  jobDir: string | null;
  labels: Readonly<Record<string, string>>;
  tuning?: TuningPlan | undefined;
}

/** A value as GCE labels allow it (lowercase letters, digits, `_`, `-`; 63 at most). */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

/** Labels every job the bot creates carries (DESIGN.md "Contracts"), beside the person's own. */
export function jobLabels(owner: string, jobId: string, own: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...own, 'managed-by': 'gpubot', 'gpubot-owner': labelValue(owner), 'gpubot-id': labelValue(jobId) };
}

/** The job a request becomes, and the region to create it in. Same request and context, same plan. */
export function planJob(req: PlannableRequest, ctx: JobPlanContext): { region: string; plan: JobPlan } {
  const pools = [...req.pools].sort((a, b) => POOL_ROLES.indexOf(a.role) - POOL_ROLES.indexOf(b.role)).map(copyPool);
  return {
    region: req.region ?? ctx.defaultRegion,
    plan: {
      displayName: req.name,
      labels: jobLabels(ctx.owner, ctx.jobId, req.labels),
      pools,
      outputUriPrefix: req.jobDir,
      ...(req.tuning !== undefined ? { tuning: copyTuning(req.tuning) } : {}),
    },
  };
}

function copyPool(p: TrainPool): TrainPool {
  const t = p.task;
  const task: TrainTask =
    t.kind === 'python'
      ? { ...t, packageUris: [...t.packageUris], args: [...t.args] }
      : t.kind === 'container'
        ? { ...t, command: [...t.command], args: [...t.args] }
        : { ...t, entry: { ...t.entry }, args: [...t.args] };
  return { ...p, accelerator: p.accelerator === null ? null : { ...p.accelerator }, disk: p.disk === null ? null : { ...p.disk }, task };
}

/**
 * The plan's pools in the shape the cost model reads (one entry per pool). A tuning job's trials each
 * run every pool, `parallelTrials` at a time: its cost is estimated as that many copies of the pools
 * for the job's whole run, an upper bound, since the last trials may run fewer at once and trials wait
 * between each other.
 */
export function planPools(plan: Pick<JobPlan, 'pools' | 'tuning'>): { machineType: string; acceleratorType: string | null; acceleratorCount: number; replicaCount: number }[] {
  const copies = plan.tuning?.parallelTrials ?? 1;
  return plan.pools.map((p) => ({
    machineType: p.machineType,
    acceleratorType: p.accelerator?.type ?? null,
    acceleratorCount: p.accelerator?.count ?? 0,
    replicaCount: p.replicaCount * copies,
  }));
}
