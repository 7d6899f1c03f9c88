/**
 * A simulated Service Usage API (`serviceusage.googleapis.com/v1`): which services the project has
 * enabled. Methods `services.get`, `services.list` (with `filter=state:ENABLED` or `state:DISABLED`) and
 * `services.batchGet`, shaped as the discovery document (serviceusage v1, revision 20220823) and the
 * REST reference (cloud.google.com/service-usage/docs/reference/rest/v1/services) describe them. Fault
 * switch: `disable(service)`.
 */
import { DISABLED_SERVICES, ENABLED_SERVICES, projectNumberOf } from './project-defaults.js';
import { googleError, type SandboxHandler, type SandboxRequest, type SandboxResponse } from './server.js';

/** batchGet refuses more names than this (the method's reference: "A single request can get a maximum of 30 services at a time"). */
const BATCH_GET_MAX = 30;
const PAGE_SIZE_MAX = 200;

export interface ServiceUsageSandboxOptions {
  project: string;
}

export class ServiceUsageSandbox implements SandboxHandler {
  readonly project: string;
  readonly number: string;
  /** Every request that reached a route, in order. */
  readonly calls: { method: string; path: string }[] = [];
  private readonly state = new Map<string, { title: string; enabled: boolean }>();

  constructor(options: ServiceUsageSandboxOptions) {
    this.project = options.project;
    this.number = projectNumberOf(options.project);
    for (const s of ENABLED_SERVICES) this.state.set(s.name, { title: s.title, enabled: true });
    for (const s of DISABLED_SERVICES) this.state.set(s.name, { title: s.title, enabled: false });
  }

  /** Fault switch: the service is off, as after `gcloud services disable`. */
  disable(service: string): void {
    const known = this.state.get(service);
    if (known === undefined) throw new Error(`the sandbox does not know ${service}`);
    known.enabled = false;
  }

  enable(service: string): void {
    const known = this.state.get(service);
    if (known === undefined) throw new Error(`the sandbox does not know ${service}`);
    known.enabled = true;
  }

  isEnabled(service: string): boolean {
    return this.state.get(service)?.enabled === true;
  }

  handle(req: SandboxRequest): SandboxResponse | null {
    const m = /^\/v1\/projects\/([^/]+)\/services(?::batchGet|\/([^/]+))?$/.exec(req.path);
    if (m === null || req.method !== 'GET') return null;
    const [, who, one] = m;
    if (who !== this.project && who !== this.number) return null;
    if (req.path.endsWith(':batchGet')) {
      this.calls.push({ method: 'services.batchGet', path: req.path });
      return this.batchGet(req.query.getAll('names'));
    }
    if (one !== undefined) {
      this.calls.push({ method: 'services.get', path: req.path });
      return this.get(one);
    }
    this.calls.push({ method: 'services.list', path: req.path });
    return this.list(req.query);
  }

  private view(name: string, s: { title: string; enabled: boolean }): Record<string, unknown> {
    // Answers name the project by number, whichever form the request used (as the reference's examples do).
    return {
      name: `projects/${this.number}/services/${name}`,
      parent: `projects/${this.number}`,
      config: { name, title: s.title },
      state: s.enabled ? 'ENABLED' : 'DISABLED',
    };
  }

  private get(name: string): SandboxResponse {
    const s = this.state.get(name);
    if (s === undefined) return googleError(403, 'PERMISSION_DENIED', `Not found or permission denied for service(s): ${name}.`);
    return { status: 200, body: this.view(name, s) };
  }

  private batchGet(names: readonly string[]): SandboxResponse {
    if (names.length === 0) return googleError(400, 'INVALID_ARGUMENT', 'names must not be empty.');
    if (names.length > BATCH_GET_MAX) return googleError(400, 'INVALID_ARGUMENT', `At most ${BATCH_GET_MAX} services can be requested at a time.`);
    const services: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const full of names) {
      const m = /^projects\/([^/]+)\/services\/([^/]+)$/.exec(full);
      const s = m?.[2] === undefined ? undefined : this.state.get(m[2]);
      if (m === null || (m[1] !== this.project && m[1] !== this.number) || s === undefined || m[2] === undefined) missing.push(full);
      else services.push(this.view(m[2], s));
    }
    if (missing.length > 0) return googleError(403, 'PERMISSION_DENIED', `Not found or permission denied for service(s): ${missing.join(', ')}.`);
    return { status: 200, body: { services } };
  }

  private list(query: URLSearchParams): SandboxResponse {
    const filter = query.get('filter');
    let wanted: boolean | null = null;
    if (filter === 'state:ENABLED') wanted = true;
    else if (filter === 'state:DISABLED') wanted = false;
    else if (filter !== null && filter !== '') return googleError(400, 'INVALID_ARGUMENT', `Invalid filter: ${filter}. Use state:ENABLED or state:DISABLED.`);
    const all = [...this.state].filter(([, s]) => wanted === null || s.enabled === wanted).sort(([a], [b]) => a.localeCompare(b));
    const size = Math.min(PAGE_SIZE_MAX, Math.max(1, Number(query.get('pageSize') ?? '50') || 50));
    const start = Number(query.get('pageToken') ?? '0') || 0;
    const page = all.slice(start, start + size).map(([name, s]) => this.view(name, s));
    const next = start + size < all.length ? String(start + size) : undefined;
    return { status: 200, body: { services: page, ...(next !== undefined ? { nextPageToken: next } : {}) } };
  }
}
