/**
 * The Google side of `gpubot doctor`: reads what the project has (enabled APIs, IAM policies, GPU
 * quotas, the external-IP organization policy, the Firestore database and its indexes) through
 * googleapis' generated clients (each API's module only) and, for Compute's quotas,
 * `@google-cloud/compute`. Loaded only when the doctor runs, never by the bot's start-up or its listeners;
 * each client is built on its first read.
 */
import { GoogleAuth, type AuthClient } from 'google-auth-library';
import type { ProjectsClient, RegionsClient, protos } from '@google-cloud/compute';
import type { serviceusage_v1 } from 'googleapis/build/src/apis/serviceusage/v1.js';
import type { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3.js';
import type { iam_v1 } from 'googleapis/build/src/apis/iam/v1.js';
import type { orgpolicy_v2 } from 'googleapis/build/src/apis/orgpolicy/v2.js';
import type { firestore_v1 } from 'googleapis/build/src/apis/firestore/v1.js';
import { DEFAULT_REST_POLICY, googleapisCall, lazily, type CallBehaviour } from './call-policy.js';
import { computeClientOptions } from './compute.js';
import { classifyThrown } from './google-errors.js';
import type {
  DeployedIndex,
  ExternalIpPolicy,
  FirestoreDatabaseReading,
  GoogleDeploymentPort,
  QuotaReading,
  Reading,
  RoleBinding,
} from '../app/ports/deployment.js';

export interface DeploymentAdapterOptions {
  project: string;
  authClient: AuthClient;
  /** GCP_ENDPOINT: one root URL for every API; null: each API's own host. */
  rootUrl: string | null;
}

/** Service Usage's batchGet takes at most 30 names (cloud.google.com/service-usage/docs/reference/rest/v1/services/batchGet). */
const BATCH_GET_MAX = 30;

/** Every read here is a read, even those sent as POST (getIamPolicy): safe to repeat. */
const READ: CallBehaviour = { idempotent: true };

export class GoogleDeploymentAdapter implements GoogleDeploymentPort {
  private readonly serviceUsage: () => Promise<serviceusage_v1.Serviceusage>;
  private readonly resourceManager: () => Promise<cloudresourcemanager_v3.Cloudresourcemanager>;
  private readonly iam: () => Promise<iam_v1.Iam>;
  private readonly orgPolicy: () => Promise<orgpolicy_v2.Orgpolicy>;
  private readonly firestore: () => Promise<firestore_v1.Firestore>;
  private readonly regions: () => Promise<RegionsClient>;
  private readonly projects: () => Promise<ProjectsClient>;

  constructor(private readonly options: DeploymentAdapterOptions) {
    const auth = new GoogleAuth({ authClient: options.authClient });
    // Each API object gets its own rootUrl: `google.options({ rootUrl })` would not move its methods' URLs.
    const rootUrl = (host: string) => options.rootUrl ?? `https://${host}/`;
    this.serviceUsage = lazily(async () => new (await import('googleapis/build/src/apis/serviceusage/v1.js')).serviceusage_v1.Serviceusage({ auth, rootUrl: rootUrl('serviceusage.googleapis.com') }));
    this.resourceManager = lazily(
      async () => new (await import('googleapis/build/src/apis/cloudresourcemanager/v3.js')).cloudresourcemanager_v3.Cloudresourcemanager({ auth, rootUrl: rootUrl('cloudresourcemanager.googleapis.com') }),
    );
    this.iam = lazily(async () => new (await import('googleapis/build/src/apis/iam/v1.js')).iam_v1.Iam({ auth, rootUrl: rootUrl('iam.googleapis.com') }));
    this.orgPolicy = lazily(async () => new (await import('googleapis/build/src/apis/orgpolicy/v2.js')).orgpolicy_v2.Orgpolicy({ auth, rootUrl: rootUrl('orgpolicy.googleapis.com') }));
    this.firestore = lazily(async () => new (await import('googleapis/build/src/apis/firestore/v1.js')).firestore_v1.Firestore({ auth, rootUrl: rootUrl('firestore.googleapis.com') }));
    // REST clients hold no channels, only pooled keep-alive sockets: nothing to close after a doctor run.
    const computeOptions = () => computeClientOptions(options.project, options.authClient, options.rootUrl);
    this.regions = lazily(async () => new (await import('@google-cloud/compute/build/src/v1/regions_client.js')).RegionsClient(computeOptions()));
    this.projects = lazily(async () => new (await import('@google-cloud/compute/build/src/v1/projects_client.js')).ProjectsClient(computeOptions()));
  }

  private get project(): string {
    return this.options.project;
  }

  serviceStates(services: readonly string[]): Promise<Reading<ReadonlyMap<string, string>>> {
    return read(async () => {
      const states = new Map<string, string>();
      for (let i = 0; i < services.length; i += BATCH_GET_MAX) {
        const names = services.slice(i, i + BATCH_GET_MAX).map((s) => `projects/${this.project}/services/${s}`);
        const api = await this.serviceUsage();
        const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) => api.services.batchGet({ parent: `projects/${this.project}`, names }, o));
        for (const service of res.data.services ?? []) {
          // `name` is `projects/123/services/compute.googleapis.com`; `config.name` is the bare service name.
          const bare = service.config?.name ?? service.name?.split('/').pop();
          if (bare !== undefined && bare !== null) states.set(bare, service.state ?? 'STATE_UNSPECIFIED');
        }
      }
      return states;
    });
  }

  projectNumber(): Promise<Reading<string>> {
    return read(async () => {
      const api = await this.resourceManager();
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) => api.projects.get({ name: `projects/${this.project}` }, o));
      // `name` is `projects/415104041262`: the number, whatever id the request used.
      const number = /^projects\/(\d+)$/.exec(res.data.name ?? '')?.[1];
      if (number === undefined) throw new Error(`the project's name is ${res.data.name ?? 'missing'}, not projects/NUMBER`);
      return number;
    });
  }

  projectBindings(): Promise<Reading<readonly RoleBinding[]>> {
    return read(async () => {
      // Version 3 so conditional bindings come back as such rather than failing the call.
      const api = await this.resourceManager();
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) =>
        api.projects.getIamPolicy({ resource: `projects/${this.project}`, requestBody: { options: { requestedPolicyVersion: 3 } } }, o),
      );
      return bindingsOf(res.data.bindings ?? []);
    });
  }

  serviceAccountBindings(email: string): Promise<Reading<readonly RoleBinding[]>> {
    return read(async () => {
      // IAM v1 `projects.serviceAccounts.getIamPolicy` (cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/getIamPolicy).
      const api = await this.iam();
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) =>
        api.projects.serviceAccounts.getIamPolicy({ resource: `projects/${this.project}/serviceAccounts/${email}`, 'options.requestedPolicyVersion': 3 }, o),
      );
      return bindingsOf(res.data.bindings ?? []);
    });
  }

  regionQuotas(region: string): Promise<Reading<readonly QuotaReading[]>> {
    return read(async () => {
      const [found] = await (await this.regions()).get({ project: this.project, region });
      return quotasOf(found.quotas ?? []);
    });
  }

  projectQuotas(): Promise<Reading<readonly QuotaReading[]>> {
    return read(async () => {
      const [found] = await (await this.projects()).get({ project: this.project });
      return quotasOf(found.quotas ?? []);
    });
  }

  externalIpPolicy(): Promise<Reading<ExternalIpPolicy>> {
    return read(async () => {
      const api = await this.orgPolicy();
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) => api.projects.policies.getEffectivePolicy({ name: `projects/${this.project}/policies/compute.vmExternalIpAccess` }, o));
      return externalIpPolicyOf(res.data.spec ?? {});
    });
  }

  firestoreDatabase(databaseId: string): Promise<Reading<FirestoreDatabaseReading>> {
    return read(async () => {
      const api = await this.firestore();
      const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) => api.projects.databases.get({ name: `projects/${this.project}/databases/${databaseId}` }, o));
      return { type: res.data.type ?? 'DATABASE_TYPE_UNSPECIFIED', locationId: res.data.locationId ?? 'an unknown location' };
    });
  }

  firestoreIndexes(databaseId: string, collectionGroup: string): Promise<Reading<readonly DeployedIndex[]>> {
    return read(async () => {
      const found: DeployedIndex[] = [];
      let pageToken: string | undefined;
      do {
        const api = await this.firestore();
        const token = pageToken;
        const res = await googleapisCall(DEFAULT_REST_POLICY, READ, (o) =>
          api.projects.databases.collectionGroups.indexes.list(
            { parent: `projects/${this.project}/databases/${databaseId}/collectionGroups/${collectionGroup}`, ...(token !== undefined ? { pageToken: token } : {}) },
            o,
          ),
        );
        for (const index of res.data.indexes ?? []) {
          found.push({
            collectionGroup,
            queryScope: index.queryScope ?? 'COLLECTION',
            fields: (index.fields ?? []).map((f) => ({ fieldPath: f.fieldPath ?? '', order: f.order ?? (f.arrayConfig != null ? 'ARRAY' : 'VECTOR') })),
            state: index.state ?? 'STATE_UNSPECIFIED',
          });
        }
        pageToken = res.data.nextPageToken ?? undefined;
      } while (pageToken !== undefined && pageToken !== '');
      return found;
    });
  }
}

/**
 * The effective policy's rules for a list constraint: a rule with `allowAll` or `denyAll` says so for
 * every VM; `values.allowedValues` lists the instances that may have an external IP; no rule at all is
 * the constraint's default, which allows them (Org Policy v2 `PolicySpec`, `PolicyRule`; the constraint's
 * page, cloud.google.com/resource-manager/docs/organization-policy/org-policy-constraints). Conditional
 * rules (tags) are read as not applying, since the bot does not tag its VMs.
 */
export function externalIpPolicyOf(spec: orgpolicy_v2.Schema$GoogleCloudOrgpolicyV2PolicySpec): ExternalIpPolicy {
  const rules = (spec.rules ?? []).filter((r) => r.condition == null);
  if (rules.length === 0) return { kind: 'allow-all' };
  if (rules.some((r) => r.denyAll === true)) return { kind: 'deny-all' };
  if (rules.some((r) => r.allowAll === true)) return { kind: 'allow-all' };
  return { kind: 'listed', allowed: rules.flatMap((r) => r.values?.allowedValues ?? []) };
}

function bindingsOf(bindings: readonly { role?: string | null; members?: string[] | null; condition?: unknown }[]): RoleBinding[] {
  return bindings.map((b) => ({ role: b.role ?? '', members: b.members ?? [], conditional: b.condition != null }));
}

function quotasOf(quotas: readonly protos.google.cloud.compute.v1.IQuota[]): QuotaReading[] {
  return quotas.map((q) => ({ metric: q.metric ?? '', limit: q.limit ?? 0, usage: q.usage ?? 0 }));
}

/** A read, or the reason it failed in the doctor's words: the API is off, the account may not, or nothing is there. */
async function read<T>(body: () => Promise<T>): Promise<Reading<T>> {
  try {
    return { ok: true, value: await body() };
  } catch (error) {
    const failure = classifyThrown(error);
    const firstLine = failure.message.split('\n')[0] ?? failure.message;
    // Google answers a call to a disabled API with 403 SERVICE_DISABLED ("… API has not been used in
    // project … or it is disabled"), cloud.google.com/service-usage/docs/troubleshooting.
    if (/SERVICE_DISABLED|has not been used in project|is disabled/i.test(failure.message)) return { ok: false, kind: 'disabled', reason: firstLine };
    if (failure.kind === 'permission') return { ok: false, kind: 'permission', reason: firstLine };
    if (failure.kind === 'not-found') return { ok: false, kind: 'not-found', reason: firstLine };
    return { ok: false, kind: 'other', reason: firstLine };
  }
}
