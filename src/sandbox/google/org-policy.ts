/**
 * A simulated Organization Policy API v2: `projects.policies.getEffectivePolicy` (GET
 * `v2/{name}:getEffectivePolicy`), shaped as the discovery document (orgpolicy v2, revision 20240506)
 * describes `GoogleCloudOrgpolicyV2Policy`. With nothing set the effective policy has no rules, and the
 * constraint's default applies (for `compute.vmExternalIpAccess`: every VM may have an external IP,
 * cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints). The effective
 * policy's spec carries no etag (the `PolicySpec.etag` field's description). Fault switches:
 * `forbidExternalIps()`, `allowExternalIpsOnly(instances)`.
 */
import { projectNumberOf } from './project-defaults.js';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

type Rule = { allowAll: true } | { denyAll: true } | { values: { allowedValues: string[] } };

export interface OrgPolicySandboxOptions {
  project: string;
  now?: () => number;
}

export class OrgPolicySandbox implements SandboxHandler {
  readonly project: string;
  readonly number: string;
  readonly calls: { method: string; path: string }[] = [];
  private readonly policies = new Map<string, { rules: Rule[]; updatedAt: number }>();
  private readonly now: () => number;

  constructor(options: OrgPolicySandboxOptions) {
    this.project = options.project;
    this.number = projectNumberOf(options.project);
    this.now = options.now ?? Date.now;
  }

  /** Fault switch: the organization forbids external IPs on every VM (a `denyAll` rule), common in companies. */
  forbidExternalIps(): void {
    this.policies.set('compute.vmExternalIpAccess', { rules: [{ denyAll: true }], updatedAt: this.now() });
  }

  /** Only the named instances (`projects/P/zones/Z/instances/NAME`) may have an external IP. */
  allowExternalIpsOnly(instances: readonly string[]): void {
    this.policies.set('compute.vmExternalIpAccess', { rules: [{ values: { allowedValues: [...instances] } }], updatedAt: this.now() });
  }

  /** Back to no policy: the constraint's default. */
  clear(constraint = 'compute.vmExternalIpAccess'): void {
    this.policies.delete(constraint);
  }

  handle(req: SandboxRequest): SandboxResponse | null {
    const m = /^\/v2\/projects\/([^/]+)\/policies\/([^/:]+):getEffectivePolicy$/.exec(req.path);
    if (m === null || req.method !== 'GET') return null;
    const [, who, constraint] = m;
    if (who !== this.project && who !== this.number) return null;
    this.calls.push({ method: 'projects.policies.getEffectivePolicy', path: req.path });
    if (constraint === undefined || !/^[a-zA-Z]+\.[a-zA-Z]+$/.test(constraint)) return googleError(400, 'INVALID_ARGUMENT', `Invalid constraint name: ${constraint ?? ''}.`);
    const set = this.policies.get(constraint);
    const spec = set === undefined ? {} : { rules: set.rules, updateTime: new Date(set.updatedAt).toISOString() };
    return { status: 200, body: { name: `projects/${this.number}/policies/${constraint}`, spec } };
  }
}
