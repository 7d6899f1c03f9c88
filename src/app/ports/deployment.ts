/**
 * What `gpubot doctor` needs to read about the deployment it runs in: the Google project's enabled APIs,
 * IAM policies, quotas, organization policy and Firestore database, and the Slack token's scopes and
 * channel memberships. Read-only; each answer is a value or the reason it could not be read.
 */
import type { ExternalIpPolicyValue } from '../../domain/doctor-checks.js';

/** A read that worked, or why not (permission denied, API disabled, not found), in words for an operator. */
export type Reading<T> = { ok: true; value: T } | { ok: false; reason: string; kind: 'permission' | 'not-found' | 'disabled' | 'other' };

/** One role binding of an IAM policy: who has the role. Conditional bindings are marked. */
export interface RoleBinding {
  role: string;
  /** `serviceAccount:x@p.iam.gserviceaccount.com`, `user:…`, `group:…` */
  members: readonly string[];
  conditional: boolean;
}

export interface QuotaReading {
  /** Compute's quota metric, e.g. `NVIDIA_T4_GPUS`, `GPUS_ALL_REGIONS`. */
  metric: string;
  limit: number;
  usage: number;
}

/**
 * The effective `constraints/compute.vmExternalIpAccess` policy, reduced to what matters for new VMs:
 * every VM may have an external IP, none may, or only the instances listed.
 */
export type ExternalIpPolicy = ExternalIpPolicyValue;

export interface FirestoreDatabaseReading {
  /** `FIRESTORE_NATIVE` or `DATASTORE_MODE`. */
  type: string;
  locationId: string;
}

/** A composite index as deployed: its collection group, scope, fields in order, and whether it is built. */
export interface DeployedIndex {
  collectionGroup: string;
  queryScope: string;
  fields: readonly { fieldPath: string; order: string }[];
  /** `READY`, `CREATING`, `NEEDS_REPAIR` */
  state: string;
}

export interface GoogleDeploymentPort {
  /** The state (`ENABLED` / `DISABLED`) of each named service, e.g. `compute.googleapis.com`. */
  serviceStates(services: readonly string[]): Promise<Reading<ReadonlyMap<string, string>>>;
  /** The project's number, which names its default compute service account. */
  projectNumber(): Promise<Reading<string>>;
  projectBindings(): Promise<Reading<readonly RoleBinding[]>>;
  /** Bindings on one service account (who may act as it). */
  serviceAccountBindings(email: string): Promise<Reading<readonly RoleBinding[]>>;
  regionQuotas(region: string): Promise<Reading<readonly QuotaReading[]>>;
  projectQuotas(): Promise<Reading<readonly QuotaReading[]>>;
  externalIpPolicy(): Promise<Reading<ExternalIpPolicy>>;
  firestoreDatabase(databaseId: string): Promise<Reading<FirestoreDatabaseReading>>;
  firestoreIndexes(databaseId: string, collectionGroup: string): Promise<Reading<readonly DeployedIndex[]>>;
}

export type Membership = 'member' | 'not-member' | 'not-found';

export interface SlackWorkspacePort {
  /** The scopes Slack granted the bot token (what `auth.test` says in `x-oauth-scopes`). */
  grantedScopes(): Promise<Reading<readonly string[]>>;
  /** Whether the bot is in a channel; a missing read scope comes back as a `permission` reason. */
  membership(channel: string): Promise<Reading<Membership>>;
}
