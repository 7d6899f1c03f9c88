/**
 * The IAM roles and OAuth scopes a deployment needs, in one place: the README's deploy guide is checked
 * against this list by a test, the instance body takes its scopes from here, and a deployment check can
 * import it. Each grant says why, so a role nobody needs any more can be seen and dropped.
 */

export interface RoleGrant {
  /** `roles/...` for a predefined role; `projects/PROJECT/roles/ID` style for the custom one below. */
  role: string;
  why: string;
}

/** The bot's own service account (the one Cloud Run runs it as). */
export const BOT_ROLES: readonly RoleGrant[] = [
  { role: 'roles/compute.instanceAdmin.v1', why: 'create, start, stop and delete boxes; read operations, machine and accelerator types' },
  { role: 'roles/iam.serviceAccountUser', why: 'create VMs that run as the boxes’ service account (grant it on that account)' },
  { role: 'roles/datastore.user', why: 'Firestore: boxes, jobs, notices, the lease' },
  { role: 'roles/monitoring.viewer', why: 'utilization series for idle stops' },
  { role: 'roles/aiplatform.user', why: 'create, list and cancel training jobs' },
  { role: 'roles/logging.viewer', why: 'a failed training job’s error lines' },
];

/**
 * What the Deep Learning VM's inverting-proxy agent does with the box's identity: after it registers
 * with the proxy it runs `gcloud compute instances add-metadata INSTANCE --metadata proxy-url=...`
 * (the agent's attempt-register-vm-on-proxy script), which needs these permissions on the instance.
 * No predefined role holds only these (compute.instanceAdmin.v1 would let every notebook delete every
 * VM), so the guide creates a custom role with exactly them.
 */
export const BOX_METADATA_ROLE = {
  id: 'gpubotBoxMetadata',
  title: 'gpubot box metadata writer',
  permissions: ['compute.instances.get', 'compute.instances.setMetadata', 'compute.zoneOperations.get'],
} as const;

/** The boxes' service account (GPUBOT_BOX_SERVICE_ACCOUNT). */
export const BOX_ROLES: readonly RoleGrant[] = [
  {
    role: 'roles/monitoring.metricWriter',
    why: 'the Ops Agent writes agent.googleapis.com/gpu/* and the notebook-activity reporter its custom metrics: the idle signals',
  },
  { role: 'roles/logging.logWriter', why: 'the Ops Agent ships the box’s logs (cloud.google.com/stackdriver/docs/solutions/agents/ops-agent/authorization)' },
  { role: `projects/PROJECT/roles/${BOX_METADATA_ROLE.id}`, why: 'the proxy agent writes `proxy-url` back into the instance metadata: the Jupyter link' },
];

/**
 * Access scopes of the boxes' service account. Compute's guidance ("Service accounts", best
 * practices) is to give the cloud-platform scope and limit access with IAM roles; the narrower default
 * scopes gcloud sets (devstorage.read_only, logging.write, monitoring.write, ...) have no Compute
 * scope, so the proxy agent's `add-metadata` would be refused and the Jupyter link never appear.
 */
export const BOX_SCOPES: readonly string[] = ['https://www.googleapis.com/auth/cloud-platform'];
