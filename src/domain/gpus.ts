/**
 * The GPUs a box can have, the Compute Engine machine types that carry them, and the limits between
 * the two (cloud.google.com/compute/docs/gpus). Which zone offers which GPU is not here: that changes
 * and comes from the `acceleratorTypes.list` API.
 */

export type GpuKey = 't4' | 'l4' | 'v100' | 'p100' | 'a100' | 'a100-80gb' | 'h100';

export type MachineFamily = 'n1' | 'g2' | 'a2' | 'a2-ultra' | 'a3';

export interface GpuModel {
  key: GpuKey;
  /** Compute Engine accelerator type, e.g. `nvidia-tesla-t4`. */
  acceleratorType: string;
  /** What people call it, e.g. `NVIDIA T4`. */
  label: string;
  /** Memory of one GPU. */
  memoryGb: number;
  family: MachineFamily;
  /** true: N1 attaches it via `guestAccelerators`; false: the machine type includes it. */
  attached: boolean;
  /** GPU counts one VM may have, ascending. */
  counts: readonly number[];
  /** The machine type a box gets when nobody names one. A count not in `counts` gets the next allowed count's machine. */
  defaultMachine: (count: number) => string;
  /** Regional Compute Engine quota metric, e.g. `NVIDIA_T4_GPUS`. */
  quotaMetric: string;
  /** Quota metric Spot VMs count against, e.g. `PREEMPTIBLE_NVIDIA_T4_GPUS`. */
  spotQuotaMetric: string;
  /** Vertex AI `machineSpec.acceleratorType`, e.g. `NVIDIA_TESLA_T4`. */
  vertexAcceleratorType: string;
}

export interface MachineShape {
  name: string;
  family: MachineFamily | 'other';
  vcpus: number;
  memoryGb: number;
  /** GPUs the machine type comes with; 0 for N1 (GPUs are attached) and for machines without GPUs. */
  gpus: number;
}

/** How big an N1 machine may be for a given number of attached GPUs. */
export interface N1Limit {
  count: number;
  maxVcpus: number;
  maxMemoryGb: number;
}

export const GPU_KEYS: readonly GpuKey[] = ['t4', 'l4', 'v100', 'p100', 'a100', 'a100-80gb', 'h100'];

/** The GPU a box gets when nobody names one: the cheapest, and offered in the most zones. */
export const DEFAULT_GPU: GpuKey = 't4';

/** Smallest allowed count that is at least `count`; the largest allowed when `count` exceeds them all. */
function allowedCountFor(counts: readonly number[], count: number): number {
  for (const c of counts) if (c >= count) return c;
  return counts[counts.length - 1] ?? 1;
}

// Eight vCPUs per GPU keeps every N1 GPU within its vCPU limit (V100 is the tightest: 12 for one GPU).
function n1Default(counts: readonly number[]): (count: number) => string {
  return (count) => `n1-standard-${Math.min(8 * allowedCountFor(counts, count), 64)}`;
}

const G2_BY_COUNT: Readonly<Record<number, string>> = {
  1: 'g2-standard-8',
  2: 'g2-standard-24',
  4: 'g2-standard-48',
  8: 'g2-standard-96',
};

const T4_COUNTS = [1, 2, 4] as const;
const L4_COUNTS = [1, 2, 4, 8] as const;
const V100_COUNTS = [1, 2, 4, 8] as const;
const P100_COUNTS = [1, 2, 4] as const;
const A100_COUNTS = [1, 2, 4, 8, 16] as const;
const A100_80_COUNTS = [1, 2, 4, 8] as const;
const H100_COUNTS = [1, 2, 4, 8] as const;

export const GPUS: Readonly<Record<GpuKey, GpuModel>> = Object.freeze({
  t4: {
    key: 't4',
    acceleratorType: 'nvidia-tesla-t4',
    label: 'NVIDIA T4',
    memoryGb: 16,
    family: 'n1',
    attached: true,
    counts: T4_COUNTS,
    defaultMachine: n1Default(T4_COUNTS),
    quotaMetric: 'NVIDIA_T4_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_T4_GPUS',
    vertexAcceleratorType: 'NVIDIA_TESLA_T4',
  },
  l4: {
    key: 'l4',
    acceleratorType: 'nvidia-l4',
    label: 'NVIDIA L4',
    memoryGb: 24,
    family: 'g2',
    attached: false,
    counts: L4_COUNTS,
    defaultMachine: (count) => G2_BY_COUNT[allowedCountFor(L4_COUNTS, count)] ?? 'g2-standard-8',
    quotaMetric: 'NVIDIA_L4_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_L4_GPUS',
    vertexAcceleratorType: 'NVIDIA_L4',
  },
  v100: {
    key: 'v100',
    acceleratorType: 'nvidia-tesla-v100',
    label: 'NVIDIA V100',
    memoryGb: 16,
    family: 'n1',
    attached: true,
    counts: V100_COUNTS,
    defaultMachine: n1Default(V100_COUNTS),
    quotaMetric: 'NVIDIA_V100_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_V100_GPUS',
    vertexAcceleratorType: 'NVIDIA_TESLA_V100',
  },
  p100: {
    key: 'p100',
    acceleratorType: 'nvidia-tesla-p100',
    label: 'NVIDIA P100',
    memoryGb: 16,
    family: 'n1',
    attached: true,
    counts: P100_COUNTS,
    defaultMachine: n1Default(P100_COUNTS),
    quotaMetric: 'NVIDIA_P100_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_P100_GPUS',
    vertexAcceleratorType: 'NVIDIA_TESLA_P100',
  },
  a100: {
    key: 'a100',
    acceleratorType: 'nvidia-tesla-a100',
    label: 'NVIDIA A100 40GB',
    memoryGb: 40,
    family: 'a2',
    attached: false,
    counts: A100_COUNTS,
    defaultMachine: (count) => {
      const c = allowedCountFor(A100_COUNTS, count);
      return c === 16 ? 'a2-megagpu-16g' : `a2-highgpu-${c}g`;
    },
    quotaMetric: 'NVIDIA_A100_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_A100_GPUS',
    vertexAcceleratorType: 'NVIDIA_TESLA_A100',
  },
  'a100-80gb': {
    key: 'a100-80gb',
    acceleratorType: 'nvidia-a100-80gb',
    label: 'NVIDIA A100 80GB',
    memoryGb: 80,
    family: 'a2-ultra',
    attached: false,
    counts: A100_80_COUNTS,
    defaultMachine: (count) => `a2-ultragpu-${allowedCountFor(A100_80_COUNTS, count)}g`,
    quotaMetric: 'NVIDIA_A100_80GB_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_A100_80GB_GPUS',
    vertexAcceleratorType: 'NVIDIA_A100_80GB',
  },
  h100: {
    key: 'h100',
    acceleratorType: 'nvidia-h100-80gb',
    label: 'NVIDIA H100 80GB',
    memoryGb: 80,
    family: 'a3',
    attached: false,
    counts: H100_COUNTS,
    defaultMachine: (count) => `a3-highgpu-${allowedCountFor(H100_COUNTS, count)}g`,
    quotaMetric: 'NVIDIA_H100_GPUS',
    spotQuotaMetric: 'PREEMPTIBLE_NVIDIA_H100_GPUS',
    vertexAcceleratorType: 'NVIDIA_H100_80GB',
  },
});

// What people type for a GPU, after lowercasing, `_` -> `-` and dropping `nvidia-` / `tesla-` prefixes.
const GPU_ALIASES: Readonly<Record<string, GpuKey>> = {
  t4: 't4',
  l4: 'l4',
  v100: 'v100',
  p100: 'p100',
  a100: 'a100',
  'a100-40gb': 'a100',
  'a100-40g': 'a100',
  'a100-80gb': 'a100-80gb',
  'a100-80g': 'a100-80gb',
  'a100-80': 'a100-80gb',
  a10080gb: 'a100-80gb',
  h100: 'h100',
  'h100-80gb': 'h100',
  'h100-80g': 'h100',
};

/**
 * Reads a GPU as people write it: the short keys (`a100`), accelerator types (`nvidia-tesla-a100`),
 * Vertex names (`NVIDIA_TESLA_A100`) and memory-qualified names (`a100-40gb`, `h100-80gb`), in any case.
 */
export function parseGpuKey(text: string): GpuKey | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  let t = text.trim().toLowerCase().replace(/[_\s]+/g, '-');
  t = t.replace(/^nvidia-/, '').replace(/^tesla-/, '');
  return Object.hasOwn(GPU_ALIASES, t) ? (GPU_ALIASES[t] ?? null) : null;
}

/** The GPU behind a Compute Engine accelerator type (`nvidia-l4`), or null for one the bot does not offer. */
export function gpuByAcceleratorType(type: string): GpuModel | null {
  if (typeof type !== 'string') return null;
  const t = type.trim().toLowerCase();
  for (const key of GPU_KEYS) if (GPUS[key].acceleratorType === t) return GPUS[key];
  return null;
}

/**
 * N1 vCPU and memory limits per number of attached GPUs (cloud.google.com/compute/docs/gpus, GPU
 * platforms table). Four P100s allow 96 vCPUs in most zones but 64 in a few (see P100_SMALL_ZONES).
 */
export const N1_LIMITS: Readonly<Partial<Record<GpuKey, readonly N1Limit[]>>> = {
  t4: [
    { count: 1, maxVcpus: 48, maxMemoryGb: 312 },
    { count: 2, maxVcpus: 48, maxMemoryGb: 312 },
    { count: 4, maxVcpus: 96, maxMemoryGb: 624 },
  ],
  v100: [
    { count: 1, maxVcpus: 12, maxMemoryGb: 78 },
    { count: 2, maxVcpus: 24, maxMemoryGb: 156 },
    { count: 4, maxVcpus: 48, maxMemoryGb: 312 },
    { count: 8, maxVcpus: 96, maxMemoryGb: 624 },
  ],
  p100: [
    { count: 1, maxVcpus: 16, maxMemoryGb: 104 },
    { count: 2, maxVcpus: 32, maxMemoryGb: 208 },
    { count: 4, maxVcpus: 96, maxMemoryGb: 624 },
  ],
};

const P100_SMALL_ZONES: readonly string[] = ['us-east1-c', 'europe-west1-b', 'europe-west1-d'];

/** How big an N1 machine may be with `count` of this GPU (in `zone`, when known); null when N1 cannot carry it. */
export function n1Limit(gpu: GpuKey, count: number, zone: string | null = null): N1Limit | null {
  const limit = N1_LIMITS[gpu]?.find((l) => l.count === count) ?? null;
  if (limit && gpu === 'p100' && count === 4 && zone !== null && P100_SMALL_ZONES.includes(zone)) {
    return { count, maxVcpus: 64, maxMemoryGb: 208 };
  }
  return limit;
}

// ---------------------------------------------------------------------------------------------
// Machine types

const round2 = (n: number): number => Math.round(n * 100) / 100;

const SHAPES = new Map<string, MachineShape>();

function addShape(name: string, family: MachineFamily | 'other', vcpus: number, memoryGb: number, gpus: number): void {
  SHAPES.set(name, { name, family, vcpus, memoryGb: round2(memoryGb), gpus });
}

for (const n of [1, 2, 4, 8, 16, 32, 64, 96]) addShape(`n1-standard-${n}`, 'n1', n, 3.75 * n, 0);
for (const n of [2, 4, 8, 16, 32, 64, 96]) {
  addShape(`n1-highmem-${n}`, 'n1', n, 6.5 * n, 0);
  addShape(`n1-highcpu-${n}`, 'n1', n, 0.9 * n, 0);
}
for (const [g, vcpus, mem] of [
  [1, 12, 85],
  [2, 24, 170],
  [4, 48, 340],
  [8, 96, 680],
] as const) {
  addShape(`a2-highgpu-${g}g`, 'a2', vcpus, mem, g);
  addShape(`a2-ultragpu-${g}g`, 'a2-ultra', vcpus, mem * 2, g);
}
addShape('a2-megagpu-16g', 'a2', 96, 1360, 16);
for (const [n, mem, g] of [
  [4, 16, 1],
  [8, 32, 1],
  [12, 48, 1],
  [16, 64, 1],
  [24, 96, 2],
  [32, 128, 1],
  [48, 192, 4],
  [96, 384, 8],
] as const) {
  addShape(`g2-standard-${n}`, 'g2', n, mem, g);
}
for (const [g, vcpus, mem] of [
  [1, 26, 234],
  [2, 52, 468],
  [4, 104, 936],
  [8, 208, 1872],
] as const) {
  addShape(`a3-highgpu-${g}g`, 'a3', vcpus, mem, g);
}
// Shared-core machines: a fraction of one vCPU, and never a GPU.
addShape('f1-micro', 'other', 1, 0.6, 0);
addShape('g1-small', 'other', 1, 1.7, 0);
addShape('e2-micro', 'other', 2, 1, 0);
addShape('e2-small', 'other', 2, 2, 0);
addShape('e2-medium', 'other', 2, 4, 0);

// Series that never carry a GPU; known only well enough to say what they are when someone names one.
const OTHER_SERIES: Readonly<Record<string, Readonly<Record<string, { perVcpuGb: number; sizes: readonly number[] }>>>> = {
  e2: {
    standard: { perVcpuGb: 4, sizes: [2, 4, 8, 16, 32] },
    highmem: { perVcpuGb: 8, sizes: [2, 4, 8, 16] },
    highcpu: { perVcpuGb: 1, sizes: [2, 4, 8, 16, 32] },
  },
  n2: {
    standard: { perVcpuGb: 4, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128] },
    highmem: { perVcpuGb: 8, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128] },
    highcpu: { perVcpuGb: 1, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96] },
  },
  n2d: {
    standard: { perVcpuGb: 4, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224] },
    highmem: { perVcpuGb: 8, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96] },
    highcpu: { perVcpuGb: 1, sizes: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224] },
  },
  c2: {
    standard: { perVcpuGb: 4, sizes: [4, 8, 16, 30, 60] },
  },
};
for (const [series, kinds] of Object.entries(OTHER_SERIES)) {
  for (const [kind, { perVcpuGb, sizes }] of Object.entries(kinds)) {
    for (const n of sizes) addShape(`${series}-${kind}-${n}`, 'other', n, perVcpuGb * n, 0);
  }
}

/** Every predefined machine type this catalogue knows, for suggestions. */
export const KNOWN_MACHINE_TYPES: readonly string[] = [...SHAPES.keys()];

const N1_CUSTOM = /^custom-(\d{1,3})-(\d{3,7})(-ext)?$/;
const OTHER_CUSTOM = /^(?:n2|n2d|e2)-custom-(\d{1,3})-(\d{3,7})(-ext)?$/;

/**
 * vCPUs, memory and built-in GPUs of a machine type, or null for a name that is not one. Custom N1
 * types (`custom-8-30720`, memory in MB) count as N1 because GPUs attach to them too.
 */
export function machineShape(name: string): MachineShape | null {
  if (typeof name !== 'string' || name.length > 64) return null;
  const known = SHAPES.get(name);
  if (known) return { ...known };
  const n1 = N1_CUSTOM.exec(name);
  if (n1) {
    const vcpus = Number(n1[1]);
    const memoryMb = Number(n1[2]);
    const extended = n1[3] !== undefined;
    const perVcpuGb = memoryMb / 1024 / vcpus;
    const validCpus = vcpus === 1 || (vcpus % 2 === 0 && vcpus <= 96);
    const validMemory = memoryMb % 256 === 0 && perVcpuGb >= 0.9 && (extended || perVcpuGb <= 6.5);
    if (vcpus < 1 || !validCpus || !validMemory) return null;
    return { name, family: 'n1', vcpus, memoryGb: round2(memoryMb / 1024), gpus: 0 };
  }
  const other = OTHER_CUSTOM.exec(name);
  if (other) {
    const vcpus = Number(other[1]);
    const memoryMb = Number(other[2]);
    if (vcpus < 1 || memoryMb % 256 !== 0) return null;
    return { name, family: 'other', vcpus, memoryGb: round2(memoryMb / 1024), gpus: 0 };
  }
  return null;
}

const FAMILY_GPU: Readonly<Record<MachineFamily, GpuKey | null>> = {
  n1: null,
  g2: 'l4',
  a2: 'a100',
  'a2-ultra': 'a100-80gb',
  a3: 'h100',
};

/** The GPU a machine type comes with (`a2-highgpu-1g` -> `a100`); null for N1 and machines without GPUs. */
export function gpuForMachine(name: string): GpuKey | null {
  const shape = machineShape(name);
  if (!shape || shape.family === 'other') return null;
  return FAMILY_GPU[shape.family];
}

/** Machine types of the GPU's family that come with exactly `count` GPUs (empty for N1 GPUs). */
export function machinesWithGpus(gpu: GpuKey, count: number): string[] {
  const family = GPUS[gpu].family;
  if (GPUS[gpu].attached) return [];
  return [...SHAPES.values()].filter((s) => s.family === family && s.gpus === count).map((s) => s.name);
}

/** How people name a machine family in a sentence: `N1`, `A2 Ultra`, `E2`, `shared-core`. */
export function familyLabel(shape: Pick<MachineShape, 'name' | 'family'>): string {
  switch (shape.family) {
    case 'n1':
      return 'N1';
    case 'g2':
      return 'G2';
    case 'a2':
      return 'A2';
    case 'a2-ultra':
      return 'A2 Ultra';
    case 'a3':
      return 'A3';
    case 'other': {
      if (isSharedCore(shape.name)) return 'shared-core';
      const series = /^[a-z][a-z0-9]*/.exec(shape.name)?.[0] ?? '';
      return series.toUpperCase();
    }
  }
}

/** f1-micro, g1-small and the small E2s share a physical core and can never have a GPU. */
export function isSharedCore(name: string): boolean {
  return ['f1-micro', 'g1-small', 'e2-micro', 'e2-small', 'e2-medium'].includes(name);
}

// ---------------------------------------------------------------------------------------------
// Images

/** The Deep Learning VM image a box boots when nobody names one. */
export const DEFAULT_IMAGE = Object.freeze({
  project: 'deeplearning-platform-release',
  family: 'common-cu128-ubuntu-2204-nvidia-570',
});

/**
 * Examples of Deep Learning VM image families, for help texts and form options. Google adds and
 * retires families often; the images API (`images.getFromFamily` in `deeplearning-platform-release`)
 * is the authority on which exist.
 */
export const KNOWN_IMAGE_FAMILIES: readonly string[] = [
  'common-cu128-ubuntu-2204-nvidia-570',
  'pytorch-2-7-cu128-ubuntu-2204-nvidia-570',
  'common-cu129-ubuntu-2204-nvidia-580',
  'common-cu129-ubuntu-2404-nvidia-580',
];
