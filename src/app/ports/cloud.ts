/** How any Google Cloud call answers the use cases: a value, or why it failed in the words they decide by. */

/** Why a cloud call failed, in the words the controller decides by. */
export interface CloudFailure {
  kind: 'stockout' | 'quota' | 'not-found' | 'already-exists' | 'invalid' | 'permission' | 'transient' | 'other';
  message: string;
  /** For quota failures: the quota's name, e.g. NVIDIA_T4_GPUS. */
  quota?: string;
  /** Google's own error code, e.g. ZONE_RESOURCE_POOL_EXHAUSTED. */
  code?: string;
}

export type CloudResult<T> = { ok: true; value: T } | { ok: false; failure: CloudFailure };

/**
 * The port for one Google Cloud project (a team's, or the configured one): records name their project
 * (domain/team.ts), and each cloud call goes to the record's.
 */
export type ForProject<T> = (project: string) => T;
