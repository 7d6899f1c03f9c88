/**
 * Compute Engine's `projects.get` (GET `compute/v1/projects/{project}`) for the sandbox's project: the
 * project-wide quotas, `GPUS_ALL_REGIONS` among them, shaped as the `Project` message of the Compute
 * protos. The quotas are the Compute sandbox's own (its `quota('GPUS_ALL_REGIONS', …)` switch sets the
 * limit), so what this lists is what an insert is held to.
 */
import type { ComputeSandbox } from './compute.js';
import { EPOCH_TIMESTAMP, computeLink, stableId } from './compute-format.js';
import { defaultComputeAccountOf } from './project-defaults.js';
import type { SandboxHandler, SandboxRequest, SandboxResponse } from './server.js';

export class ComputeProjectSandbox implements SandboxHandler {
  readonly calls: { method: string; path: string }[] = [];

  constructor(private readonly compute: ComputeSandbox) {}

  handle(req: SandboxRequest): SandboxResponse | null {
    if (req.method !== 'GET' || req.path !== `/compute/v1/projects/${this.compute.project}`) return null;
    this.calls.push({ method: 'projects.get', path: req.path });
    const project = this.compute.project;
    return {
      status: 200,
      body: {
        kind: 'compute#project',
        id: stableId(`project/${project}`),
        creationTimestamp: EPOCH_TIMESTAMP,
        name: project,
        commonInstanceMetadata: { kind: 'compute#metadata', fingerprint: 'SANDBOX0000=' },
        quotas: this.compute.quotaView('global'),
        selfLink: computeLink(`projects/${project}`),
        defaultServiceAccount: defaultComputeAccountOf(project),
        defaultNetworkTier: 'PREMIUM',
      },
    };
  }
}
