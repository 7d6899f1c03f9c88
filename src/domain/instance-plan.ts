/**
 * The Compute Engine VM a box needs, worked out from the box alone: same box, same plan, so a
 * controller that restarts half-way issues the same request again.
 */
import type { Box } from './box.js';
import { GPUS, machineShape } from './gpus.js';
import { DEFAULT_FLEX_START_RUN_MS, provisioningOf, type Provisioning } from './provisioning.js';
import { NOTEBOOK_ACTIVITY_SCRIPT } from './notebook-activity-script.js';
import { BOX_AGENT_SCRIPT } from './box-agent-script.js';
import { proxyAccessMetadata, type JupyterAccess } from './jupyter-access.js';

export interface InstancePlan {
  name: string;
  zone: string;
  machineType: string;
  /** GPUs attached through guestAccelerators (N1 only); empty when the machine type includes them. */
  accelerators: { type: string; count: number }[];
  bootDisk: { sizeGb: number; type: 'pd-balanced'; imageProject: string; imageFamily: string };
  labels: Record<string, string>;
  metadata: Record<string, string>;
  /** True exactly when `provisioning` is `spot`. */
  spot: boolean;
  provisioning: Provisioning;
  /** Flex-start's `maxRunDuration` in whole seconds; null for the other models. */
  maxRunSeconds: number | null;
  /** The interface is gVNIC: A3 machines need it (cloud.google.com/compute/docs/gpus, A3 series). */
  gvnic: boolean;
  /** A network name or resource path, as configured (GPUBOT_NETWORK). */
  network: string;
  /** This zone's region's subnetwork, name or resource path; null: the network's own for the region. */
  subnetwork: string | null;
  /** An ephemeral external IP; false where an organization policy forbids them (Cloud NAT then gives outbound access). */
  externalIp: boolean;
  serviceAccount: string | null;
}

export interface PlanContext {
  network: string;
  /** The subnetwork for every region, unless `subnetworksByRegion` names one for the box's region. */
  subnetwork: string | null;
  /** Region -> subnetwork (GPUBOT_SUBNETWORK written as `region=subnet,...`). */
  subnetworksByRegion?: Readonly<Record<string, string>>;
  /** Default true: boxes get an ephemeral external IP. */
  externalIp?: boolean;
  serviceAccount: string | null;
  /** Who the inverting proxy admits to Jupyter; default `owner` (GPUBOT_JUPYTER_ACCESS). */
  jupyterAccess?: JupyterAccess;
}

/** Labels every VM the bot creates carries (DESIGN.md "Contracts"). */
export function boxLabels(box: Pick<Box, 'id' | 'owner'>): Record<string, string> {
  return {
    'managed-by': 'gpubot',
    'gpubot-owner': box.owner.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 63),
    'gpubot-id': box.id,
  };
}

/**
 * Runs at every boot. The Deep Learning VM image brings Jupyter and (with install-nvidia-driver) the
 * driver; this adds the Ops Agent, whose NVML receiver writes agent.googleapis.com/gpu/* metrics, and
 * the notebook-activity reporter: the two signals the idle check reads besides CPU; and the box agent,
 * through which `/train --from-box` packages code and brings outputs back. Every part is idempotent,
 * and none opens a port.
 */
export const STARTUP_SCRIPT = `#!/bin/bash
# gpubot box startup: install the Ops Agent (GPU metrics for idle detection) once.
set -u
if ! systemctl is-active --quiet google-cloud-ops-agent; then
  curl -sSO https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh
  bash add-google-cloud-ops-agent-repo.sh --also-install || echo "gpubot: Ops Agent install failed; GPU idle metrics will be missing"
fi
${NOTEBOOK_ACTIVITY_SCRIPT}
${BOX_AGENT_SCRIPT}`;

export function instancePlan(box: Box, zone: string, ctx: PlanContext): InstancePlan {
  const gpu = GPUS[box.spec.gpu];
  const provisioning = provisioningOf(box.spec);
  const region = zone.replace(/-[a-z]$/, '');
  return {
    name: box.name,
    zone,
    machineType: box.spec.machineType,
    accelerators: gpu.attached ? [{ type: gpu.acceleratorType, count: box.spec.gpuCount }] : [],
    bootDisk: {
      sizeGb: box.spec.diskGb,
      type: 'pd-balanced',
      imageProject: box.spec.imageProject,
      imageFamily: box.spec.imageFamily,
    },
    labels: boxLabels(box),
    metadata: {
      'install-nvidia-driver': 'True',
      // The inverting proxy gives an https Jupyter URL without opening any port to the internet; by
      // default it admits the owner's Google account alone.
      ...proxyAccessMetadata(ctx.jupyterAccess ?? 'owner', box.ownerAccount ?? null),
      'startup-script': STARTUP_SCRIPT,
      // The box agent answers in guest attributes, which the metadata server only takes when this is set
      // (https://cloud.google.com/compute/docs/metadata/manage-guest-attributes).
      'enable-guest-attributes': 'TRUE',
    },
    spot: provisioning === 'spot',
    provisioning,
    maxRunSeconds: provisioning === 'flex-start' ? Math.round((box.spec.flexMaxRunMs ?? DEFAULT_FLEX_START_RUN_MS) / 1000) : null,
    gvnic: machineShape(box.spec.machineType)?.family === 'a3',
    network: ctx.network,
    subnetwork: ctx.subnetworksByRegion?.[region] ?? ctx.subnetwork,
    externalIp: ctx.externalIp !== false,
    serviceAccount: ctx.serviceAccount,
  };
}
