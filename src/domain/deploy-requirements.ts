/**
 * What a deployment of gpubot needs from Google Cloud and Slack, in one place: the APIs to enable, the
 * roles of the bot's and the boxes' service accounts, and the Slack scopes. `gpubot doctor` checks a
 * deployment against these lists (and the README's deploy guide and `manifest.yml` are held to them), so
 * a new need is added here first.
 */

/** A Google API the running bot (or its boxes) calls. */
export interface RequiredApi {
  /** The service name as `gcloud services enable` takes it. */
  service: string;
  why: string;
}

/** Where a role is granted: on the project, or on the service account the boxes run as. */
export type RoleGrantedOn = 'project' | 'box-service-account';

export interface RequiredRole {
  role: string;
  why: string;
  /** Project-wide unless said otherwise; a grant on the project covers the box service account too. */
  on: RoleGrantedOn;
}

export interface RequiredScope {
  /** A bot token scope, as `oauth_config.scopes.bot` in the manifest lists it. */
  scope: string;
  why: string;
}

/**
 * APIs the bot calls at run time; `gpubot doctor` checks each is enabled (Service Usage). Service names
 * as each API's overview page gives them (cloud.google.com/compute/docs/reference/rest/v1,
 * cloud.google.com/vertex-ai/docs/reference/rest, cloud.google.com/monitoring/api/v3,
 * cloud.google.com/logging/docs/reference/v2/rest, cloud.google.com/billing/docs/reference/rest,
 * cloud.google.com/firestore/docs/reference/rest), read December 2026.
 */
export const REQUIRED_APIS: readonly RequiredApi[] = [
  { service: 'compute.googleapis.com', why: 'boxes are Compute Engine VMs: create, start, stop, delete, list, accelerator types' },
  { service: 'aiplatform.googleapis.com', why: 'training jobs are Vertex AI custom jobs: create, list, cancel' },
  { service: 'monitoring.googleapis.com', why: 'idle stops read GPU and CPU utilization; boxes write their GPU and notebook metrics' },
  { service: 'logging.googleapis.com', why: "a failed job's error lines; the boxes' Ops Agent writes its logs" },
  // The catalog needs no role, only the API (cloud.google.com/billing/docs/how-to/get-pricing-information-api).
  { service: 'cloudbilling.googleapis.com', why: 'list prices from the Cloud Billing catalog (no role needed, only the API)' },
  { service: 'firestore.googleapis.com', why: 'all state: boxes, jobs, notices, the leader lease' },
];

/**
 * Roles of the service account the bot runs as. Sources (December 2026): Compute Engine IAM roles
 * (cloud.google.com/compute/docs/access/iam: instanceAdmin.v1 covers instances, zone operations and
 * accelerator types; creating a VM that runs as a service account needs `iam.serviceAccounts.actAs` on
 * it, which roles/iam.serviceAccountUser grants, cloud.google.com/iam/docs/service-account-permissions),
 * Firestore (cloud.google.com/firestore/docs/security/iam: datastore.user reads and writes documents),
 * Monitoring (cloud.google.com/monitoring/access-control), Vertex AI
 * (cloud.google.com/vertex-ai/docs/general/access-control: aiplatform.user creates and cancels custom
 * jobs) and Logging (cloud.google.com/logging/docs/access-control).
 */
export const BOT_ROLES: readonly RequiredRole[] = [
  { role: 'roles/compute.instanceAdmin.v1', why: 'create, start, stop and delete boxes; read zone operations and accelerator types', on: 'project' },
  { role: 'roles/iam.serviceAccountUser', why: "create VMs that run as the boxes' service account (actAs on that account only)", on: 'box-service-account' },
  { role: 'roles/datastore.user', why: 'read and write Firestore', on: 'project' },
  { role: 'roles/monitoring.viewer', why: 'read utilization time series for idle stops', on: 'project' },
  { role: 'roles/aiplatform.user', why: 'create, list and cancel Vertex AI custom jobs', on: 'project' },
  { role: 'roles/logging.viewer', why: "read a failed job's error lines", on: 'project' },
];

/**
 * Roles of the service account the boxes run as (`GPUBOT_BOX_SERVICE_ACCOUNT`): the Ops Agent's
 * authorization page (cloud.google.com/stackdriver/docs/solutions/agents/ops-agent/authorization) names
 * monitoring.metricWriter and logging.logWriter; the notebook-activity reporter writes custom metrics,
 * which metricWriter also covers.
 */
export const BOX_ROLES: readonly RequiredRole[] = [
  { role: 'roles/monitoring.metricWriter', why: "the Ops Agent's GPU metrics and the notebook-activity reporter's metrics, read for idle stops", on: 'project' },
  { role: 'roles/logging.logWriter', why: "the Ops Agent's logs", on: 'project' },
];

/**
 * Bot token scopes; `manifest.yml` lists exactly these. Each method's page on docs.slack.dev/reference/methods
 * names the scope it needs (read December 2026): chat.postMessage chat:write; conversations.open im:write;
 * files.getUploadURLExternal and files.completeUploadExternal files:write; conversations.info
 * channels:read (public channels) or groups:read (private ones).
 */
export const SLACK_SCOPES: readonly RequiredScope[] = [
  { scope: 'commands', why: '/gpu and /train' },
  { scope: 'chat:write', why: 'box and job cards, thread replies, ephemeral answers, DMs to owners and admins' },
  { scope: 'chat:write.public', why: 'post a box card in a public channel the bot was not invited to' },
  { scope: 'im:write', why: "open the DM with a person (conversations.open), where /gpu cost's chart goes" },
  { scope: 'files:write', why: "upload /gpu cost's chart (files.getUploadURLExternal, files.completeUploadExternal)" },
  { scope: 'channels:read', why: 'gpubot doctor checks the bot is in the digest and admin channels (conversations.info, public channels)' },
  { scope: 'groups:read', why: 'the same for private digest and admin channels' },
];
