/**
 * What the sandbox's project looks like once someone has set it up for gpubot by the deploy guide: the
 * services enabled, who holds which role, the GPU quota granted. The stand-ins for Service Usage, Resource
 * Manager, IAM and Compute quotas start from this data; their fault switches take pieces away. It is the
 * sandbox's own account of a set-up project, written from Google's pages (named below, read December
 * 2026), not read from the bot's list of needs.
 */
import { createHash } from 'node:crypto';

/** A project number as Google writes one: 12 digits, fixed for a project id so tests can name it. */
export function projectNumberOf(project: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(project).digest('hex').slice(0, 12)}`) % 900_000_000_000n;
  return String(100_000_000_000n + digits);
}

/**
 * Services on: those a new project has enabled by default (cloud.google.com/service-usage/docs/enabled-service,
 * "Services enabled by default"), plus what the deploy guide enables: Compute Engine, Vertex AI, Cloud
 * Billing, Firestore, and Cloud Run with its build and secret services.
 */
export const ENABLED_SERVICES: readonly { name: string; title: string }[] = [
  { name: 'bigquery.googleapis.com', title: 'BigQuery API' },
  { name: 'cloudapis.googleapis.com', title: 'Google Cloud APIs' },
  { name: 'cloudtrace.googleapis.com', title: 'Cloud Trace API' },
  { name: 'datastore.googleapis.com', title: 'Cloud Datastore API' },
  { name: 'logging.googleapis.com', title: 'Cloud Logging API' },
  { name: 'monitoring.googleapis.com', title: 'Cloud Monitoring API' },
  { name: 'servicemanagement.googleapis.com', title: 'Service Management API' },
  { name: 'serviceusage.googleapis.com', title: 'Service Usage API' },
  { name: 'sql-component.googleapis.com', title: 'Cloud SQL' },
  { name: 'storage-api.googleapis.com', title: 'Google Cloud Storage JSON API' },
  { name: 'storage-component.googleapis.com', title: 'Cloud Storage' },
  { name: 'compute.googleapis.com', title: 'Compute Engine API' },
  { name: 'aiplatform.googleapis.com', title: 'Vertex AI API' },
  { name: 'cloudbilling.googleapis.com', title: 'Cloud Billing API' },
  { name: 'firestore.googleapis.com', title: 'Cloud Firestore API' },
  { name: 'orgpolicy.googleapis.com', title: 'Organization Policy API' },
  { name: 'run.googleapis.com', title: 'Cloud Run Admin API' },
  { name: 'cloudbuild.googleapis.com', title: 'Cloud Build API' },
  { name: 'artifactregistry.googleapis.com', title: 'Artifact Registry API' },
  { name: 'secretmanager.googleapis.com', title: 'Secret Manager API' },
];

/** Services the sandbox knows by name but that are off (a project has hundreds; these are enough to list). */
export const DISABLED_SERVICES: readonly { name: string; title: string }[] = [
  { name: 'container.googleapis.com', title: 'Kubernetes Engine API' },
  { name: 'dataflow.googleapis.com', title: 'Dataflow API' },
  { name: 'cloudscheduler.googleapis.com', title: 'Cloud Scheduler API' },
  { name: 'iap.googleapis.com', title: 'Cloud Identity-Aware Proxy API' },
];

export interface Binding {
  role: string;
  members: string[];
}

/** The account the bot runs as, by the deploy guide's naming. */
export function botAccountOf(project: string): string {
  return `gpubot@${project}.iam.gserviceaccount.com`;
}

/** The boxes' own account, by the deploy guide's naming (`gcloud iam service-accounts create gpubot-box`). */
export function boxAccountOf(project: string): string {
  return `gpubot-box@${project}.iam.gserviceaccount.com`;
}

/** Compute Engine's default service account (cloud.google.com/compute/docs/access/service-accounts#default_service_account). */
export function defaultComputeAccountOf(project: string): string {
  return `${projectNumberOf(project)}-compute@developer.gserviceaccount.com`;
}

/**
 * The project's IAM policy after the deploy guide's bindings: the bot's account may manage instances
 * (Compute Engine IAM roles page), use Firestore, read Monitoring and Logging, run Vertex AI jobs; the
 * boxes' own account may write metrics and logs (the Ops Agent's authorization page) and instance
 * metadata through the guide's custom role. An owner is there too, as in any project.
 */
export function projectBindings(project: string): Binding[] {
  const bot = `serviceAccount:${botAccountOf(project)}`;
  const box = `serviceAccount:${boxAccountOf(project)}`;
  return [
    { role: 'roles/owner', members: ['user:owner@example.com'] },
    { role: 'roles/compute.instanceAdmin.v1', members: [bot] },
    { role: 'roles/datastore.user', members: [bot] },
    { role: 'roles/monitoring.viewer', members: [bot] },
    { role: 'roles/aiplatform.user', members: [bot] },
    { role: 'roles/logging.viewer', members: [bot] },
    { role: 'roles/monitoring.metricWriter', members: [box] },
    { role: 'roles/logging.logWriter', members: [box] },
    // The deploy guide's custom role, with which the Deep Learning VM's proxy agent writes `proxy-url`.
    { role: `projects/${project}/roles/gpubotBoxMetadata`, members: [box] },
  ];
}

/** Who may act as the boxes' account: the bot, granted on that account alone (IAM "Service Account User"). */
export function serviceAccountBindings(project: string): Map<string, Binding[]> {
  return new Map([[boxAccountOf(project), [{ role: 'roles/iam.serviceAccountUser', members: [`serviceAccount:${botAccountOf(project)}`] }]]]);
}

/**
 * GPU quota granted per region, by Compute's quota metric names (the `Quota.Metric` values of the
 * Compute API; cloud.google.com/compute/resource-usage#gpu_quota). H100 is sold in small shapes only as
 * Spot or Flex-start, which count against the preemptible metric, so only that one is listed for it.
 */
export const REGIONAL_GPU_QUOTAS: readonly { metric: string; limit: number }[] = [
  { metric: 'NVIDIA_T4_GPUS', limit: 8 },
  { metric: 'PREEMPTIBLE_NVIDIA_T4_GPUS', limit: 16 },
  { metric: 'NVIDIA_L4_GPUS', limit: 8 },
  { metric: 'PREEMPTIBLE_NVIDIA_L4_GPUS', limit: 16 },
  { metric: 'NVIDIA_V100_GPUS', limit: 4 },
  { metric: 'PREEMPTIBLE_NVIDIA_V100_GPUS', limit: 8 },
  { metric: 'NVIDIA_P100_GPUS', limit: 4 },
  { metric: 'PREEMPTIBLE_NVIDIA_P100_GPUS', limit: 8 },
  { metric: 'NVIDIA_A100_GPUS', limit: 8 },
  { metric: 'PREEMPTIBLE_NVIDIA_A100_GPUS', limit: 16 },
  { metric: 'NVIDIA_A100_80GB_GPUS', limit: 8 },
  { metric: 'PREEMPTIBLE_NVIDIA_A100_80GB_GPUS', limit: 16 },
  { metric: 'PREEMPTIBLE_NVIDIA_H100_GPUS', limit: 8 },
];

/** Project-wide: new projects get 0 for GPUS_ALL_REGIONS (Compute's GPU quota page); a set-up one has asked for more. */
export const GLOBAL_GPU_QUOTAS: readonly { metric: string; limit: number }[] = [{ metric: 'GPUS_ALL_REGIONS', limit: 16 }];
