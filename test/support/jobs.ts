/** Complete training-job records for cost tests: override only what a test is about. */
import type { Job } from '../../src/domain/job.js';
import type { CustomJobBody, TrainRequest } from '../../src/domain/train-command.js';
import { CHANNEL, OWNER, T0 } from './boxes.js';

export interface PoolShape {
  machineType: string;
  acceleratorType?: string;
  acceleratorCount?: number;
  replicaCount: number;
}

/** The executor image of most examples: a prebuilt image, so a test submitting it picks its clock's day with care. */
export const EXAMPLE_IMAGE = 'us-docker.pkg.dev/vertex-ai/training/tf-gpu.2-11:latest';

/** A CustomJob body with these pools in order (chief first), each running the same package on `image`. */
export function bodyWith(name: string, pools: readonly PoolShape[], image: string = EXAMPLE_IMAGE): CustomJobBody {
  return {
    displayName: name,
    labels: { 'managed-by': 'gpubot' },
    jobSpec: {
      workerPoolSpecs: pools.map((p) => ({
        machineSpec: {
          machineType: p.machineType,
          ...(p.acceleratorType !== undefined ? { acceleratorType: p.acceleratorType, acceleratorCount: p.acceleratorCount ?? 1 } : {}),
        },
        replicaCount: String(p.replicaCount),
        pythonPackageSpec: { executorImageUri: image, packageUris: ['gs://b/t.tar.gz'], pythonModule: 'trainer.task', args: [] },
      })),
    },
  };
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
    body: bodyWith(name, pools ?? ONE_T4, image),
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
