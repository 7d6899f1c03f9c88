/** Scripted utilization for the Monitoring sandbox: what a box "does" in demos and tests. */
import type { ComputeSandbox } from './compute.js';
import { BUSY_KERNELS_METRIC, NOTEBOOK_IDLE_SECONDS_METRIC, type MonitoredInstance, type Sampler } from './monitoring.js';

export const GPU_UTILIZATION = 'agent.googleapis.com/gpu/utilization';
export const CPU_UTILIZATION = 'compute.googleapis.com/instance/cpu/utilization';

export type Activity = 'idle' | 'gpu-busy' | 'kernel-busy' | 'cpu-busy' | 'silent' | 'no-notebook';

/**
 * A sampler from a per-instance activity. `idle`: GPU 0 %, CPU 1 %, no busy kernel, notebook untouched
 * since `sinceMs`; each busy kind raises just its own signal; `silent` reports nothing at all;
 * `no-notebook` is idle on GPU and CPU while the notebook reporter writes nothing (no python3 on the
 * image, or no metric writer role).
 */
export function activitySampler(activityOf: (instanceId: string) => Activity, sinceMs: number): Sampler {
  return (instanceId, metricType, atMs) => {
    const activity = activityOf(instanceId);
    if (activity === 'silent') return null;
    switch (metricType) {
      case GPU_UTILIZATION:
        return activity === 'gpu-busy' ? 87 : 0;
      case CPU_UTILIZATION:
        return activity === 'cpu-busy' ? 0.6 : 0.01;
      case BUSY_KERNELS_METRIC:
        if (activity === 'no-notebook') return null;
        return activity === 'kernel-busy' ? 1 : 0;
      case NOTEBOOK_IDLE_SECONDS_METRIC:
        if (activity === 'no-notebook') return null;
        return activity === 'kernel-busy' ? 0 : Math.max(0, (atMs - sinceMs) / 1000);
      default:
        return null;
    }
  };
}

/** The Compute sandbox's VMs as Monitoring sees them (plain zone names, user labels). */
export function monitoredInstances(compute: ComputeSandbox): () => MonitoredInstance[] {
  return () =>
    compute
      .instances()
      .filter((i) => i.status === 'RUNNING')
      .map((i) => ({ id: i.id, name: i.name, zone: i.zone.split('/').pop() ?? i.zone, labels: i.labels ?? {} }));
}
