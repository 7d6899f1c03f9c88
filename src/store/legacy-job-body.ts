/**
 * Job records written before JobPlan stored Vertex AI's CustomJob body (`body`) instead of a plan:
 * this reads such a body back into a JobPlan, so jobs recorded then keep being watched and costed.
 * Only records need it; nothing writes the old shape any more.
 */
import type { JobPlan, TrainDisk, TrainPool, TrainTask } from '../domain/job-plan.js';
import { POOL_ROLES } from '../domain/training-images.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function taskOf(spec: Record<string, unknown>): TrainTask {
  const python = spec.pythonPackageSpec;
  if (isRecord(python)) {
    return {
      kind: 'python',
      executorImageUri: text(python.executorImageUri),
      packageUris: strings(python.packageUris),
      pythonModule: text(python.pythonModule),
      args: strings(python.args),
    };
  }
  const container = isRecord(spec.containerSpec) ? spec.containerSpec : {};
  return { kind: 'container', imageUri: text(container.imageUri), command: strings(container.command), args: strings(container.args) };
}

function diskOf(spec: Record<string, unknown>): TrainDisk | null {
  const disk = spec.diskSpec;
  if (!isRecord(disk)) return null;
  const type = disk.bootDiskType === 'pd-ssd' || disk.bootDiskType === 'pd-standard' ? disk.bootDiskType : null;
  const size = typeof disk.bootDiskSizeGb === 'number' ? disk.bootDiskSizeGb : null;
  return { type, sizeGb: size };
}

/** The plan a stored CustomJob body describes; pools by position (chief, workers, ...), empty positions skipped. */
export function planOfLegacyBody(body: unknown): JobPlan {
  const b = isRecord(body) ? body : {};
  const jobSpec = isRecord(b.jobSpec) ? b.jobSpec : {};
  const specs = Array.isArray(jobSpec.workerPoolSpecs) ? jobSpec.workerPoolSpecs : [];
  const pools: TrainPool[] = [];
  specs.forEach((spec: unknown, i: number) => {
    const role = POOL_ROLES[i];
    if (role === undefined || !isRecord(spec) || !isRecord(spec.machineSpec)) return;
    const machine = spec.machineSpec;
    const acceleratorType = typeof machine.acceleratorType === 'string' ? machine.acceleratorType : null;
    pools.push({
      role,
      machineType: text(machine.machineType),
      accelerator: acceleratorType === null ? null : { type: acceleratorType, count: typeof machine.acceleratorCount === 'number' ? machine.acceleratorCount : 1 },
      replicaCount: Number(spec.replicaCount) || 0,
      disk: diskOf(spec),
      task: taskOf(spec),
    });
  });
  const labels: Record<string, string> = {};
  if (isRecord(b.labels)) for (const [k, v] of Object.entries(b.labels)) if (typeof v === 'string') labels[k] = v;
  const output = isRecord(jobSpec.baseOutputDirectory) ? jobSpec.baseOutputDirectory.outputUriPrefix : undefined;
  return { displayName: text(b.displayName), labels, pools, outputUriPrefix: typeof output === 'string' ? output : null };
}
