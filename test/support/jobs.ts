/** Complete training-job records for cost tests: override only what a test is about. */
import type { Job } from '../../src/domain/job.js';
import type { JobPlan } from '../../src/domain/job-plan.js';
import { planJob } from '../../src/domain/job-plan.js';
import type { TrainRequest } from '../../src/domain/train-command.js';
import { customJobBody, type CustomJobBody } from '../../src/gcp/vertex-bodies.js';
import { POOL_ROLES } from '../../src/domain/training-images.js';
import { CHANNEL, OWNER, T0 } from './boxes.js';

export interface PoolShape {
  machineType: string;
  acceleratorType?: string;
  acceleratorCount?: number;
  replicaCount: number;
}

/** The executor image of most examples: a prebuilt image, so a test submitting it picks its clock's day with care. */
export const EXAMPLE_IMAGE = 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-11:latest';

/** A job plan with these pools in order (chief first), each running the same package on `image`. */
export function planWith(name: string, pools: readonly PoolShape[], image: string = EXAMPLE_IMAGE): JobPlan {
  return {
    displayName: name,
    labels: { 'managed-by': 'gpubot' },
    pools: pools.map((p, i) => ({
      role: POOL_ROLES[i] ?? 'evaluators',
      machineType: p.machineType,
      accelerator: p.acceleratorType !== undefined ? { type: p.acceleratorType, count: p.acceleratorCount ?? 1 } : null,
      replicaCount: p.replicaCount,
      disk: null,
      task: { kind: 'python', executorImageUri: image, packageUris: ['gs://b/t.tar.gz'], pythonModule: 'trainer.task', args: [] },
    })),
    outputUriPrefix: null,
  };
}

/** The CustomJob body of planWith's plan: for tests that seed Vertex AI's stand-in directly. */
export function bodyWith(name: string, pools: readonly PoolShape[], image: string = EXAMPLE_IMAGE): CustomJobBody {
  return customJobBody(planWith(name, pools, image));
}

/** What a submit records and Vertex AI is sent for a request: the region and the CustomJob body. */
export function customJobFor(
  req: TrainRequest,
  ctx: { project: string; owner: string; jobId: string; defaultRegion: string },
): { region: string; parent: string; plan: JobPlan; body: CustomJobBody } {
  const planned = planJob(req, ctx);
  return { region: planned.region, parent: `projects/${ctx.project}/locations/${planned.region}`, plan: planned.plan, body: customJobBody(planned.plan) };
}

/** One n1-standard-8 with one T4: the job of most examples. */
export const ONE_T4: readonly PoolShape[] = [{ machineType: 'n1-standard-8', acceleratorType: 'NVIDIA_TESLA_T4', acceleratorCount: 1, replicaCount: 1 }];

/** A job that succeeded after running from `startedAt` to `endedAt`; override what a test is about. */
export function makeJob(overrides: Partial<Job> & { pools?: readonly PoolShape[]; image?: string } = {}): Job {
  const { pools, image, ...rest } = overrides;
  const name = rest.name ?? 'census_1';
  const request: TrainRequest = { name, region: 'us-central1', pools: [], jobDir: null, labels: {}, from: 'vertex', notes: [] };
  return {
    id: 'j0c0ffee1',
    name,
    owner: OWNER,
    channel: CHANNEL,
    region: 'us-central1',
    request,
    plan: planWith(name, pools ?? ONE_T4, image),
    desired: 'running',
    status: 'succeeded',
    vertexJobId: '1234567890',
    failure: null,
    createdAt: T0,
    startedAt: T0,
    endedAt: T0 + 3_600_000,
    updatedAt: T0 + 3_600_000,
    rev: 4,
    ...rest,
  };
}
