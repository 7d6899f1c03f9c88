/**
 * The rules `gpubot doctor` judges by, as plain data in and out: what one check found, how it is
 * written as a line, which deployed index serves a required one, what an external-IP policy means for
 * the boxes, and the exact command that fixes each kind of gap.
 */

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of the doctor's answer. */
export interface CheckResult {
  /** What was checked, e.g. `API compute.googleapis.com`, `quota NVIDIA_T4_GPUS in us-central1`. */
  name: string;
  status: CheckStatus;
  /** What was found, in a few words. */
  detail: string;
  /** For a failure: the exact command or manifest line that fixes it. */
  fix?: string;
}

const MARK: Readonly<Record<CheckStatus, string>> = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' };

/** `FAIL  API aiplatform.googleapis.com: disabled. Fix: gcloud services enable …` — one line per check. */
export function checkLine(check: CheckResult): string {
  const fix = check.fix !== undefined ? ` Fix: ${check.fix}` : '';
  return `${MARK[check.status]}  ${check.name}: ${check.detail}.${fix}`;
}

/** true when nothing failed (skipped checks do not count against the deployment). */
export function allPassed(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => c.status !== 'fail');
}

// ---------------------------------------------------------------- Firestore indexes

/** A composite index as firestore.indexes.json writes it. */
export interface RequiredIndex {
  collectionGroup: string;
  queryScope: string;
  fields: readonly { fieldPath: string; order: string }[];
}

export interface IndexLike extends RequiredIndex {
  state?: string;
}

/**
 * The deployed index that serves `required`, or null. Firestore appends `__name__` as the last field of
 * every composite index it builds (Firestore Admin REST reference, `projects.databases.collectionGroups.indexes`,
 * Index.fields), so a trailing `__name__` does not make two indexes differ.
 */
export function findIndex<T extends IndexLike>(required: RequiredIndex, deployed: readonly T[]): T | null {
  const own = (fields: IndexLike['fields']) => {
    const last = fields[fields.length - 1];
    return last?.fieldPath === '__name__' ? fields.slice(0, -1) : fields;
  };
  const want = own(required.fields);
  for (const index of deployed) {
    if (index.collectionGroup !== required.collectionGroup || index.queryScope !== required.queryScope) continue;
    const have = own(index.fields);
    if (have.length === want.length && have.every((f, i) => f.fieldPath === want[i]?.fieldPath && f.order === want[i]?.order)) return index;
  }
  return null;
}

/** `boxes (owner, live, updatedAt)` */
export function indexLabel(index: RequiredIndex): string {
  return `${index.collectionGroup} (${index.fields.map((f) => f.fieldPath).join(', ')})`;
}

/** The gcloud line that creates an index (cloud.google.com/sdk/gcloud/reference/firestore/indexes/composite/create). */
export function createIndexCommand(index: RequiredIndex, project: string, databaseId: string): string {
  const fields = index.fields.map((f) => `--field-config=field-path=${f.fieldPath},order=${f.order.toLowerCase()}`).join(' ');
  const scope = index.queryScope === 'COLLECTION_GROUP' ? ' --query-scope=collection-group' : '';
  const database = databaseId === '(default)' ? '' : ` --database=${databaseId}`;
  return `gcloud firestore indexes composite create --project=${project}${database} --collection-group=${index.collectionGroup}${scope} ${fields}`;
}

// ---------------------------------------------------------------- external IPs

export type ExternalIpPolicyValue = { kind: 'allow-all' } | { kind: 'deny-all' } | { kind: 'listed'; allowed: readonly string[] };

/**
 * Whether new boxes can be created as the bot would ask for them. The constraint lists the instances
 * that may have an external IP (cloud.google.com/compute/docs/ip-addresses/configure-static-external-ip-address
 * "Restricting external IP addresses to specific VMs"); a box is a new VM whose name no list can know
 * beforehand, so a list counts as forbidding it.
 */
export function externalIpsAllowed(policy: ExternalIpPolicyValue): boolean {
  return policy.kind === 'allow-all';
}

// ---------------------------------------------------------------- quotas

/**
 * The Cloud Quotas id of a Compute quota metric: Compute's own quota error names it beside the metric
 * ("metric name = compute.googleapis.com/nvidia_t4_gpus, limit name = NVIDIA-T4-GPUS-per-project-region";
 * "GPUS_ALL_REGIONS … limit name = GPUS-ALL-REGIONS-per-project").
 */
export function quotaId(metric: string, regional: boolean): string {
  return `${metric.replace(/_/g, '-')}-per-project${regional ? '-region' : ''}`;
}

/**
 * The request for more quota, as gcloud writes it (cloud.google.com/sdk/gcloud/reference/beta/quotas/preferences/create).
 */
export function quotaIncreaseCommand(metric: string, project: string, region: string | null, wanted: number): string {
  const dimensions = region !== null ? ` --dimensions=region=${region}` : '';
  return `gcloud beta quotas preferences create --service=compute.googleapis.com --quota-id=${quotaId(metric, region !== null)} --preferred-value=${wanted}${dimensions} --project=${project}`;
}

// ---------------------------------------------------------------- roles

/** Whether `member` holds `role` through an unconditional binding (a condition may not hold for the bot's calls). */
export function holdsRole(bindings: readonly { role: string; members: readonly string[]; conditional: boolean }[], role: string, member: string): boolean {
  return bindings.some((b) => b.role === role && !b.conditional && b.members.includes(member));
}
