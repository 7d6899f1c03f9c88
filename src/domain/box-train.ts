/**
 * `/train submit NAME --from-box BOX ...`: what a box's code needs to run as a job. The words become a
 * BoxTrainRequest; with the box's own facts (its GPU and image family) and the staging bucket it becomes
 * a TrainRequest whose one pool runs the packaged code in the Deep Learning container that matches the
 * box's image (same framework, same CUDA), writing its outputs under gs://BUCKET/jobs/ID/.
 */
import type { Parsed } from './result.js';
import { GPUS, type GpuKey } from './gpus.js';
import type { BoxEntry, TrainPool } from './job-plan.js';
import { codeObject } from './box-agent-script.js';
import { planMachine, type TrainingGpu } from './training-machines.js';
import type { TrainRequest } from './train-command.js';

/** What the person asked, before the box is looked at. */
export interface BoxTrainRequest {
  name: string;
  /** The box's name. */
  box: string;
  /** The directory to package, relative to the notebook's home directory; `.` for all of it. */
  dir: string;
  entry: BoxEntry;
  /** null: the box's own GPU. */
  gpu: TrainingGpu | null;
  /** null: the default machine for the GPU. */
  machine: string | null;
  replicas: number;
  args: string[];
}

/** What the plan needs to know about the box, the deployment and the job record. */
export interface BoxTrainContext {
  box: { gpu: GpuKey; gpuCount: number; imageFamily: string; region: string };
  /** The staging bucket the bot is configured with (GPUBOT_STAGING_BUCKET), a bare name. */
  bucket: string;
  jobId: string;
}

/**
 * Deep Learning Containers by the framework and CUDA of a Deep Learning VM image family. The container
 * names follow Google's pattern (`base-cuNNN.pyNNN`, `pytorch-cuNNN.X-Y.pyNNN`) on
 * https://cloud.google.com/deep-learning-containers/docs/choosing-container; the VM families are the
 * ones deeplearning-platform-release offers for boxes (gpus.ts KNOWN_IMAGE_FAMILIES). Written on
 * 2026-12-03 without a registry to ask from here: each tag should be checked with
 * `gcloud artifacts docker images list us-docker.pkg.dev/deeplearning-platform-release/gcr.io` before a
 * release, as the families do change.
 */
const DLC = 'us-docker.pkg.dev/deeplearning-platform-release/gcr.io';
export const BOX_CONTAINERS: readonly { family: RegExp; framework: string; container: string }[] = [
  { family: /^common-cu128-ubuntu-2204-/, framework: 'CUDA 12.8, Python 3.10', container: `${DLC}/base-cu128.py310` },
  { family: /^common-cu129-ubuntu-2204-/, framework: 'CUDA 12.9, Python 3.10', container: `${DLC}/base-cu129.py310` },
  { family: /^common-cu129-ubuntu-2404-/, framework: 'CUDA 12.9, Python 3.12', container: `${DLC}/base-cu129.py312` },
  { family: /^pytorch-2-7-cu128-ubuntu-2204-/, framework: 'PyTorch 2.7, CUDA 12.8, Python 3.10', container: `${DLC}/pytorch-cu128.2-7.py310` },
];

/** The container matching a box's image family, or a refusal that says what would work. */
export function containerForFamily(family: string): Parsed<{ uri: string; framework: string }> {
  const found = BOX_CONTAINERS.find((c) => c.family.test(family));
  if (found !== undefined) return { ok: true, value: { uri: found.container, framework: found.framework } };
  return {
    ok: false,
    error: {
      // A code of its own: the box's image, not the words, is what would have to change.
      code: 'NO_MATCHING_CONTAINER',
      message: `I don't know a training container that matches this box's image \`${family}\`. Boxes made from \`common-cu128-ubuntu-2204-nvidia-570\` or \`pytorch-2-7-cu128-ubuntu-2204-nvidia-570\` can train from the box; or submit a container with \`--master-image-uri\`.`,
    },
  };
}

/** Where a job's outputs go: Vertex AI sets AIP_MODEL_DIR to `model/` under it. */
export function jobOutputsUri(bucket: string, jobId: string): string {
  return `gs://${bucket}/jobs/${jobId}/`;
}

/** The TrainRequest for a box's code: one chief pool (and workers beyond one replica) on the matching container. */
export function boxTrainPlan(req: BoxTrainRequest, ctx: BoxTrainContext): Parsed<{ request: TrainRequest; container: string }> {
  const container = containerForFamily(ctx.box.imageFamily);
  if (!container.ok) return container;
  const gpu = req.gpu ?? { gpu: ctx.box.gpu, count: ctx.box.gpuCount };
  const model = GPUS[gpu.gpu];
  const machine = req.machine ?? model.defaultMachine(gpu.count);
  const said = req.machine === null ? `${gpu.count} ${model.label}` : `\`--machine ${req.machine}\``;
  const planned = planMachine(machine, gpu, said);
  if (!planned.ok) return planned;
  const notes: string[] = [];
  if (planned.value.note !== null) notes.push(planned.value.note);
  notes.push(`Runs in \`${container.value.uri}\` (${container.value.framework}), matching the box's image.`);
  const task: TrainPool['task'] = {
    kind: 'box-code',
    imageUri: container.value.uri,
    codeUri: `gs://${ctx.bucket}/${codeObject(ctx.jobId)}`,
    entry: req.entry,
    args: [...req.args],
  };
  const pool = (role: TrainPool['role'], replicaCount: number): TrainPool => ({
    role,
    machineType: planned.value.machineType,
    accelerator: planned.value.accelerator,
    replicaCount,
    disk: null,
    task,
  });
  const pools = [pool('chief', 1), ...(req.replicas > 1 ? [pool('workers', req.replicas - 1)] : [])];
  return {
    ok: true,
    value: {
      container: container.value.uri,
      request: {
        name: req.name,
        region: ctx.box.region,
        pools,
        jobDir: jobOutputsUri(ctx.bucket, ctx.jobId),
        labels: {},
        from: 'vertex',
        notes,
      },
    },
  };
}
