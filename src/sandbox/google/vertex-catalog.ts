/**
 * What the Vertex AI sandbox knows of Vertex AI's training offer, as data written from Google's pages
 * (not from the bot's tables, so a wrong belief in the bot meets a witness that does not share it):
 *
 * - Machine types Vertex AI trains on: "Configure compute resources for custom training",
 *   https://cloud.google.com/vertex-ai/docs/training/configure-compute#machine-types (read 2026-12-02).
 *   Their vCPUs and memory: Compute Engine's machine-family pages (general-purpose, compute-optimized,
 *   accelerator-optimized), https://cloud.google.com/compute/docs/machine-resource (read 2026-12-02).
 * - GPUs per machine: the same Vertex page's GPU table ("#gpu-compatibility-table"), and for GPUs that
 *   attach to N1, the same page's table of valid GPU counts per N1 machine type.
 * - Prebuilt training containers and their end of availability: "Prebuilt containers for custom
 *   training", https://cloud.google.com/vertex-ai/docs/training/pre-built-containers (read 2026-12-02).
 *   After that date Vertex AI refuses a job that names the image.
 * - Quota metric names: Vertex AI's "Quotas and limits" page, custom training GPUs per region
 *   (`custom_model_training_nvidia_t4_gpus`, ...), https://cloud.google.com/vertex-ai/docs/quotas.
 */

export interface TrainingMachine {
  vcpus: number;
  memoryGb: number;
  /** GPUs the machine type comes with, which a job must name in exactly this number. */
  builtIn?: { acceleratorType: string; count: number };
}

function machines(): Map<string, TrainingMachine> {
  const all = new Map<string, TrainingMachine>();
  const add = (name: string, vcpus: number, memoryGb: number, builtIn?: TrainingMachine['builtIn']): void => {
    all.set(name, builtIn === undefined ? { vcpus, memoryGb } : { vcpus, memoryGb, builtIn });
  };
  // Series, kind, GB per vCPU, the sizes Vertex AI lists for training.
  const series: readonly (readonly [string, number, readonly number[]])[] = [
    ['e2-standard', 4, [4, 8, 16, 32]],
    ['e2-highmem', 8, [2, 4, 8, 16]],
    ['e2-highcpu', 1, [16, 32]],
    ['n2-standard', 4, [4, 8, 16, 32, 48, 64, 80]],
    ['n2-highmem', 8, [2, 4, 8, 16, 32, 48, 64, 80]],
    ['n2-highcpu', 1, [16, 32, 48, 64, 80, 96]],
    ['n1-standard', 3.75, [4, 8, 16, 32, 64, 96]],
    ['n1-highmem', 6.5, [2, 4, 8, 16, 32, 64, 96]],
    ['n1-highcpu', 0.9, [16, 32, 64, 96]],
    ['c2-standard', 4, [4, 8, 16, 30, 60]],
    ['n4-standard', 4, [2, 4, 8, 16, 32, 48, 64, 80]],
    ['n4-highmem', 8, [2, 4, 8, 16, 32, 48, 64, 80]],
    ['n4-highcpu', 2, [2, 4, 8, 16, 32, 48, 64, 80]],
  ];
  for (const [stem, perVcpu, sizes] of series) for (const n of sizes) add(`${stem}-${n}`, n, Math.round(perVcpu * n * 100) / 100);
  for (const [g, vcpus, memoryGb] of [
    [1, 12, 85],
    [2, 24, 170],
    [4, 48, 340],
    [8, 96, 680],
  ] as const) {
    add(`a2-highgpu-${g}g`, vcpus, memoryGb, { acceleratorType: 'NVIDIA_TESLA_A100', count: g });
    add(`a2-ultragpu-${g}g`, vcpus, memoryGb * 2, { acceleratorType: 'NVIDIA_A100_80GB', count: g });
  }
  add('a2-megagpu-16g', 96, 1360, { acceleratorType: 'NVIDIA_TESLA_A100', count: 16 });
  add('a3-megagpu-8g', 208, 1872, { acceleratorType: 'NVIDIA_H100_MEGA_80GB', count: 8 });
  add('a3-ultragpu-8g', 224, 2952, { acceleratorType: 'NVIDIA_H200_141GB', count: 8 });
  add('a4-highgpu-8g', 224, 3968, { acceleratorType: 'NVIDIA_B200', count: 8 });
  add('a4x-highgpu-4g', 140, 884, { acceleratorType: 'NVIDIA_GB200', count: 4 });
  for (const [n, g] of [
    [48, 1],
    [96, 2],
    [192, 4],
    [384, 8],
  ] as const) {
    add(`g4-standard-${n}`, n, n * 3.75, { acceleratorType: 'NVIDIA_RTX_PRO_6000', count: g });
  }
  add('m1-ultramem-40', 40, 961);
  add('m1-ultramem-80', 80, 1922);
  add('m1-ultramem-160', 160, 3844);
  add('m1-megamem-96', 96, 1433.6);
  for (const [g, vcpus, memoryGb] of [
    [1, 26, 234],
    [2, 52, 468],
    [4, 104, 936],
    [8, 208, 1872],
  ] as const) {
    add(`a3-highgpu-${g}g`, vcpus, memoryGb, { acceleratorType: 'NVIDIA_H100_80GB', count: g });
  }
  for (const [n, memoryGb, g] of [
    [4, 16, 1],
    [8, 32, 1],
    [12, 48, 1],
    [16, 64, 1],
    [24, 96, 2],
    [32, 128, 1],
    [48, 192, 4],
    [96, 384, 8],
  ] as const) {
    add(`g2-standard-${n}`, n, memoryGb, { acceleratorType: 'NVIDIA_L4', count: g });
  }
  return all;
}

/** Every machine type Vertex AI trains on, with its shape. */
export const TRAINING_MACHINES: ReadonlyMap<string, TrainingMachine> = machines();

/**
 * Which counts of each GPU that attaches to N1 a training machine may have: the page's "Valid numbers
 * of GPUs for each machine type" table. Stricter than Compute Engine for VMs (a T4 on n1-standard-32
 * comes 2 or 4 at a time here), and 4 P100s give at most 64 vCPUs and 208 GB in every region.
 */
export const N1_GPU_COUNTS: ReadonlyMap<string, Readonly<Record<string, readonly number[]>>> = (() => {
  const table = new Map<string, Record<string, readonly number[]>>();
  const small = { NVIDIA_TESLA_P4: [1, 2, 4], NVIDIA_TESLA_P100: [1, 2, 4], NVIDIA_TESLA_T4: [1, 2, 4], NVIDIA_TESLA_V100: [1, 2, 4, 8] };
  const sixteen = { NVIDIA_TESLA_P4: [1, 2, 4], NVIDIA_TESLA_P100: [1, 2, 4], NVIDIA_TESLA_T4: [1, 2, 4], NVIDIA_TESLA_V100: [2, 4, 8] };
  const thirtyTwo = { NVIDIA_TESLA_P4: [2, 4], NVIDIA_TESLA_P100: [2, 4], NVIDIA_TESLA_T4: [2, 4], NVIDIA_TESLA_V100: [4, 8] };
  const big = { NVIDIA_TESLA_P4: [4], NVIDIA_TESLA_T4: [4], NVIDIA_TESLA_V100: [8] };
  for (const m of ['n1-standard-4', 'n1-standard-8', 'n1-highmem-2', 'n1-highmem-4', 'n1-highmem-8']) table.set(m, small);
  for (const m of ['n1-standard-16', 'n1-highmem-16', 'n1-highcpu-16']) table.set(m, sixteen);
  for (const m of ['n1-standard-32', 'n1-highmem-32', 'n1-highcpu-32']) table.set(m, thirtyTwo);
  for (const m of ['n1-standard-64', 'n1-standard-96', 'n1-highmem-64', 'n1-highmem-96', 'n1-highcpu-96']) table.set(m, big);
  table.set('n1-highcpu-64', { ...big, NVIDIA_TESLA_P100: [4] });
  return table;
})();

/** Accelerators the API's enum still names but Vertex AI no longer lists for training (the K80 was retired). */
export const RETIRED_ACCELERATORS: ReadonlySet<string> = new Set(['NVIDIA_TESLA_K80']);

/** The regional custom-training quota metric of each accelerator. */
export const ACCELERATOR_QUOTA_METRICS: Readonly<Record<string, string>> = {
  NVIDIA_TESLA_T4: 'custom_model_training_nvidia_t4_gpus',
  NVIDIA_TESLA_V100: 'custom_model_training_nvidia_v100_gpus',
  NVIDIA_TESLA_P100: 'custom_model_training_nvidia_p100_gpus',
  NVIDIA_TESLA_P4: 'custom_model_training_nvidia_p4_gpus',
  NVIDIA_L4: 'custom_model_training_nvidia_l4_gpus',
  NVIDIA_TESLA_A100: 'custom_model_training_nvidia_a100_gpus',
  NVIDIA_A100_80GB: 'custom_model_training_nvidia_a100_80gb_gpus',
  NVIDIA_H100_80GB: 'custom_model_training_nvidia_h100_gpus',
};

/**
 * Prebuilt training containers (name in `{us,europe,asia}-docker.pkg.dev/vertex-ai/training/NAME:latest`)
 * and the first day Vertex AI no longer runs them.
 */
export const PREBUILT_IMAGE_END_OF_AVAILABILITY: ReadonlyMap<string, string> = new Map([
  ['tf-cpu.2-17.py310', '2026-07-11'],
  ['tf-gpu.2-17.py310', '2026-07-11'],
  ['tf-cpu.2-16.py310', '2026-06-28'],
  ['tf-gpu.2-16.py310', '2026-06-28'],
  ['tf-cpu.2-15.py310', '2025-11-14'],
  ['tf-gpu.2-15.py310', '2025-11-14'],
  ['tf-cpu.2-14.py310', '2025-09-26'],
  ['tf-gpu.2-14.py310', '2025-09-26'],
  ['tf-cpu.2-13.py310', '2025-07-05'],
  ['tf-gpu.2-13.py310', '2025-07-05'],
  ['tf-cpu.2-12.py310', '2025-06-30'],
  ['tf-gpu.2-12.py310', '2025-06-30'],
  ...['2-11', '2-9', '2-8'].flatMap((v) => [`tf-cpu.${v}.py310`, `tf-gpu.${v}.py310`, `tf-cpu.${v}`, `tf-gpu.${v}`].map((n) => [n, '2024-11-15'] as const)),
  ...['2-7', '2-6', '2-5', '2-4', '2-3', '2-2', '2-1', '1-15'].flatMap((v) => [`tf-cpu.${v}`, `tf-gpu.${v}`].map((n) => [n, '2024-09-01'] as const)),
  ['pytorch-xla.2-4.py310', '2026-07-24'],
  ['pytorch-gpu.2-4.py310', '2026-07-24'],
  ['pytorch-xla.2-3.py310', '2026-04-24'],
  ['pytorch-gpu.2-3.py310', '2026-04-24'],
  ['pytorch-xla.2-2.py310', '2026-10-23'],
  ['pytorch-gpu.2-2.py310', '2026-01-30'],
  ['pytorch-xla.2-1.py310', '2025-10-04'],
  ['pytorch-gpu.2-1.py310', '2025-10-04'],
  ['pytorch-xla.2-0.py310', '2025-03-15'],
  ['pytorch-gpu.2-0.py310', '2025-03-15'],
  ['pytorch-gpu.1-13.py310', '2025-05-15'],
  ['pytorch-gpu.1-13', '2024-12-08'],
  ['pytorch-gpu.1-12.py310', '2025-05-15'],
  ['pytorch-gpu.1-12', '2024-09-01'],
  ...['1-11', '1-10', '1-9', '1-7', '1-6'].flatMap((v) => [`pytorch-xla.${v}`, `pytorch-gpu.${v}`].map((n) => [n, '2024-09-01'] as const)),
  ['pytorch-cpu.1-4', '2024-09-01'],
  ['pytorch-gpu.1-4', '2024-09-01'],
  ['sklearn-cpu.1-6', '2026-07-11'],
  ['sklearn-gpu.1-6', '2026-07-11'],
  ['sklearn-cpu.1-0', '2025-06-30'],
  ['sklearn-gpu.1-0', '2025-06-30'],
  ['scikit-learn-cpu.0-23', '2024-09-01'],
  ['xgboost-cpu.2-1', '2026-07-11'],
  ['xgboost-gpu.2-1', '2026-07-11'],
  ['xgboost-cpu.1-6', '2025-06-30'],
  ['xgboost-gpu.1-6', '2025-06-30'],
  ['xgboost-cpu.1-1', '2024-11-15'],
]);

/** The prebuilt image an image URI names (any of its three registry copies, `:latest` only), or null. */
export function prebuiltImageName(uri: string): string | null {
  const m = /^(?:us|europe|asia)-docker\.pkg\.dev\/vertex-ai\/training\/([^/:@]+)(?::latest)?$/.exec(uri.trim());
  return m?.[1] ?? null;
}
