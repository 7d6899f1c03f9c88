/**
 * Who holds which role: a simulated Cloud Resource Manager v3 (`projects.get`, `projects.getIamPolicy`,
 * shaped as its discovery document, revision 20230219, describes them) and the IAM API's
 * `projects.serviceAccounts.getIamPolicy` (cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy:
 * POST `v1/{resource}:getIamPolicy`, query `options.requestedPolicyVersion`, answer a `Policy`).
 * Fault switch: `revoke(member, role)`, on the project or on a service account.
 */
import { createHash } from 'node:crypto';
import { projectBindings, projectNumberOf, serviceAccountBindings, type Binding } from './project-defaults.js';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

export interface IamPoliciesSandboxOptions {
  project: string;
}

export class IamPoliciesSandbox implements SandboxHandler {
  readonly project: string;
  readonly number: string;
  readonly calls: { method: string; path: string }[] = [];
  private readonly bindings: Binding[];
  private readonly accounts: Map<string, Binding[]>;

  constructor(options: IamPoliciesSandboxOptions) {
    this.project = options.project;
    this.number = projectNumberOf(options.project);
    this.bindings = projectBindings(options.project);
    this.accounts = serviceAccountBindings(options.project);
  }

  /**
   * Fault switch: `member` (`serviceAccount:x@…`) loses `role`, on the project or, with `onAccount`, on
   * that service account's own policy.
   */
  revoke(member: string, role: string, onAccount?: string): void {
    const list = onAccount === undefined ? this.bindings : (this.accounts.get(onAccount) ?? []);
    for (const b of list) if (b.role === role) b.members = b.members.filter((m) => m !== member);
  }

  grant(member: string, role: string, onAccount?: string): void {
    let list = this.bindings;
    if (onAccount !== undefined) {
      list = this.accounts.get(onAccount) ?? [];
      this.accounts.set(onAccount, list);
    }
    const found = list.find((b) => b.role === role);
    if (found === undefined) list.push({ role, members: [member] });
    else if (!found.members.includes(member)) found.members.push(member);
  }

  handle(req: SandboxRequest): SandboxResponse | null {
    const project = /^\/v3\/projects\/([^/:]+)(:getIamPolicy)?$/.exec(req.path);
    if (project !== null && (project[1] === this.project || project[1] === this.number)) {
      if (project[2] === undefined && req.method === 'GET') {
        this.calls.push({ method: 'projects.get', path: req.path });
        return { status: 200, body: this.projectView() };
      }
      if (project[2] !== undefined && req.method === 'POST') {
        this.calls.push({ method: 'projects.getIamPolicy', path: req.path });
        return { status: 200, body: policy(this.bindings) };
      }
      return null;
    }
    const account = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/:]+):getIamPolicy$/.exec(req.path);
    if (account !== null && req.method === 'POST' && (account[1] === this.project || account[1] === '-')) {
      this.calls.push({ method: 'projects.serviceAccounts.getIamPolicy', path: req.path });
      const email = account[2] ?? '';
      // IAM names accounts by email or unique id; one the sandbox never heard of does not exist.
      const bindings = this.accounts.get(email) ?? (email.endsWith('.gserviceaccount.com') ? [] : null);
      if (bindings === null) return googleError(404, 'NOT_FOUND', `Unknown service account ${email}.`);
      return { status: 200, body: policy(bindings) };
    }
    return null;
  }

  private projectView(): Record<string, unknown> {
    return {
      name: `projects/${this.number}`,
      parent: 'organizations/123456789012',
      projectId: this.project,
      state: 'ACTIVE',
      displayName: this.project,
      createTime: '2026-01-05T09:00:00.000Z',
      updateTime: '2026-01-05T09:00:00.000Z',
      etag: 'W/"sandbox"',
    };
  }
}

function policy(bindings: readonly Binding[]): Record<string, unknown> {
  const kept = bindings.filter((b) => b.members.length > 0).map((b) => ({ role: b.role, members: [...b.members] }));
  // etag is bytes (base64), as the Policy schema says; it changes whenever the bindings do.
  const etag = createHash('sha256').update(JSON.stringify(kept)).digest('base64').slice(0, 12);
  return { version: 1, etag, bindings: kept };
}
