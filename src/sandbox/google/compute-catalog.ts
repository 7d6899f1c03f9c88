/**
 * What the simulated Compute Engine offers: regions and zones, the GPUs each zone has, machine types
 * and Deep Learning VM image families. Shaped after cloud.google.com/compute/docs/gpus/gpu-regions-zones
 * but smaller and fixed, so tests can rely on it; read it from tests instead of repeating it.
 */

export interface AcceleratorSpec {
  /** Accelerator type name as the API writes it (`nvidia-tesla-t4`). */
  name: string;
  description: string;
  maximumCardsPerInstance: number;
  /** Quota metric that counts these GPUs (`NVIDIA_T4_GPUS`); Spot VMs use `PREEMPTIBLE_` + this. */
  quotaMetric: string;
  /** Card counts an N1 machine may attach; empty for GPUs that only come built into a machine type. */
  n1Counts: readonly number[];
}

export const ACCELERATORS: Readonly<Record<string, AcceleratorSpec>> = {
  'nvidia-tesla-t4': {
    name: 'nvidia-tesla-t4',
    description: 'NVIDIA T4',
    maximumCardsPerInstance: 4,
    quotaMetric: 'NVIDIA_T4_GPUS',
    n1Counts: [1, 2, 4],
  },
  'nvidia-tesla-t4-vws': {
    name: 'nvidia-tesla-t4-vws',
    description: 'NVIDIA T4 Virtual Workstation',
    maximumCardsPerInstance: 4,
    quotaMetric: 'NVIDIA_T4_VWS_GPUS',
    n1Counts: [1, 2, 4],
  },
  'nvidia-tesla-v100': {
    name: 'nvidia-tesla-v100',
    description: 'NVIDIA V100',
    maximumCardsPerInstance: 8,
    quotaMetric: 'NVIDIA_V100_GPUS',
    n1Counts: [1, 2, 4, 8],
  },
  'nvidia-tesla-p100': {
    name: 'nvidia-tesla-p100',
    description: 'NVIDIA Tesla P100',
    maximumCardsPerInstance: 4,
    quotaMetric: 'NVIDIA_P100_GPUS',
    n1Counts: [1, 2, 4],
  },
  'nvidia-tesla-p100-vws': {
    name: 'nvidia-tesla-p100-vws',
    description: 'NVIDIA Tesla P100 Virtual Workstation',
    maximumCardsPerInstance: 4,
    quotaMetric: 'NVIDIA_P100_VWS_GPUS',
    n1Counts: [1, 2, 4],
  },
  'nvidia-tesla-a100': {
    name: 'nvidia-tesla-a100',
    description: 'NVIDIA A100 40GB',
    maximumCardsPerInstance: 16,
    quotaMetric: 'NVIDIA_A100_GPUS',
    n1Counts: [],
  },
  'nvidia-a100-80gb': {
    name: 'nvidia-a100-80gb',
    description: 'NVIDIA A100 80GB',
    maximumCardsPerInstance: 8,
    quotaMetric: 'NVIDIA_A100_80GB_GPUS',
    n1Counts: [],
  },
  'nvidia-l4': {
    name: 'nvidia-l4',
    description: 'NVIDIA L4',
    maximumCardsPerInstance: 8,
    quotaMetric: 'NVIDIA_L4_GPUS',
    n1Counts: [],
  },
  'nvidia-l4-vws': {
    name: 'nvidia-l4-vws',
    description: 'NVIDIA L4 Virtual Workstation',
    maximumCardsPerInstance: 8,
    quotaMetric: 'NVIDIA_L4_VWS_GPUS',
    n1Counts: [],
  },
  'nvidia-h100-80gb': {
    name: 'nvidia-h100-80gb',
    description: 'NVIDIA H100 80GB',
    maximumCardsPerInstance: 8,
    quotaMetric: 'NVIDIA_H100_GPUS',
    n1Counts: [],
  },
};

/** The GPUs each zone offers. Virtual Workstation variants are listed beside their base GPU, as the API does. */
export const ZONE_ACCELERATORS: Readonly<Record<string, readonly string[]>> = {
  'us-central1-a': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-h100-80gb'],
  'us-central1-b': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-a100-80gb'],
  'us-central1-c': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws'],
  'us-central1-f': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-l4-vws'],
  'us-east1-b': ['nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-h100-80gb'],
  'us-east1-c': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws'],
  'us-east1-d': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-l4', 'nvidia-l4-vws'],
  'us-west1-a': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-h100-80gb'],
  'us-west1-b': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-l4-vws'],
  'europe-west4-a': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-h100-80gb'],
  'europe-west4-b': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-tesla-a100', 'nvidia-l4', 'nvidia-l4-vws', 'nvidia-h100-80gb'],
  'europe-west4-c': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws'],
  'asia-east1-a': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-a100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws'],
  'asia-east1-c': ['nvidia-tesla-t4', 'nvidia-tesla-t4-vws', 'nvidia-tesla-v100', 'nvidia-tesla-a100', 'nvidia-tesla-p100', 'nvidia-tesla-p100-vws', 'nvidia-l4', 'nvidia-l4-vws'],
};

export interface RegionSpec {
  name: string;
  description: string;
  zones: readonly string[];
}

export const REGIONS: readonly RegionSpec[] = [
  { name: 'us-central1', description: 'us-central1', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'] },
  { name: 'us-east1', description: 'us-east1', zones: ['us-east1-b', 'us-east1-c', 'us-east1-d'] },
  { name: 'us-west1', description: 'us-west1', zones: ['us-west1-a', 'us-west1-b'] },
  { name: 'europe-west4', description: 'europe-west4', zones: ['europe-west4-a', 'europe-west4-b', 'europe-west4-c'] },
  { name: 'asia-east1', description: 'asia-east1', zones: ['asia-east1-a', 'asia-east1-c'] },
];

/** Every zone, in the order aggregated lists report them (sorted by name, as the API does). */
export const ZONES: readonly string[] = REGIONS.flatMap((r) => r.zones).sort();

export function regionOfZone(zone: string): string | undefined {
  return REGIONS.find((r) => r.zones.includes(zone))?.name;
}

export type MachineFamily = 'n1' | 'a2' | 'g2' | 'a3';

export interface MachineTypeSpec {
  name: string;
  family: MachineFamily;
  guestCpus: number;
  memoryMb: number;
  /** GPUs that come with the machine type (A2, G2, A3); N1 takes them through guestAccelerators. */
  accelerators: readonly { type: string; count: number }[];
  description: string;
  /** What `cpuPlatform` says while the instance runs. */
  cpuPlatform: string;
}

const GB = 1024;

function n1(kind: 'standard' | 'highmem', cpus: number): MachineTypeSpec {
  const memoryMb = kind === 'standard' ? cpus * 3840 : cpus * 6656;
  const ramGb = Math.round((memoryMb / GB) * 100) / 100;
  return {
    name: `n1-${kind}-${cpus}`,
    family: 'n1',
    guestCpus: cpus,
    memoryMb,
    accelerators: [],
    description: `${cpus} vCPU${cpus === 1 ? '' : 's'}, ${ramGb} GB RAM`,
    cpuPlatform: 'Intel Broadwell',
  };
}

function gpuMachine(
  name: string,
  family: Exclude<MachineFamily, 'n1'>,
  cpus: number,
  ramGb: number,
  gpu: string,
  gpus: number,
): MachineTypeSpec {
  const label = ACCELERATORS[gpu]?.description ?? gpu;
  const platform = family === 'a3' ? 'Intel Sapphire Rapids' : 'Intel Cascade Lake';
  return {
    name,
    family,
    guestCpus: cpus,
    memoryMb: ramGb * GB,
    accelerators: [{ type: gpu, count: gpus }],
    description: `Accelerator Optimized: ${gpus} ${label} GPU${gpus === 1 ? '' : 's'}, ${cpus} vCPUs, ${ramGb}GB RAM`,
    cpuPlatform: platform,
  };
}

export const MACHINE_TYPES: readonly MachineTypeSpec[] = [
  ...[1, 2, 4, 8, 16, 32, 64, 96].map((c) => n1('standard', c)),
  ...[2, 4, 8, 16, 32, 64, 96].map((c) => n1('highmem', c)),
  gpuMachine('a2-highgpu-1g', 'a2', 12, 85, 'nvidia-tesla-a100', 1),
  gpuMachine('a2-highgpu-2g', 'a2', 24, 170, 'nvidia-tesla-a100', 2),
  gpuMachine('a2-highgpu-4g', 'a2', 48, 340, 'nvidia-tesla-a100', 4),
  gpuMachine('a2-highgpu-8g', 'a2', 96, 680, 'nvidia-tesla-a100', 8),
  gpuMachine('a2-megagpu-16g', 'a2', 96, 1360, 'nvidia-tesla-a100', 16),
  gpuMachine('a2-ultragpu-1g', 'a2', 12, 170, 'nvidia-a100-80gb', 1),
  gpuMachine('a2-ultragpu-2g', 'a2', 24, 340, 'nvidia-a100-80gb', 2),
  gpuMachine('a2-ultragpu-4g', 'a2', 48, 680, 'nvidia-a100-80gb', 4),
  gpuMachine('a2-ultragpu-8g', 'a2', 96, 1360, 'nvidia-a100-80gb', 8),
  gpuMachine('g2-standard-4', 'g2', 4, 16, 'nvidia-l4', 1),
  gpuMachine('g2-standard-8', 'g2', 8, 32, 'nvidia-l4', 1),
  gpuMachine('g2-standard-12', 'g2', 12, 48, 'nvidia-l4', 1),
  gpuMachine('g2-standard-16', 'g2', 16, 64, 'nvidia-l4', 1),
  gpuMachine('g2-standard-24', 'g2', 24, 96, 'nvidia-l4', 2),
  gpuMachine('g2-standard-32', 'g2', 32, 128, 'nvidia-l4', 1),
  gpuMachine('g2-standard-48', 'g2', 48, 192, 'nvidia-l4', 4),
  gpuMachine('g2-standard-96', 'g2', 96, 384, 'nvidia-l4', 8),
  gpuMachine('a3-highgpu-1g', 'a3', 26, 234, 'nvidia-h100-80gb', 1),
  gpuMachine('a3-highgpu-2g', 'a3', 52, 468, 'nvidia-h100-80gb', 2),
  gpuMachine('a3-highgpu-4g', 'a3', 104, 936, 'nvidia-h100-80gb', 4),
  gpuMachine('a3-highgpu-8g', 'a3', 208, 1872, 'nvidia-h100-80gb', 8),
];

/** Machine types offered in a zone: N1 everywhere, a GPU family only where its GPU is. */
export function zoneMachineTypes(zone: string): MachineTypeSpec[] {
  const gpus = ZONE_ACCELERATORS[zone] ?? [];
  return MACHINE_TYPES.filter((m) => m.accelerators.every((a) => gpus.includes(a.type)));
}

export function findMachineType(zone: string, name: string): MachineTypeSpec | undefined {
  return zoneMachineTypes(zone).find((m) => m.name === name);
}

/** Project that publishes Deep Learning VM images. */
export const DLVM_PROJECT = 'deeplearning-platform-release';

export interface ImageSpec {
  /** Image name: family plus a build date, as DLVM publishes them. */
  name: string;
  family: string;
  description: string;
  diskSizeGb: number;
  /** Build date; the creation timestamp is derived from it. */
  built: string;
}

/**
 * DLVM image families (names follow the published `<framework>-<cuda>-<os>-<driver>` pattern; this is
 * a sample, not the full table). Each family resolves to its newest image.
 */
export const DLVM_IMAGES: readonly ImageSpec[] = [
  {
    name: 'common-cu128-ubuntu-2204-nvidia-570-v20250815',
    family: 'common-cu128-ubuntu-2204-nvidia-570',
    description: 'Google, Deep Learning VM with CUDA 12.8, M130, Ubuntu 22.04, NVIDIA driver 570',
    diskSizeGb: 50,
    built: '2025-08-15',
  },
  {
    name: 'common-cu128-ubuntu-2204-nvidia-570-v20250701',
    family: 'common-cu128-ubuntu-2204-nvidia-570',
    description: 'Google, Deep Learning VM with CUDA 12.8, M129, Ubuntu 22.04, NVIDIA driver 570',
    diskSizeGb: 50,
    built: '2025-07-01',
  },
  {
    name: 'common-cu128-ubuntu-2404-nvidia-570-v20250815',
    family: 'common-cu128-ubuntu-2404-nvidia-570',
    description: 'Google, Deep Learning VM with CUDA 12.8, M130, Ubuntu 24.04, NVIDIA driver 570',
    diskSizeGb: 50,
    built: '2025-08-15',
  },
  {
    name: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570-v20250815',
    family: 'pytorch-2-7-cu128-ubuntu-2204-nvidia-570',
    description: 'Google, Deep Learning VM for PyTorch 2.7 with CUDA 12.8, M130, Ubuntu 22.04, NVIDIA driver 570',
    diskSizeGb: 100,
    built: '2025-08-15',
  },
  {
    name: 'pytorch-2-7-cu128-ubuntu-2404-nvidia-570-v20250815',
    family: 'pytorch-2-7-cu128-ubuntu-2404-nvidia-570',
    description: 'Google, Deep Learning VM for PyTorch 2.7 with CUDA 12.8, M130, Ubuntu 24.04, NVIDIA driver 570',
    diskSizeGb: 100,
    built: '2025-08-15',
  },
];

/** The newest image of a family, as images.getFromFamily answers. */
export function imageFromFamily(family: string): ImageSpec | undefined {
  return DLVM_IMAGES.filter((i) => i.family === family).sort((a, b) => b.built.localeCompare(a.built))[0];
}

// ---------------------------------------------------------------------------------------------
// Provisioning models per machine type

export type ProvisioningModel = 'STANDARD' | 'SPOT' | 'FLEX_START';

/**
 * Machine types Compute sells only some ways. Source: cloud.google.com/compute/docs/gpus ("GPU
 * machine types", A3 High: `a3-highgpu-1g`, `-2g`, `-4g` only with Spot or Flex-start; `-8g` also on
 * demand), read 2026-12-02. Flex-start is offered for accelerator-optimized machine types only
 * (cloud.google.com/compute/docs/instances/about-flex-start-vms, same date), so N1 is not.
 */
export const PROVISIONING_RULES: readonly { machineTypes: RegExp; models: readonly ProvisioningModel[] }[] = [
  { machineTypes: /^a3-highgpu-[124]g$/, models: ['SPOT', 'FLEX_START'] },
  { machineTypes: /^(a2|a3|g2)-/, models: ['STANDARD', 'SPOT', 'FLEX_START'] },
  { machineTypes: /./, models: ['STANDARD', 'SPOT'] },
];

export function provisioningModelsFor(machineType: string): readonly ProvisioningModel[] {
  return PROVISIONING_RULES.find((r) => r.machineTypes.test(machineType))?.models ?? ['STANDARD', 'SPOT'];
}

/**
 * Flex-start's run length, in seconds: "between 10 minutes and seven days"
 * (cloud.google.com/compute/docs/instances/create-flex-start-vm, REST tab, read 2026-12-02).
 */
export const FLEX_START_RUN_SECONDS = { min: 600, max: 7 * 86_400 } as const;

/**
 * Machine families whose interface must be gVNIC. The A3 samples in Compute's GPU pages
 * (cloud.google.com/compute/docs/gpus/create-gpu-vm-accelerator-optimized, read 2026-12-02) set
 * `nicType: GVNIC` on every interface, and the A3 series lists gVNIC as its network interface.
 */
export const GVNIC_FAMILIES: readonly MachineFamily[] = ['a3'];

// ---------------------------------------------------------------------------------------------
// Networks

export interface SubnetworkSpec {
  region: string;
  name: string;
}

export interface NetworkSpec {
  /** The project the network lives in: the sandbox's own, or a Shared VPC host. */
  project: string;
  name: string;
  /** Auto mode networks have a subnet in every region; custom mode ones only those listed. */
  autoMode: boolean;
  subnetworks: readonly SubnetworkSpec[];
}

/** What a new project has: the auto-mode `default` network with a `default` subnet in every region. */
export function defaultNetworks(project: string): NetworkSpec[] {
  return [{ project, name: 'default', autoMode: true, subnetworks: REGIONS.map((r) => ({ region: r.name, name: 'default' })) }];
}
