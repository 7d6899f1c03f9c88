/**
 * What a deployment of gpubot needs from Google Cloud and Slack, in one place: the APIs to enable, the
 * roles of the bot's and the boxes' service accounts, and the Slack scopes. The README's deploy guide,
 * `manifest.yml` and `gpubot doctor` are all checked against these lists, so a new need is added here first.
 */

/** A Google API the running bot (or its boxes) calls. */
export interface RequiredApi {
  /** The service name as `gcloud services enable` takes it. */
  service: string;
  why: string;
}

/** Where a role is granted: on the project, on the service account the boxes run as, or on each Slack secret. */
export type RoleGrantedOn = 'project' | 'box-service-account' | 'slack-secrets';

export interface RequiredRole {
  role: string;
  why: string;
  /** Project-wide unless said otherwise; the README's binding for it must be on the same resource. */
  on: RoleGrantedOn;
}

export interface RequiredScope {
  /** A bot token scope, as `oauth_config.scopes.bot` in the manifest lists it. */
  scope: string;
  why: string;
}

/** APIs the bot calls at run time; `gpubot doctor` checks each is enabled in the project. */
export const REQUIRED_APIS: readonly RequiredApi[] = [
  { service: 'compute.googleapis.com', why: 'boxes are Compute Engine VMs: create, start, stop, delete, list, accelerator types' },
  { service: 'aiplatform.googleapis.com', why: 'training jobs are Vertex AI custom jobs: create, list, cancel' },
  { service: 'monitoring.googleapis.com', why: 'idle stops read GPU and CPU utilization; boxes write their GPU and notebook metrics' },
  { service: 'logging.googleapis.com', why: "a failed job's error lines; the boxes' Ops Agent writes its logs" },
  { service: 'cloudbilling.googleapis.com', why: 'list prices from the Cloud Billing catalog (no role needed, only the API)' },
  { service: 'firestore.googleapis.com', why: 'all state: boxes, jobs, notices, the leader lease' },
];

/**
 * APIs only the deployment itself uses (building, running and ticking the service, holding its secrets).
 * Cloud Scheduler is needed only when ticks come from it, IAP only for `/gpu connect`'s tunnel.
 */
export const DEPLOY_APIS: readonly RequiredApi[] = [
  { service: 'run.googleapis.com', why: 'the bot runs as a Cloud Run service' },
  { service: 'cloudbuild.googleapis.com', why: '`gcloud run deploy --source` builds the image with Cloud Build' },
  { service: 'artifactregistry.googleapis.com', why: '`gcloud run deploy --source` stores the image in Artifact Registry' },
  { service: 'secretmanager.googleapis.com', why: 'the Slack signing secret and bot token are Secret Manager secrets' },
  { service: 'cloudscheduler.googleapis.com', why: 'Cloud Scheduler calls /tasks/tick when CPU is not always allocated' },
  { service: 'iap.googleapis.com', why: "`/gpu connect`'s IAP tunnel to a box's Jupyter port" },
];

/**
 * Roles of the service account the bot runs as. Compute Engine's IAM page
 * (cloud.google.com/compute/docs/access/iam): Compute Instance Admin (v1) creates and manages VMs and
 * reads networking resources; with Service Account User on an account, it may create VMs that run as it.
 * Vertex AI jobs run as Vertex AI's custom code service agent (no serviceAccount is set on the job), so
 * the bot needs no actAs for them (cloud.google.com/vertex-ai/docs/general/custom-service-account).
 * Cloud Run reads secrets as the service's account (cloud.google.com/run/docs/configuring/services/secrets).
 */
export const BOT_ROLES: readonly RequiredRole[] = [
  { role: 'roles/compute.instanceAdmin.v1', why: 'create, start, stop and delete boxes; read zone operations and accelerator types', on: 'project' },
  { role: 'roles/iam.serviceAccountUser', why: 'create VMs that run as the boxes\' service account (actAs on that account only)', on: 'box-service-account' },
  { role: 'roles/datastore.user', why: 'read and write Firestore', on: 'project' },
  { role: 'roles/monitoring.viewer', why: 'read utilization time series for idle stops', on: 'project' },
  { role: 'roles/aiplatform.user', why: 'create, list and cancel Vertex AI custom jobs', on: 'project' },
  { role: 'roles/logging.viewer', why: "read a failed job's error lines", on: 'project' },
  { role: 'roles/secretmanager.secretAccessor', why: 'Cloud Run reads the Slack signing secret and bot token as the service account', on: 'slack-secrets' },
];

/**
 * Read-only roles that let the bot's own account run `gpubot doctor` / `/gpu doctor` (optional: an
 * operator's own credentials usually hold them). Each is the narrowest predefined role with the read
 * the check makes; a check the account may not read says so on its line instead of failing.
 */
export const DOCTOR_ROLES: readonly RequiredRole[] = [
  { role: 'roles/serviceusage.serviceUsageViewer', why: 'list the enabled APIs (serviceusage.services.list)', on: 'project' },
  { role: 'roles/iam.securityReviewer', why: "read the project's IAM policy (resourcemanager.projects.getIamPolicy)", on: 'project' },
  { role: 'roles/compute.viewer', why: 'read GPU quotas of the region and the project', on: 'project' },
  { role: 'roles/orgpolicy.policyViewer', why: 'read the effective external-IP organization policy', on: 'project' },
  { role: 'roles/datastore.indexViewer', why: "list the Firestore database's indexes and their state", on: 'project' },
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

/** Roles of the service account the boxes run as (`GPUBOT_BOX_SERVICE_ACCOUNT`). */
export const BOX_ROLES: readonly RequiredRole[] = [
  { role: 'roles/monitoring.metricWriter', why: "the Ops Agent's GPU metrics and the notebook-activity reporter's metrics, read for idle stops", on: 'project' },
  {
    role: 'roles/logging.logWriter',
    why: "the Ops Agent's logs (cloud.google.com/stackdriver/docs/solutions/agents/ops-agent/authorization)",
    on: 'project',
  },
  { role: `projects/PROJECT/roles/${BOX_METADATA_ROLE.id}`, why: 'the proxy agent writes `proxy-url` back into the instance metadata: the Jupyter link', on: 'project' },
];

/**
 * Access scopes of the boxes' service account. Compute's guidance ("Service accounts", best
 * practices) is to give the cloud-platform scope and limit access with IAM roles; the narrower default
 * scopes gcloud sets (devstorage.read_only, logging.write, monitoring.write, ...) have no Compute
 * scope, so the proxy agent's `add-metadata` would be refused and the Jupyter link never appear.
 */
export const BOX_SCOPES: readonly string[] = ['https://www.googleapis.com/auth/cloud-platform'];

/** Bot token scopes; `manifest.yml` lists exactly these. */
export const SLACK_SCOPES: readonly RequiredScope[] = [
  { scope: 'commands', why: '/gpu and /train' },
  { scope: 'chat:write', why: 'box and job cards, thread replies, ephemeral answers, DMs to owners and admins' },
  { scope: 'chat:write.public', why: 'post a box card in a public channel the bot was not invited to' },
  { scope: 'im:write', why: "open the DM with a person (conversations.open), where /gpu cost's chart goes" },
  { scope: 'files:write', why: "upload /gpu cost's chart (files.getUploadURLExternal, files.completeUploadExternal)" },
  { scope: 'channels:read', why: 'gpubot doctor checks the bot is in the digest and admin channels (conversations.info, public channels)' },
  { scope: 'groups:read', why: 'the same for private digest and admin channels' },
  { scope: 'users:read', why: "read a box owner's profile (users.info): their Jupyter opens for their Google account alone" },
  { scope: 'users:read.email', why: "the profile's email in that answer, written into the box as proxy-user-mail" },
  // The outbox tags each post with message metadata; after a crash or a lost answer it looks for that
  // post (conversations.history / conversations.replies) before posting again, so nothing is sent twice.
  { scope: 'channels:history', why: 'find an earlier post of the same notice in a public channel before posting it again' },
  { scope: 'groups:history', why: 'the same in a private channel' },
  { scope: 'im:history', why: 'the same in the DM with a box owner or an admin' },
];
