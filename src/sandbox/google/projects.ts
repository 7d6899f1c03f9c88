/**
 * More than one Google Cloud project on one sandbox server: each served project has its own stand-ins
 * (Compute, Monitoring, Vertex AI, ...), and a request goes to those of the project its path (or, for
 * Cloud Logging's entries.list, its body) names. A project no one serves answers as Google does for a
 * project that does not exist or that the caller may not use: 403, with the same words either way, so
 * an error never tells whether a project exists ("the resource doesn't exist" is one of the causes of
 * a permission error, https://cloud.google.com/iam/docs/permission-error-messages, read 2026-12).
 * Compute says it in its own envelope: "Required 'compute.instances.list' permission for
 * 'projects/P'" with reason `forbidden`, as gcloud prints it on that page. The Vertex AI and Monitoring
 * stand-ins already answer 403 for a project not theirs, so those requests go to the first project's.
 */
import { computeHttpError } from './compute-errors.js';
import { DLVM_PROJECT } from './compute-catalog.js';
import type { SandboxHandler, SandboxRequest, SandboxResponse } from './server.js';

export interface ProjectsSandboxOptions {
  /** Each served project's stand-ins, asked in order (as the server asks handlers); the first entry is the default project. */
  projects: ReadonlyMap<string, readonly SandboxHandler[]>;
}

const COMPUTE = /^\/compute\/v1\/projects\/([^/]+)\/(.*)$/;
const VERTEX = /^\/v1\/projects\/([^/]+)\/locations\//;
const MONITORING = /^\/v3\/projects\/([^/]+)\//;

export class ProjectsSandbox implements SandboxHandler {
  private readonly first: readonly SandboxHandler[];

  constructor(private readonly options: ProjectsSandboxOptions) {
    const first = [...options.projects.values()][0];
    if (first === undefined) throw new Error('ProjectsSandbox needs at least one project');
    this.first = first;
  }

  /** The projects served, the default first. */
  get projects(): string[] {
    return [...this.options.projects.keys()];
  }

  async handle(req: SandboxRequest): Promise<SandboxResponse | null> {
    const compute = COMPUTE.exec(req.path);
    if (compute !== null) {
      const project = compute[1] ?? '';
      // The public image project is Google's, readable by everyone: any project's Compute answers it.
      if (project === DLVM_PROJECT) return this.ask(this.first, req);
      const served = this.options.projects.get(project);
      if (served === undefined) return computeHttpError(403, 'forbidden', `Required '${computePermission(req.method, compute[2] ?? '')}' permission for 'projects/${project}'`);
      return this.ask(served, req);
    }
    const project = VERTEX.exec(req.path)?.[1] ?? MONITORING.exec(req.path)?.[1] ?? (req.path === '/v2/entries:list' ? loggingProject(req.body) : undefined);
    if (project === undefined) return this.ask(this.first, req);
    // Unserved: the default project's stand-ins answer 403 for a project not theirs, in their API's words.
    return this.ask(this.options.projects.get(project) ?? this.first, req);
  }

  private async ask(handlers: readonly SandboxHandler[], req: SandboxRequest): Promise<SandboxResponse | null> {
    for (const handler of handlers) {
      const answer = await handler.handle(req);
      if (answer) return answer;
    }
    return null;
  }
}

/** The project of an entries.list body's first resource name (`projects/P`). */
function loggingProject(body: unknown): string | undefined {
  const names = (body as { resourceNames?: unknown } | null)?.resourceNames;
  const first = Array.isArray(names) ? names[0] : undefined;
  return typeof first === 'string' ? /^projects\/([^/]+)$/.exec(first)?.[1] : undefined;
}

/** The IAM permission a Compute call needs (Compute's IAM permissions reference names them by resource and verb). */
function computePermission(method: string, rest: string): string {
  const parts = rest.split('/');
  if (parts[0] === 'aggregated') return `compute.${parts[1] ?? 'instances'}.list`;
  const resource = parts[0] === 'zones' ? parts[2] : parts[0];
  if (resource === undefined) return 'compute.zones.get';
  const kind = resource === 'operations' ? 'zoneOperations' : resource;
  const named = parts[0] === 'zones' ? parts[3] : parts[1];
  const action = parts[0] === 'zones' ? parts[4] : parts[2];
  if (method === 'GET') return `compute.${kind}.${named === undefined ? 'list' : 'get'}`;
  if (method === 'DELETE') return `compute.${kind}.delete`;
  if (named === undefined) return `compute.${kind}.create`;
  return `compute.${kind}.${action ?? 'update'}`;
}
